"""Readiness: does behaviour say someone is further along the Value Path than recorded, or drifting back?

Transparent rules over recent signals and tickets. It only suggests; it never changes a stage.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from custview.insight.facts import EVIDENCE_DAYS, RECENT_DAYS, ContactFacts, book_facts, facts_from_history
from custview.stages import Stage

if TYPE_CHECKING:
    from custview.db.history import ContactRow, History
    from custview.db.reader import Reader

QUESTION_KINDS = {"office hours", "email", "event", "webinar"}
# Acts that show the later stages, found in a signal's kind, title, topics or detail: sharing their
# success (an Advocate) and advancing the methodology with us (a Champion).
ADVOCACY_WORDS = ("referral", "referred", "reference call", "testimonial", "review site", "peer review",
                  "case study quote", "win story")
ADVOCACY_KINDS = ("referral", "review", "testimonial")
CO_PRESENTING_WORDS = ("co-present", "co-author", "keynote", "guest speaker", "presented", "panel")
# The words the rules below look for in a signal's title and topics (besides the lists above).
INTEREST_WORDS = ("pricing",)
BUYING_WORDS = ("business case", "roi", "security", "compliance", "pricing", "commercial terms")
EARLY = (Stage.AUDIENCE, Stage.RESEARCHER)
CUSTOMER = (Stage.VALUE_CREATOR, Stage.ADOPTER, Stage.ADVOCATE, Stage.CHAMPION)


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
        return _ahead(Stage.HAND_RAISER, _interest_evidence(facts.evidence_signals))
    if stage is Stage.HAND_RAISER:
        return _ahead(Stage.BUYER, _buying_evidence(facts.evidence_signals))
    if stage in CUSTOMER:
        drifting = _drifting(facts, as_of)
        if drifting or facts.open_issues:  # nobody is asked to share their success while a problem is open
            return drifting
        if stage is Stage.ADOPTER:
            return _one_act(Stage.ADVOCATE, [f"shared their success: {s.title}" for s in facts.evidence_signals
                                             if is_advocacy(s)])
        if stage is Stage.ADVOCATE:
            return _one_act(Stage.CHAMPION, [f"spoke for the methodology: {s.title}" for s in facts.evidence_signals
                                             if is_co_presenting(s)])
    return None


def possible_directions(stage: Stage, open_tickets: bool, signals_recent: int | None = None,
                        signals_in_evidence_window: int | None = None) -> tuple[str, ...]:
    """The call-outs ("ahead", "drifting") the rules above could give someone at `stage` with (or without) open
    tickets and at most these signals in the last RECENT_DAYS and EVIDENCE_DAYS (None: not known)."""
    could_be_evidence = signals_in_evidence_window is None or signals_in_evidence_window >= (
        1 if stage in (Stage.ADOPTER, Stage.ADVOCATE) else 2)  # one act, or two kinds of evidence
    if stage in EARLY or stage is Stage.HAND_RAISER:
        return ("ahead",) if could_be_evidence else ()
    directions = ("drifting",) if open_tickets and not signals_recent else ()
    return directions + (("ahead",) if stage in (Stage.ADOPTER, Stage.ADVOCATE) and could_be_evidence else ())


def is_advocacy(signal) -> bool:
    """A referral, a review or a testimonial: someone sharing their success with others."""
    return signal.kind in ADVOCACY_KINDS or _says(signal, ADVOCACY_WORDS)


def is_co_presenting(signal) -> bool:
    """Presenting, co-authoring or speaking with us: advancing the methodology."""
    return _says(signal, CO_PRESENTING_WORDS)


def _says(signal, words: tuple[str, ...]) -> bool:
    text = " ".join([signal.title, *signal.topics, signal.detail or ""]).lower()
    return any(word in text for word in words)


def _one_act(target: Stage, evidence: list[str]) -> Readiness | None:
    # Unlike interest, one act is the behaviour itself: a referral is advocacy.
    return Readiness("ahead", target.value, evidence[:2]) if evidence else None


def book_readiness(reader: Reader, rows: Iterable[ContactRow], as_of: datetime
                   ) -> Iterator[tuple[str, str | None, str, Readiness]]:
    """(name, company, stage, call-out) for each of these contacts whose behaviour points elsewhere, in their
    order, as they are found; from the book's grouped figures, a batch of contacts at a time (no history per
    contact)."""
    for row, facts, _ in book_facts(reader, rows, [as_of], evidence_filter):
        if readiness := readiness_from_facts(facts, as_of):
            yield row.contact.name, row.company.name if row.company else None, facts.stage.value, readiness


def book_call_outs(reader: Reader, as_of: datetime, **filters) -> Iterator[tuple[str, str | None, str, Readiness]]:
    """What `book_readiness` gives for the contacts `filters` pick (`custview.db.aggregates.contact_keys`), reading
    in full only those the rules could call out: with signals in the last EVIDENCE_DAYS that could be evidence for
    their recorded stage, or an open problem and no signal in the last RECENT_DAYS at a customer stage (and anyone
    whose stage then may not be the recorded one). Readiness never looks at meetings: they are not read."""
    from custview.db.aggregates import BATCH, BookAggregates, contact_keys, stage_maybe_not_recorded

    keys = list(contact_keys(reader, **filters))
    customers = {contact_id for contact_id, _, _, stage, _ in keys if Stage.parse(stage) in CUSTOMER}
    wanted = _could_be_called_out(reader, as_of, customers) | stage_maybe_not_recorded(reader, as_of)
    ids = [contact_id for contact_id, *_ in keys if contact_id in wanted]
    for start in range(0, len(ids), BATCH):
        rows = reader.contact_rows(ids=ids[start:start + BATCH])  # in the keys' order: by name, then id
        for row, facts, _ in book_facts(reader, rows, [as_of], evidence_filter, BookAggregates(with_meetings=False)):
            if readiness := readiness_from_facts(facts, as_of):
                yield row.contact.name, row.company.name if row.company else None, facts.stage.value, readiness


def _could_be_called_out(reader: Reader, as_of: datetime, customers: set[int]) -> set[int]:
    """The contacts, by their recorded stage (`customers`: those at a customer stage), whose signals and tickets
    leave room for a call-out."""
    from custview.db.aggregates import contacts_with_signals, open_tickets
    from custview.insight.tickets import ticket_kind

    evidence_since = as_of - timedelta(days=EVIDENCE_DAYS)
    wanted = set()
    for stage in Stage:
        found = Counter(contacts_with_signals(reader, (stage.value,), evidence_since, as_of, evidence_filter(stage)))
        wanted |= {contact_id for contact_id, count in found.items() if possible_directions(stage, False, None, count)}
    with_problems = {contact_id for contact_id, tickets in open_tickets(reader, as_of).items()
                     if any(ticket_kind(ticket) == "issue" for ticket in tickets)}
    quiet_customers = customers.intersection(with_problems) - set(contacts_with_signals(
        reader, tuple(stage.value for stage in CUSTOMER), as_of - timedelta(days=RECENT_DAYS), as_of))
    return wanted | quiet_customers


def _ahead(target: Stage, evidence: dict[str, str]) -> Readiness | None:
    # Two different kinds of evidence, not two of the same, make a pattern. Questions asked live
    # (office hours) are cited before those in emails: they say the most about intent.
    return Readiness("ahead", target.value, list(evidence.values())) if len(evidence) >= 2 else None


def _interest_evidence(signals) -> dict[str, str]:
    """Signs of explicit interest: an assessment, a specific question, pricing, a form or demo request."""
    found: dict[str, str] = {}
    for s in sorted(signals, key=lambda s: (s.kind != "office hours", -s.occurred_at.timestamp())):
        if s.kind == "assessment":
            found.setdefault("assessment", f"completed the {s.title}" + (f": {s.detail}" if s.detail else ""))
        elif s.kind in QUESTION_KINDS and s.detail and ("asked" in s.detail.lower() or "?" in s.detail):
            found.setdefault("question", f"asked a specific question at {s.title}: {s.detail}")
        elif _mentions(s, *INTEREST_WORDS):
            found.setdefault("pricing", f"looked at pricing ({s.title})")
        elif s.kind == "form":
            found.setdefault("form", f"filled in a form: {s.title}")
    return found


def _buying_evidence(signals) -> dict[str, str]:
    """Signs of a decision in progress: business case, security review, commercial terms."""
    found: dict[str, str] = {}
    for s in sorted(signals, key=lambda s: s.occurred_at, reverse=True):
        if _mentions(s, *BUYING_WORDS[:2]):
            found.setdefault("business case", f"working on a business case ({s.title})")
        elif _mentions(s, *BUYING_WORDS[2:4]):
            found.setdefault("security", f"checking security/compliance ({s.title})")
        elif _mentions(s, *BUYING_WORDS[4:]):
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


def _mentions(signal, *words: str) -> bool:
    text = " ".join([signal.title, *signal.topics]).lower()
    return any(word in text for word in words)


def evidence_filter(stage: Stage):
    """Which signals could be evidence for these rules at a stage (`custview.db.aggregates.EvidenceFilter`): the
    book-wide views load only those."""
    from custview.db.aggregates import EvidenceFilter

    if stage in EARLY:
        return EvidenceFilter(("assessment", "form"), tuple(sorted(QUESTION_KINDS)), INTEREST_WORDS)
    if stage is Stage.HAND_RAISER:
        return EvidenceFilter(words=BUYING_WORDS)
    if stage is Stage.ADOPTER:
        return EvidenceFilter(ADVOCACY_KINDS, words=ADVOCACY_WORDS)
    if stage is Stage.ADVOCATE:
        return EvidenceFilter(words=CO_PRESENTING_WORDS)
    return EvidenceFilter()
