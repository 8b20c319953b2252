"""Readiness: does behaviour say someone is further along the Value Path than recorded, or drifting back?

Transparent rules over recent signals and tickets. It only suggests; it never changes a stage.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from custview.cycles import cycle_collection_paused
from custview.evidence import (ADVOCACY, ASSESSMENT, BUSINESS_CASE, BUYING, CO_PRESENTING, FORM, INTEREST, PRICING,
                               QUESTION, SECURITY, TERMS, evidence_of)
from custview.insight.facts import (EVIDENCE_DAYS, RECENT_DAYS, TWO_WAY_SIGNAL_KINDS, ContactFacts, book_facts,
                                    facts_from_history, open_issues, open_requests, stage_from, with_requests)
from custview.stages import Stage

if TYPE_CHECKING:
    from custview.db.history import ContactRow, History
    from custview.db.reader import Reader

EARLY = (Stage.AUDIENCE, Stage.RESEARCHER)
CUSTOMER = (Stage.VALUE_CREATOR, Stage.ADOPTER, Stage.ADVOCATE, Stage.CHAMPION)
PATTERN = 2  # different kinds of interest (or of buying) that make a pattern; one act of advocacy is enough
# The evidence each stage's "ahead" rule counts (custview.evidence bits), and how many kinds of it it takes.
AHEAD = {Stage.AUDIENCE: (INTEREST, PATTERN), Stage.RESEARCHER: (INTEREST, PATTERN), Stage.HAND_RAISER: (BUYING, PATTERN),
         Stage.ADOPTER: (ADVOCACY, 1), Stage.ADVOCATE: (CO_PRESENTING, 1)}
AHEAD_BY_NAME = {stage.value: rule for stage, rule in AHEAD.items()}


@dataclass
class Readiness:
    """A call-out: behaviour points to another stage than the recorded one, with the evidence."""

    direction: str  # "ahead" or "drifting"
    behaves_like: str
    evidence: list[str]

    @property
    def engagement_style(self) -> str:
        """How to engage someone who behaves like that stage."""
        return Stage.parse(self.behaves_like).role


def assess_readiness(history: History, stage: Stage, as_of: datetime) -> Readiness | None:
    """The readiness call-out for a contact at `as_of`, or None when behaviour matches the stage."""
    return readiness_from_facts(facts_from_history(history, stage, None, as_of), as_of)


def readiness_from_facts(facts: ContactFacts, as_of: datetime) -> Readiness | None:
    """The readiness call-out these facts about a contact give at `as_of`, or None."""
    stage = facts.stage
    if stage in EARLY:
        return _ahead(Stage.HAND_RAISER, _interest_evidence(_with_bits(facts)))
    if stage is Stage.HAND_RAISER:
        return _ahead(Stage.BUYER, _buying_evidence(_with_bits(facts)))
    if stage in CUSTOMER:
        drifting = _drifting(facts, as_of)
        if drifting or facts.open_issues:  # nobody is asked to share their success while a problem is open
            return drifting
        if stage is Stage.ADOPTER:
            return _one_act(Stage.ADVOCATE, [f"shared their success: {s.title}" for s, bits in _with_bits(facts)
                                             if bits & ADVOCACY])
        if stage is Stage.ADVOCATE:
            return _one_act(Stage.CHAMPION, [f"spoke for the methodology: {s.title}" for s, bits in _with_bits(facts)
                                             if bits & CO_PRESENTING])
    return None


def possible_directions(stage: Stage, open_tickets: bool, signals_recent: int | None = None,
                        signals_in_evidence_window: int | None = None) -> tuple[str, ...]:
    """The call-outs ("ahead", "drifting") the rules above could give someone at `stage` with (or without) open
    tickets and at most these signals in the last RECENT_DAYS and EVIDENCE_DAYS (None: not known)."""
    could_be_evidence = signals_in_evidence_window is None or signals_in_evidence_window >= (
        1 if stage in (Stage.ADOPTER, Stage.ADVOCATE) else PATTERN)  # one act, or two kinds of evidence
    if stage in EARLY or stage is Stage.HAND_RAISER:
        return ("ahead",) if could_be_evidence else ()
    directions = ("drifting",) if open_tickets and not signals_recent else ()
    return directions + (("ahead",) if stage in (Stage.ADOPTER, Stage.ADVOCATE) and could_be_evidence else ())


def is_advocacy(signal) -> bool:
    """A referral, a review or a testimonial: someone sharing their success with others."""
    return bool(_evidence(signal) & ADVOCACY)


def is_co_presenting(signal) -> bool:
    """Presenting, co-authoring or speaking with us: advancing the methodology."""
    return bool(_evidence(signal) & CO_PRESENTING)


def evidence_kinds(stage: Stage) -> int:
    """The kinds of evidence (`custview.evidence` bits) the rules count for someone at `stage` (0: none)."""
    return AHEAD.get(stage, (0, 0))[0]


def _evidence(signal) -> int:
    return evidence_of(signal.kind, signal.title, signal.topics, signal.detail)


def _with_bits(facts: ContactFacts) -> list[tuple]:
    """(signal, what it is evidence of) for each of the facts' evidence signals: the bits stored with them if read
    with them, else worked out from their text (the same function set the stored ones)."""
    signals = facts.evidence_signals
    return list(zip(signals, facts.evidence_bits if facts.evidence_bits is not None else map(_evidence, signals)))


def _one_act(target: Stage, evidence: list[str]) -> Readiness | None:
    # Unlike interest, one act is the behaviour itself: a referral is advocacy.
    return Readiness("ahead", target.value, evidence[:2]) if evidence else None


def book_readiness(reader: Reader, rows: Iterable[ContactRow], as_of: datetime
                   ) -> Iterator[tuple[str, str | None, str, Readiness]]:
    """(name, company, stage, call-out) for each of these contacts whose behaviour points elsewhere, in their
    order, as they are found; from the book's grouped figures, a batch of contacts at a time (no history per
    contact)."""
    for row, facts, _ in book_facts(reader, rows, [as_of], evidence_kinds):
        if readiness := readiness_from_facts(facts, as_of):
            yield row.contact.name, row.company.name if row.company else None, facts.stage.value, readiness


def shows_enough(bits: int, rule: tuple[int, int]) -> bool:
    """Whether evidence of these kinds (`custview.evidence` bits, together) is enough for an "ahead" rule
    ((kinds it counts, how many of them it takes): `AHEAD`)."""
    kinds, at_least = rule
    return (bits & kinds).bit_count() >= at_least


@dataclass
class CallOutCandidates:
    """Who the rules could call out at a moment, from a few whole-book reads: anyone whose stage then may not be
    the recorded one (`moved`), the customers with an open ticket and no recent signal (`drifting`), and per
    contact the kinds of evidence their recent signals show (`shown`, `custview.evidence` bits)."""

    moved: set[int]
    drifting: set[int]
    shown: dict[int, int]

    @classmethod
    def read(cls, reader: Reader, as_of: datetime, **filters) -> CallOutCandidates:
        """The candidates among the contacts `filters` pick (`custview.db.aggregates.contact_keys`)."""
        from custview.db.aggregates import evidence_shown, quiet_with_open_tickets, stage_maybe_not_recorded

        return cls(stage_maybe_not_recorded(reader, as_of),
                   quiet_with_open_tickets(reader, tuple(stage.value for stage in CUSTOMER),
                                           as_of - timedelta(days=RECENT_DAYS), as_of, **filters),
                   evidence_shown(reader, as_of - timedelta(days=EVIDENCE_DAYS), as_of))

    def shows_ahead(self, contact_id: int, stage: str) -> bool:
        """Whether the contact's recent evidence is enough for the "ahead" rule of this (recorded) stage."""
        rule = AHEAD_BY_NAME.get(stage)
        return rule is not None and shows_enough(self.shown.get(contact_id, 0), rule)

    def may_call_out(self, contact_id: int, stage: str) -> bool:
        """Whether the rules could call out this contact, recorded at `stage`."""
        return contact_id in self.moved or contact_id in self.drifting or self.shows_ahead(contact_id, stage)

    def any_stage(self) -> set[int]:
        """The contacts the rules could call out whatever their recorded stage."""
        ahead = {bits for bits in set(self.shown.values()) if any(shows_enough(bits, rule) for rule in AHEAD.values())}
        return self.moved | self.drifting | {contact_id for contact_id, bits in self.shown.items() if bits in ahead}


def book_call_outs(reader: Reader, as_of: datetime, **filters) -> Iterator[tuple[str, str | None, str, Readiness]]:
    """What `book_readiness` gives for the contacts `filters` pick (`custview.db.aggregates.contact_keys`), reading
    only those the rules call out and what the rules read about them (`CallOutCandidates`); the cycle collector
    paused meanwhile (hundreds of thousands of rows, no cycles)."""
    from custview.db.aggregates import BATCH, contacts_in_order, recorded_at

    with cycle_collection_paused():
        candidates = CallOutCandidates.read(reader, as_of, **filters)
        wanted = candidates.moved | candidates.drifting
        for stage, rule in AHEAD_BY_NAME.items():  # who shows enough for a stage, and is recorded at it
            showing = [contact_id for contact_id, bits in candidates.shown.items() if shows_enough(bits, rule)]
            wanted.update(recorded_at(reader, stage, showing, **filters))
        keys = contacts_in_order(reader, sorted(wanted), **filters)
        while batch := list(islice(keys, BATCH)):
            for (_, name, company, _, _), facts in zip(batch, _call_out_facts(reader, batch, as_of, candidates.moved)):
                if readiness := readiness_from_facts(facts, as_of):
                    yield name, company, facts.stage.value, readiness


def _call_out_facts(reader: Reader, keys: list[tuple], as_of: datetime, moved: set[int]) -> list[ContactFacts]:
    """The facts `readiness_from_facts` reads about these contacts ((id, name, company, recorded stage, since), in
    order) and nothing more: their stage at `as_of` (from the stage history for those in `moved`), their recent
    evidence for that stage, and at a customer stage with a ticket open, their open problems and recent signals."""
    from custview.db.aggregates import evidence_between, signal_figures, stage_changes, tickets_open_since

    unsure = [key[0] for key in keys if key[0] in moved]
    changes = stage_changes(reader, unsure) if unsure else {}
    stages = {contact_id: stage_from(changes.get(contact_id, ()), recorded, None, as_of)[0]
              for contact_id, _, _, recorded, _ in keys}
    found = {contact_id: ContactFacts(stage, None) for contact_id, stage in stages.items()}
    by_kinds = defaultdict(list)
    for contact_id, stage in stages.items():
        if kinds := evidence_kinds(stage):
            by_kinds[kinds].append(contact_id)
    for kinds, contact_ids in by_kinds.items():
        for contact_id, signals in evidence_between(reader, contact_ids, as_of - timedelta(days=EVIDENCE_DAYS), as_of,
                                                    kinds).items():
            found[contact_id].evidence_signals = signals
            found[contact_id].evidence_bits = [signal.evidence for signal in signals]
    customers = [contact_id for contact_id, stage in stages.items() if stage in CUSTOMER]
    tickets = tickets_open_since(reader, customers, as_of, as_of) if customers else {}
    figures = signal_figures(reader, list(tickets), [as_of], [(as_of - timedelta(days=RECENT_DAYS), as_of)],
                             TWO_WAY_SIGNAL_KINDS) if tickets else {}
    for contact_id, raised in tickets.items():
        facts = found[contact_id]
        if counted := figures.get(contact_id):
            facts.signals_recent, facts.last_signal = counted.counts[0], counted.last[0]
        facts.open_issues = open_issues(raised, contact_id, as_of)
        found[contact_id] = with_requests(facts, open_requests(raised, contact_id, as_of), as_of)
    return [found[key[0]] for key in keys]


def _ahead(target: Stage, evidence: dict[str, str]) -> Readiness | None:
    # Two different kinds of evidence, not two of the same, make a pattern. Questions asked live
    # (office hours) are cited before those in emails: they say the most about intent.
    return Readiness("ahead", target.value, list(evidence.values())) if len(evidence) >= PATTERN else None


def _interest_evidence(evidence: list[tuple]) -> dict[str, str]:
    """Signs of explicit interest: an assessment, a specific question, pricing, a form or demo request (the
    evidence latest first, as the facts hold it; those at office hours before the others)."""
    found: dict[str, str] = {}
    for s, bits in sorted(evidence, key=lambda e: e[0].kind != "office hours"):  # stable: still latest first
        if bits & ASSESSMENT:
            found.setdefault("assessment", f"completed the {s.title}" + (f": {s.detail}" if s.detail else ""))
        elif bits & QUESTION:
            found.setdefault("question", f"asked a specific question at {s.title}: {s.detail}")
        elif bits & PRICING:
            found.setdefault("pricing", f"looked at pricing ({s.title})")
        elif bits & FORM:
            found.setdefault("form", f"filled in a form: {s.title}")
    return found


def _buying_evidence(evidence: list[tuple]) -> dict[str, str]:
    """Signs of a decision in progress: business case, security review, commercial terms (the evidence latest
    first, as the facts hold it)."""
    found: dict[str, str] = {}
    for s, bits in evidence:
        if bits & BUSINESS_CASE:
            found.setdefault("business case", f"working on a business case ({s.title})")
        elif bits & SECURITY:
            found.setdefault("security", f"checking security/compliance ({s.title})")
        elif bits & TERMS:
            found.setdefault("pricing", f"looking at pricing/terms ({s.title})")
    return found


def _drifting(facts: ContactFacts, as_of: datetime) -> Readiness | None:
    quiet = not facts.signals_recent
    if not (quiet and facts.open_issues):
        return None
    last = facts.last_signal
    quiet_text = f"no activity for {(as_of - last).days} days" if last else "no activity on record"
    evidence = [quiet_text] + [f"open issue: {issue.subject}" for issue in facts.open_issues]
    previous = list(Stage)[facts.stage.number - 2]
    return Readiness("drifting", previous.value, evidence)
