"""A relationship's history in date order: signals, meetings, tickets, stage changes, notes and merges."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from custview.db.history import History

EVENT_KINDS = ("signal", "appointment", "ticket", "stage", "note", "merge", "step")


@dataclass
class TimelineEvent:
    """One dated thing that happened in a relationship."""

    at: datetime
    kind: str
    who: str | None
    title: str
    details: list[str] = field(default_factory=list)
    key: tuple = field(default=(), repr=False, compare=False)


def build_timeline(histories: list[History], since: datetime | None = None,
                   kinds: tuple[str, ...] = EVENT_KINDS) -> list[TimelineEvent]:
    """Every event of these contacts (one for a person, all of a company's for an account), oldest first.

    An event shared by several contacts (a meeting they all attended, a company ticket) appears once.
    """
    seen, events = set(), []
    for history in histories:
        for event in _events_of(history):
            if event.key in seen or event.kind not in kinds or (since and event.at < since):
                continue
            seen.add(event.key)
            events.append(event)
    events.sort(key=lambda e: (e.at, EVENT_KINDS.index(e.kind)))
    return events


def _events_of(history: History):
    name = history.contact.name
    for change in history.stage_changes:
        moved = f"{change.previous_stage} → {change.stage}" if change.previous_stage else f"entered as {change.stage}"
        yield TimelineEvent(change.changed_at, "stage", name, moved, [f"source: {change.source}"], ("stage", change.id))
    for s in history.signals:
        details = [d for d in (s.detail, ", ".join(s.topics)) if d]
        yield TimelineEvent(s.occurred_at, "signal", name, f"{s.kind}: {s.title}", details, ("signal", s.id))
    for record in history.appointments:
        a = record.appointment
        details = [f"outcome: {a.outcome}"] if a.outcome else []
        details += [f"decided: {d}" for d in a.decisions]
        details += [f"next: {s.step}" + (" (done)" if s.done else "") for s in record.next_steps]
        who = ", ".join(p.name for p in record.attendees) or name
        yield TimelineEvent(a.scheduled_at, "appointment", who, f"{a.kind}: {a.purpose}", details, ("appointment", a.id))
        for s in record.next_steps:
            if s.done and s.done_at:
                yield TimelineEvent(s.done_at, "step", s.owner, f"done: S{s.id} {s.step}", [f"promised at: {a.purpose}"],
                                    ("step", s.id))
    names = {c.id: c.name for c in history.colleagues} | {history.contact.id: name}
    for t in history.tickets:
        raised_by = names.get(t.contact_id)
        label = f"{t.ref} " if t.ref else ""
        yield TimelineEvent(t.opened_at, "ticket", raised_by, f"opened {label}{t.subject}", [f"{t.priority} · {t.kind or 'unclassified'}"], ("ticket", t.id, "opened"))
        if t.closed_at:
            yield TimelineEvent(t.closed_at, "ticket", raised_by, f"closed {label}{t.subject}", [], ("ticket", t.id, "closed"))
    for n in history.notes:
        who = n.author or name
        yield TimelineEvent(n.written_at, "note", who, n.text, [], ("note", n.id))
    for m in history.merges:
        yield _merge_event(m, name, history.company.name if history.company else None)


def _merge_event(merge, name: str, company: str | None) -> TimelineEvent:
    """A duplicate merged into this contact, or into their company."""
    if merge.kind == "contact":
        title, into = f"merged in the duplicate {merge.merged_name}", name
        details = [f"their email {merge.merged_email} is kept as an alias"] if merge.merged_email else []
    else:
        title, into = f"merged in the duplicate company {merge.merged_name}", company
        details = [f"domain {merge.merged_domain}"] if merge.merged_domain else []
    return TimelineEvent(merge.merged_at, "merge", into, title, details, ("merge", merge.id))
