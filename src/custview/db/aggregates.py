"""Book-wide figures per contact from a few grouped queries: the inputs of attention and stage suggest.

Instead of a full history per contact (a dozen queries and every row), each query here reads one
table through an index for a batch of contacts (`BATCH` at a time: memory holds a batch, not the
book) and hands back per contact only what the rules look at: signal counts in windows and latest
moments, latest meeting, the open tickets, stage changes, the overdue next steps; and once for the
book, the services at risk. `custview.insight.facts` turns them into the rules' input.
Every query is answered from an index (tests/test_query_plan.py checks the plans).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

from custview.dates import read_stored_time, stored_time
from custview.db.read_rows import READ, Ticket
from custview.db.contact_list import contact_filter
from custview.db.dialect import dialect_of
from custview.db.batch import CHUNK, chunks, placeholders

if TYPE_CHECKING:
    from custview.db.reader import Reader

BATCH = CHUNK  # contacts read at a time: one IN list per query
# A ticket open at a moment (the one parameter of the second): never closed, or closed only later. Two
# conditions, each searched in ix_ticket_closed, so that only the few open tickets are read.
OPEN_AT = ("closed_at IS NULL AND (status <> 'closed' OR status IS NULL)", "closed_at > ?")


class SignalFigures(NamedTuple):
    """One contact's signals summed up: a count per window, the latest (two-way) signal per moment."""

    counts: tuple[int, ...]
    last: tuple[datetime | None, ...]
    last_two_way: tuple[datetime | None, ...]


class StageMove(NamedTuple):
    """A stage change, as `stage_from` reads it."""

    stage: str
    previous_stage: str | None
    changed_at: datetime


class StepFigures(NamedTuple):
    """An open next step with a due date, as the overdue rule reads it."""

    step: str
    due_at: datetime
    done: bool


@dataclass
class BookAggregates:
    """Per contact (or company): the figures the rules need, for a few moments at once."""

    signals: dict[int, SignalFigures] = field(default_factory=dict)
    meetings: dict[int, tuple[datetime | None, ...]] = field(default_factory=dict)  # latest meeting per moment
    stage_changes: dict[int, list[StageMove]] = field(default_factory=dict)  # oldest first
    tickets: dict[int, list] = field(default_factory=dict)  # not closed before the earliest moment, latest first
    steps: dict[int, list[tuple[datetime, StepFigures]]] = field(default_factory=dict)  # (met at, step)
    services_at_risk: dict[int, list[str]] = field(default_factory=dict)  # by company
    steps_per_batch: bool = False  # whether `for_contacts` reads the steps (or leaves them out)
    with_meetings: bool = True  # whether `for_contacts` reads the latest meetings (two-way touches, for health)

    def last_meeting(self, contact_id: int, moment_index: int) -> datetime | None:
        """The latest meeting the contact owned or attended, at or before the moment with that index."""
        moments = self.meetings.get(contact_id)
        return moments[moment_index] if moments else None

    @classmethod
    def for_book(cls, reader: Reader) -> BookAggregates:
        """What is read once for the whole book: per company the services at risk (and, with each batch's figures,
        the steps due)."""
        book = cls(steps_per_batch=True)
        for company_id, name in reader.query("SELECT company_id, name FROM service WHERE status = 'at risk' ORDER BY id"):
            book.services_at_risk.setdefault(company_id, []).append(name)
        return book

    def for_contacts(self, reader: Reader, contact_ids: list[int], moments: list[datetime],
                     windows: list[tuple[datetime, datetime]], two_way_kinds: tuple[str, ...]) -> BookAggregates:
        """These contacts' figures (at most `BATCH`, read through the indexes that start with contact_id), with
        the book-wide ones: counts in each (after, up to] window, latest moments at each moment, the steps not done
        and due before the latest moment."""
        steps = _steps_due_before(reader, max(moments), contact_ids) if self.steps_per_batch else self.steps
        return replace(self, signals=signal_figures(reader, contact_ids, moments, windows, two_way_kinds), steps=steps,
                       meetings=_latest_meetings(reader, contact_ids, moments) if self.with_meetings else {},
                       stage_changes=stage_changes(reader, contact_ids),
                       tickets=tickets_open_since(reader, contact_ids, min(moments), max(moments)))


def contact_keys(reader: Reader, stage: str | None = None, company: str | None = None, search: str | None = None,
                 company_id: int | None = None, owned=None, ids: list[int] | None = None
                 ) -> Iterator[tuple[int, str, int | None, str, str | None]]:
    """(id, name, company id, recorded stage, since as stored) of the contacts `Reader.contact_rows` gives (of
    these `ids` only, if given), in its order, as they are read: a whole book in little memory."""
    where, parameters = contact_filter(stage, company, search, company_id, owned, ids)
    return reader.stream(f"SELECT contact.id, contact.name, contact.company_id, contact.stage, contact.stage_since "
                        f"FROM contact{where} "
                        "ORDER BY contact.name, contact.id", parameters)


def stage_maybe_not_recorded(reader: Reader, moment: datetime) -> set[int]:
    """The contacts whose stage at `moment`, and since when, may not be the recorded ones: with a stage change
    dated later, or to another stage or at another moment than the recorded (for the others, every change says
    the recorded stage and moment). The stage history, about a row per contact, is read whole."""
    changed_at, since = (dialect_of(reader.connection).moment(c) for c in ("stage_change.changed_at", "contact.stage_since"))
    return {contact_id for (contact_id,) in reader.query(  # (a set: no DISTINCT, which sorts the whole history)
        "SELECT stage_change.contact_id FROM stage_change JOIN contact ON contact.id = stage_change.contact_id "
        f"WHERE stage_change.stage <> contact.stage OR {changed_at} > ? OR contact.stage_since IS NULL "
        f"OR {changed_at} <> {since}", (stored_time(moment),))}


def recorded_stages(reader: Reader, contact_ids: list[int]) -> dict[int, tuple[int, str, int | None, str, str | None]]:
    """Per contact, what `contact_keys` gives for them, but their name."""
    return {row[0]: (row[0], None, *row[1:]) for row in reader.query(
        f"SELECT id, company_id, stage, stage_since FROM contact WHERE id IN ({placeholders(contact_ids)})", contact_ids)}


def signal_and_stage_figures(reader: Reader, contact_ids: list[int], moment: datetime, windows, two_way_kinds
                             ) -> tuple[dict[int, SignalFigures], dict[int, list[StageMove]]]:
    """For these contacts: their signal figures at `moment` (counts in `windows`) and their stage changes."""
    return signal_figures(reader, contact_ids, [moment], windows, two_way_kinds), stage_changes(reader, contact_ids)


def evidence_shown(reader: Reader, after: datetime, until: datetime) -> dict[int, int]:
    """Per contact with any, the kinds of evidence (`custview.evidence` bits, together) of their signals in (after,
    until]: read from ix_signal_evidence_when alone, which holds only the signals that are evidence."""
    shown: dict[int, int] = {}
    known = shown.get
    for contact_id, bits in reader.stream("SELECT contact_id, evidence FROM signal WHERE evidence <> 0 "
                                          "AND occurred_at > ? AND occurred_at <= ?",
                                          (stored_time(after), stored_time(until)), batch=5_000):
        shown[contact_id] = known(contact_id, 0) | bits
    return shown


def recorded_at(reader: Reader, stage: str, ids: list[int], **filters) -> list[int]:
    """Those of these contacts that `filters` pick (see `contact_keys`) recorded at `stage` (searched in the stage
    index, so only they come back)."""
    where, parameters = contact_filter(**filters)
    dialect = dialect_of(reader.connection)
    return [contact_id for (contact_id,) in reader.query(
        f"SELECT contact.id FROM contact{where} {'AND' if where else 'WHERE'} contact.stage = ? "
        f"AND {dialect.one_of('contact.id')}", (*parameters, stage, dialect.as_values(ids)))]


def quiet_with_open_tickets(reader: Reader, stages: tuple[str, ...], quiet_since: datetime, as_of: datetime,
                            **filters) -> set[int]:
    """The contacts recorded at one of `stages` (of those `filters` pick) with a ticket they raised open at `as_of`
    and no signal in (quiet_since, as_of]."""
    where, parameters = contact_filter(**filters)
    among = f"{where} AND" if where else " WHERE"
    moment = stored_time(as_of)
    raised = " UNION ".join(f"SELECT contact_id FROM ticket WHERE {condition} AND opened_at <= ?" for condition in OPEN_AT)
    return {contact_id for (contact_id,) in reader.query(  # the open tickets through ix_ticket_closed: the few open
        f"SELECT contact.id FROM contact{among} contact.stage IN ({placeholders(list(stages))}) "
        f"AND contact.id IN ({raised}) AND NOT EXISTS (SELECT 1 FROM signal WHERE signal.contact_id = contact.id "
        "AND signal.occurred_at > ? AND signal.occurred_at <= ?)",
        (*parameters, *stages, moment, moment, moment, stored_time(quiet_since), moment))}


def contacts_in_order(reader: Reader, ids: list[int], **filters) -> Iterator[tuple[int, str, str | None, str, str | None]]:
    """(id, name, company name, recorded stage, since as stored) of these contacts that `filters` pick, in the order
    of `contact_keys`, as they are read."""
    where, parameters = contact_filter(**filters)
    dialect = dialect_of(reader.connection)
    return reader.stream("SELECT contact.id, contact.name, company.name, contact.stage, contact.stage_since "
                         f"FROM contact LEFT JOIN company ON company.id = contact.company_id{where} "
                         f"{'AND' if where else 'WHERE'} {dialect.one_of('contact.id')} ORDER BY contact.name, contact.id",
                         (*parameters, dialect.as_values(ids)))


def open_ticket_rows(reader: Reader, as_of: datetime) -> Iterator[tuple[int, str, str | None, str | None, str, str]]:
    """(contact id, subject, description, recorded kind, priority, opened at as stored) of the tickets contacts
    raised that are open at `as_of` (`custview.insight.tickets.is_open_at`), as they are read: through
    ix_ticket_closed, the few open ones, never the book's history."""
    moment = stored_time(as_of)
    for condition in OPEN_AT:
        yield from reader.stream("SELECT contact_id, subject, description, kind, priority, opened_at FROM ticket "
                                 f"WHERE {condition} AND opened_at <= ? AND contact_id IS NOT NULL",
                                 (moment,) * condition.count("?") + (moment,), batch=5_000)


def steps_due_counts(reader: Reader, as_of: datetime) -> dict[int, int]:
    """Per contact (owner or attendee of the meeting), how many steps are not done and due before `as_of`, for the
    whole book at once (through ix_next_step_open): no fewer than the overdue rule counts."""
    due = stored_time(as_of)
    people = defaultdict(set)
    for who, tables in (("appointment.contact_id", "JOIN appointment ON appointment.id = next_step.appointment_id"),
                        ("attendee.contact_id", "JOIN attendee ON attendee.appointment_id = next_step.appointment_id")):
        for step_id, contact_id in reader.query(f"SELECT next_step.id, {who} FROM next_step {tables} "
                                                "WHERE next_step.done = 0 AND next_step.due_at < ?", (due,)):
            people[contact_id].add(step_id)
    return {contact_id: len(steps) for contact_id, steps in people.items()}


def signal_counts(reader: Reader, contact_ids: list[int], since: datetime, recent_since: datetime, until: datetime
                  ) -> dict[int, tuple[int, int]]:
    """Per contact (of those with any), how many signals they have in (recent_since, until] and in (since, until]."""
    when = dialect_of(reader.connection).moment("occurred_at")
    rows = reader.query(f"SELECT contact_id, count(CASE WHEN {when} > ? THEN 1 END), count(*) FROM signal "
                        f"WHERE contact_id IN ({placeholders(contact_ids)}) AND occurred_at > ? AND occurred_at <= ? "
                        "GROUP BY contact_id", (stored_time(recent_since), *contact_ids, stored_time(since),
                                                stored_time(until)))
    return {contact_id: (recent, in_window) for contact_id, recent, in_window in rows}


def contacts_of_companies(reader: Reader, company_ids: list[int]) -> list[int]:
    """The contacts of these companies."""
    return [contact_id for chunk in chunks(sorted(company_ids)) for (contact_id,) in reader.query(
        f"SELECT id FROM contact WHERE company_id IN ({placeholders(chunk)})", chunk)]


def _time(text: str | None) -> datetime | None:
    return None if text is None else read_stored_time(text)


def signal_figures(reader: Reader, contact_ids: list[int], moments, windows, two_way_kinds) -> dict[int, SignalFigures]:
    """Per contact (of these, with any signal): their count in each of `windows`, their latest (and latest of
    `two_way_kinds`) at each of `moments`."""
    when = dialect_of(reader.connection).moment("occurred_at")
    counts = [(f"count(CASE WHEN {when} > ? AND {when} <= ? THEN 1 END)", (stored_time(a), stored_time(b))) for a, b in windows]
    lasts = [(f"MAX(CASE WHEN {when} <= ? THEN occurred_at END)", (stored_time(m),)) for m in moments]
    kinds = placeholders(list(two_way_kinds))
    two_way = [(f"MAX(CASE WHEN kind IN ({kinds}) AND {when} <= ? THEN occurred_at END)",
                (*two_way_kinds, stored_time(m))) for m in moments]
    columns = counts + lasts + two_way
    sql = (f"SELECT contact_id, {', '.join(c for c, _ in columns)} FROM signal "
           f"WHERE contact_id IN ({placeholders(contact_ids)}) GROUP BY contact_id")
    n, m = len(windows), len(moments)
    return {
        row[0]: SignalFigures(row[1:1 + n], tuple(map(_time, row[1 + n:1 + n + m])), tuple(map(_time, row[1 + n + m:])))
        for row in reader.query(sql, [value for _, values in columns for value in values] + contact_ids)
    }


def _latest_meetings(reader: Reader, contact_ids: list[int], moments) -> dict[int, tuple]:
    """Per contact, the latest appointment they own or attend at or before each moment."""
    when = dialect_of(reader.connection).moment("scheduled_at")
    columns = ", ".join(f"MAX(CASE WHEN {when} <= ? THEN scheduled_at END)" for _ in moments)
    marks = placeholders(contact_ids)
    owned = f"SELECT contact_id, {columns} FROM appointment WHERE contact_id IN ({marks}) GROUP BY contact_id"
    attended = (f"SELECT attendee.contact_id, {columns} FROM attendee JOIN appointment "
                f"ON appointment.id = attendee.appointment_id WHERE attendee.contact_id IN ({marks}) "
                "GROUP BY attendee.contact_id")
    found: dict[int, tuple] = {}
    for sql in (owned, attended):
        for contact_id, *latest in reader.query(sql, [stored_time(m) for m in moments] + contact_ids):
            known = found.get(contact_id, (None,) * len(moments))
            found[contact_id] = tuple(max(a, b) if a and b else a or b for a, b in zip(known, latest))
    return {contact_id: tuple(map(_time, latest)) for contact_id, latest in found.items()}


def stage_changes(reader: Reader, contact_ids: list[int]) -> dict[int, list[StageMove]]:
    """Per contact (of these, with any), their stage changes, oldest first."""
    found = defaultdict(list)
    for contact_id, stage, previous, changed_at in reader.query(
            f"SELECT contact_id, stage, previous_stage, changed_at FROM stage_change WHERE contact_id IN "
            f"({placeholders(contact_ids)}) ORDER BY contact_id, changed_at, id", contact_ids):
        found[contact_id].append(StageMove(stage, previous, read_stored_time(changed_at)))
    return found


def tickets_open_since(reader: Reader, contact_ids: list[int], earliest: datetime, latest: datetime) -> dict[int, list]:
    """Per contact, the tickets they raised, opened by `latest` and not closed before `earliest`, latest first."""
    table = READ[Ticket]
    rows = reader.query(f"SELECT {table.columns} FROM ticket WHERE contact_id IN ({placeholders(contact_ids)}) "
                        "AND (closed_at IS NULL OR closed_at > ?) AND opened_at <= ? ORDER BY opened_at DESC, id DESC",
                        (*contact_ids, stored_time(earliest), stored_time(latest)))
    found = defaultdict(list)
    for row in rows:
        ticket = table.build(row)
        found[ticket.contact_id].append(ticket)
    return found


def _steps_due_before(reader: Reader, latest: datetime, contact_ids: list[int]
                      ) -> dict[int, list[tuple[datetime, StepFigures]]]:
    """Per contact (owner or attendee of the meeting), the steps not done and due before `latest`, in the brief's
    order: latest meeting first, then as the steps were written."""
    steps = ("SELECT appointment.id, appointment.scheduled_at, next_step.id, next_step.step, next_step.due_at, {who} "
             "FROM {tables} WHERE {who} IN ({among}) AND next_step.done + 0 = 0 AND next_step.due_at < ?")
    # (done + 0: through the contacts' meetings, never ix_next_step_open, which holds every open step of the book)
    owned = "appointment JOIN next_step ON next_step.appointment_id = appointment.id"
    attended = ("attendee JOIN appointment ON appointment.id = attendee.appointment_id "
                "JOIN next_step ON next_step.appointment_id = appointment.id")
    rows = []
    for who, tables in (("appointment.contact_id", owned), ("attendee.contact_id", attended)):
        rows += reader.query(steps.format(who=who, tables=tables, among=placeholders(contact_ids)),
                             (*contact_ids, stored_time(latest)))
    found = defaultdict(dict)  # per contact, by step id: once even when both owner and attendee
    for _, met_at, step_id, step, due_at, contact_id in sorted(rows, key=lambda r: (r[1], r[0], -r[2]), reverse=True):
        found[contact_id].setdefault(step_id, (read_stored_time(met_at), StepFigures(step, read_stored_time(due_at), False)))
    return {contact_id: list(steps.values()) for contact_id, steps in found.items()}


class EvidenceSignal(NamedTuple):
    """A signal that is evidence, as the readiness rules read it: what they quote (they take the order given)."""

    kind: str
    title: str
    detail: str | None
    evidence: int  # what it is evidence of (`custview.evidence` bits)


def evidence_between(reader: Reader, contact_ids: list[int], after: datetime, until: datetime, evidence: int
                     ) -> dict[int, list[EvidenceSignal]]:
    """Per contact, their signals in (after, until] that are one of these kinds of `evidence` (`custview.evidence`
    bits), latest first (ties: latest id first); on SQLite from ix_signal_evidence_contact alone."""
    found = defaultdict(list)
    dialect = dialect_of(reader.connection)  # the contacts as one parameter: one statement, prepared once
    for contact_id, *signal in reader.query(
            f"SELECT contact_id, kind, title, detail, evidence FROM signal WHERE {dialect.one_of('contact_id')} "
            "AND occurred_at > ? AND occurred_at <= ? AND evidence <> 0 AND (evidence & ?) <> 0 "
            "ORDER BY occurred_at DESC, id DESC",
            (dialect.as_values(sorted(contact_ids)), stored_time(after), stored_time(until), evidence)):
        found[contact_id].append(EvidenceSignal(*signal))
    return found
