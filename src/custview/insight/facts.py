"""The few numbers the health and readiness rules read about one contact at one moment.

The rules (`health.py`, `readiness.py`) look only at a `ContactFacts`. There are two ways to get
one, and they must agree (tests/test_book_facts.py checks it on a random book):
- `facts_from_history`: from one contact's full history, as the brief has it;
- `book_facts`: for every contact of a book at once, from grouped SQL (`custview.db.aggregates`),
  for the book-wide views (attention, stage suggest).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from itertools import islice
from typing import TYPE_CHECKING

from custview.db.rows import TWO_WAY_SIGNAL_KINDS  # noqa: F401 - the rules' vocabulary, found here by callers
from custview.insight.tickets import is_open_at, ticket_kind
from custview.stages import Stage

if TYPE_CHECKING:
    from custview.db.aggregates import BookAggregates
    from custview.db.history import History
    from custview.db.reader import Reader

# The windows the rules count signals in (days before the moment): the last 30, and the 60 before.
RECENT_DAYS, EARLIER_DAYS = 30, 90
# How far back readiness looks for evidence: the two windows together (so the counts say whom to read).
EVIDENCE_DAYS = EARLIER_DAYS
# Stages whose readiness call-out reads the signals themselves (the others read counts only).
EVIDENCE_STAGES = (Stage.AUDIENCE, Stage.RESEARCHER, Stage.HAND_RAISER, Stage.ADOPTER, Stage.ADVOCATE)
# Open tickets that are behaviour, not only work: a question is engagement (a two-way touch), an
# optimisation request is adoption. Both count as activity, on the day they were raised.
REQUEST_KINDS = ("question", "optimization")


@dataclass(frozen=True)
class OpenIssue:
    """A problem ticket the contact raised that is open at the moment."""

    priority: str
    opened_at: datetime
    subject: str


@dataclass(frozen=True)
class OpenRequest:
    """A question or optimisation ticket the contact raised that is open at the moment."""

    kind: str  # question | optimization
    opened_at: datetime
    subject: str


@dataclass
class ContactFacts:
    """What the rules need about one contact as of one moment, and nothing else."""

    stage: Stage
    stage_since: datetime | None
    last_two_way: datetime | None = None  # latest meeting or conversation-like signal
    last_signal: datetime | None = None
    signals_recent: int = 0  # in the last RECENT_DAYS
    signals_earlier: int = 0  # in the EARLIER_DAYS - RECENT_DAYS before those
    open_issues: list[OpenIssue] = field(default_factory=list)  # latest first
    overdue_steps: list[str] = field(default_factory=list)  # latest meeting first
    services_at_risk: list[str] = field(default_factory=list)
    # Last EVIDENCE_DAYS, latest first (ties: latest id first; the rules rely on it) (EVIDENCE_STAGES only); book-wide,
    # only those that are evidence at the stage, with what the rules quote (kind, title, detail).
    evidence_signals: list = field(default_factory=list)
    # What each of evidence_signals is evidence of, as stored with it (book-wide); None: worked out from their text.
    evidence_bits: list[int] | None = None
    open_requests: list[OpenRequest] = field(default_factory=list)  # oldest first; already counted as activity


def stage_from(changes: list, recorded_stage: str, recorded_since: datetime | None,
               as_of: datetime) -> tuple[Stage, datetime | None]:
    """The Value Path stage at `as_of` and since when, from the stage changes (oldest first) and what is recorded."""
    earlier = [c for c in changes if c.changed_at <= as_of]
    if earlier:
        latest = max(earlier, key=lambda c: c.changed_at)
        return Stage.parse(latest.stage), latest.changed_at
    if changes:  # every recorded move is later: they were where the first move started from
        first = min(changes, key=lambda c: c.changed_at)
        return Stage.parse(first.previous_stage or first.stage), None
    return Stage.parse(recorded_stage), recorded_since


def open_issues(tickets: Iterable, contact_id: int, as_of: datetime) -> list[OpenIssue]:
    """The problem tickets (kind "issue") this contact raised that are open at `as_of`, in the order given."""
    return [OpenIssue(t.priority, t.opened_at, t.subject) for t in tickets
            if t.contact_id == contact_id and is_open_at(t, as_of) and ticket_kind(t) == "issue"]


def open_requests(tickets: Iterable, contact_id: int, as_of: datetime) -> list[OpenRequest]:
    """The question and optimisation tickets this contact raised that are open at `as_of`, oldest first."""
    found = [OpenRequest(kind, t.opened_at, t.subject) for t in tickets
             if t.contact_id == contact_id and is_open_at(t, as_of) and (kind := ticket_kind(t)) in REQUEST_KINDS]
    return sorted(found, key=lambda r: (r.opened_at, r.kind, r.subject))


def with_requests(facts: ContactFacts, requests: list[OpenRequest], as_of: datetime) -> ContactFacts:
    """The facts with open questions counted as two-way touches and open questions and optimisation
    requests as activity (in the signal windows, and as the latest activity)."""
    recent, earlier = as_of - timedelta(days=RECENT_DAYS), as_of - timedelta(days=EARLIER_DAYS)
    facts.open_requests = requests
    for request in requests:
        facts.signals_recent += request.opened_at > recent
        facts.signals_earlier += earlier < request.opened_at <= recent
        facts.last_signal = _latest(facts.last_signal, request.opened_at)
        if request.kind == "question":
            facts.last_two_way = _latest(facts.last_two_way, request.opened_at)
    return facts


def is_overdue(step, met_at: datetime, as_of: datetime) -> bool:
    """A step promised at a meeting already held, not done, and past its due date."""
    return met_at <= as_of and step_open_at(step, as_of) and step.due_at is not None and step.due_at < as_of


def step_open_at(step, as_of: datetime) -> bool:
    """Whether a promise was still open at `as_of`: not done, or done only later (book-wide figures read
    open steps only, without `done_at`)."""
    done_at = getattr(step, "done_at", None)
    return not step.done or (done_at is not None and done_at > as_of)


def facts_from_history(history: History, stage: Stage, stage_since: datetime | None, as_of: datetime) -> ContactFacts:
    """The facts about one contact as of `as_of`, from their whole history."""
    signals = [s for s in history.signals if s.occurred_at <= as_of]  # latest first
    two_way = [r.appointment.scheduled_at for r in history.appointments if r.appointment.scheduled_at <= as_of]
    two_way += [s.occurred_at for s in signals if s.kind in TWO_WAY_SIGNAL_KINDS]
    recent, earlier = as_of - timedelta(days=RECENT_DAYS), as_of - timedelta(days=EARLIER_DAYS)
    facts = ContactFacts(
        stage=stage, stage_since=stage_since, last_two_way=max(two_way, default=None),
        last_signal=max((s.occurred_at for s in signals), default=None),
        signals_recent=sum(1 for s in signals if s.occurred_at > recent),
        signals_earlier=sum(1 for s in signals if earlier < s.occurred_at <= recent),
        open_issues=open_issues(history.tickets, history.contact.id, as_of),
        overdue_steps=[step.step for record in history.appointments for step in record.next_steps
                       if is_overdue(step, record.appointment.scheduled_at, as_of)],
        services_at_risk=[s.name for s in history.services if s.status == "at risk"],
        evidence_signals=[s for s in signals if s.occurred_at > as_of - timedelta(days=EVIDENCE_DAYS)]
        if stage in EVIDENCE_STAGES else [],
    )
    return with_requests(facts, open_requests(history.tickets, history.contact.id, as_of), as_of)


def book_facts(reader: Reader, rows: Iterable, moments: list[datetime], evidence: Callable[[Stage], int],
               whole_book: BookAggregates | None = None
               ) -> Iterator[tuple[object, ContactFacts, list[Callable[[], ContactFacts]]]]:
    """For each of `rows` (with a `.contact`), in their order: its facts at the first of `moments` (the latest),
    with the recent signals that are the kinds of evidence `evidence(stage)` names (`readiness.evidence_kinds`:
    `custview.evidence` bits), and a function giving them at each other moment. Read from grouped queries a batch
    of contacts at a time, never a history each; what is read once for the book (`BookAggregates.for_book`) may be
    given."""
    from custview.db.aggregates import BATCH, BookAggregates

    windows = [(m - timedelta(days=days), m - timedelta(days=until))
               for m in moments for days, until in ((RECENT_DAYS, 0), (EARLIER_DAYS, RECENT_DAYS))]
    whole_book = whole_book or BookAggregates.for_book(reader)
    rows = iter(rows)
    while batch := list(islice(rows, BATCH)):
        book = whole_book.for_contacts(reader, [row.contact.id for row in batch], moments, windows,
                                       TWO_WAY_SIGNAL_KINDS)
        first = {row.contact.id: _contact_facts(book, row.contact, 0, moments[0]) for row in batch}
        _add_evidence(reader, first, moments[0], evidence)
        for row in batch:
            yield row, first[row.contact.id], [partial(_contact_facts, book, row.contact, index, moment)
                                               for index, moment in enumerate(moments[1:], 1)]


def _contact_facts(book, contact, index: int, moment: datetime) -> ContactFacts:
    """One contact's facts at the moment with that index, from the grouped figures of their batch."""
    contact_id = contact.id
    stage, since = stage_from(book.stage_changes.get(contact_id, ()), contact.stage, contact.stage_since, moment)
    signals = book.signals.get(contact_id)
    tickets = book.tickets.get(contact_id, ())
    facts = ContactFacts(
        stage=stage, stage_since=since,
        last_two_way=_latest(signals and signals.last_two_way[index], book.last_meeting(contact_id, index)),
        last_signal=signals and signals.last[index],
        signals_recent=signals.counts[2 * index] if signals else 0,
        signals_earlier=signals.counts[2 * index + 1] if signals else 0,
        open_issues=open_issues(tickets, contact_id, moment) if tickets else [],
        overdue_steps=[step.step for met_at, step in book.steps.get(contact_id, ()) if is_overdue(step, met_at, moment)],
        services_at_risk=book.services_at_risk.get(contact.company_id, []) if contact.company_id else [],
    )
    return with_requests(facts, open_requests(tickets, contact_id, moment), moment) if tickets else facts


def _add_evidence(reader: Reader, facts: dict[int, ContactFacts], as_of: datetime,
                  evidence: Callable[[Stage], int]) -> None:
    """Read the recent signals that are evidence for the rules on the contacts whose readiness looks at them."""
    from custview.db.aggregates import evidence_between

    wanted = defaultdict(list)
    for contact_id, f in facts.items():
        if f.stage in EVIDENCE_STAGES and f.signals_recent + f.signals_earlier:  # any in the last EVIDENCE_DAYS
            wanted[f.stage].append(contact_id)
    for stage, contact_ids in wanted.items():
        for contact_id, signals in evidence_between(reader, contact_ids, as_of - timedelta(days=EVIDENCE_DAYS), as_of,
                                                    evidence(stage)).items():
            facts[contact_id].evidence_signals = signals
            facts[contact_id].evidence_bits = [signal.evidence for signal in signals]


def _latest(*moments: datetime | None) -> datetime | None:
    return max((m for m in moments if m), default=None)
