"""A relationship's history in date order: signals, meetings, tickets, stage changes, notes and merges."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from custview.names import attendee_name

if TYPE_CHECKING:
    from custview.db.history import AccountHistory, History

EVENT_KINDS = ("signal", "appointment", "ticket", "stage", "note", "merge", "step", "handover")


@dataclass
class TimelineEvent:
    """One dated thing that happened in a relationship."""

    at: datetime
    kind: str
    who: str | None
    title: str
    details: list[str] = field(default_factory=list)
    key: tuple = field(default=(), repr=False, compare=False)
    made_by: str | None = None  # who wrote it with a command (not set on what an import brought)


def build_timeline(histories: list[History], since: datetime | None = None,
                   kinds: tuple[str, ...] = EVENT_KINDS) -> list[TimelineEvent]:
    """Every event of these contacts (one for a person, all of a company's for an account), oldest first.

    An event shared by several contacts (a meeting they all attended, a company ticket) appears once.
    """
    return _in_order([_events_of(history) for history in histories], since, kinds)


def build_account_timeline(account: AccountHistory, since: datetime | None = None,
                           kinds: tuple[str, ...] = EVENT_KINDS) -> list[TimelineEvent]:
    """An account's events, oldest first: every person's, marked with who, and the company's own (its
    tickets and notes that are no one person's, and companies merged into it), marked with its name."""
    return _in_order([_company_events(account), *(_events_of(history) for history in account.people)], since, kinds)


def _in_order(sources, since: datetime | None, kinds: tuple[str, ...]) -> list[TimelineEvent]:
    """The events of every source, each once (the first source to tell it wins), in date order."""
    seen, events = set(), []
    for source in sources:
        for event in source:
            if event.key in seen or event.kind not in kinds or (since and event.at < since):
                continue
            seen.add(event.key)
            events.append(event)
    events.sort(key=lambda e: (e.at, EVENT_KINDS.index(e.kind)))
    return events


def _company_events(account: AccountHistory):
    name = account.company.name
    for t in account.tickets:
        yield from _ticket_events(t, name)
    for n in account.notes:
        yield _note_event(n, name)
    for m in account.merges:
        yield _merge_event(m, name, name)


def _note_event(n, about: str | None) -> TimelineEvent:
    """A note, marked with the person (or company) it is about and saying who wrote it."""
    return TimelineEvent(n.written_at, "note", about, n.text, [f"by {n.author}"] if n.author else [], ("note", n.id))


def _ticket_events(t, who: str | None):
    label = f"{t.ref} " if t.ref else ""
    yield TimelineEvent(t.opened_at, "ticket", who, f"opened {label}{t.subject}",
                        [f"{t.priority} · {t.kind or 'unclassified'}"], ("ticket", t.id, "opened"))
    if t.closed_at:
        yield TimelineEvent(t.closed_at, "ticket", who, f"closed {label}{t.subject}", [], ("ticket", t.id, "closed"),
                            t.made_by)


def _events_of(history: History):
    name = history.contact.name
    for change in history.stage_changes:
        moved = f"{change.previous_stage} → {change.stage}" if change.previous_stage else f"entered as {change.stage}"
        yield TimelineEvent(change.changed_at, "stage", name, moved, [f"source: {change.source}"], ("stage", change.id),
                            change.made_by)
    for s in history.signals:
        details = [d for d in (s.detail, ", ".join(s.topics)) if d]
        yield TimelineEvent(s.occurred_at, "signal", name, f"{s.kind}: {s.title}", details, ("signal", s.id))
    for record in history.appointments:
        a = record.appointment
        details = [f"outcome: {a.outcome}"] if a.outcome else []
        details += [f"decided: {d}" for d in a.decisions]
        details += [f"next: {s.step}" + (" (done)" if s.done else "") for s in record.next_steps]
        who = ", ".join(attendee_name(p) for p in record.attendees) or name
        yield TimelineEvent(a.scheduled_at, "appointment", who, f"{a.kind}: {a.purpose}", details, ("appointment", a.id),
                            a.made_by)
        for s in record.next_steps:
            if s.done and s.done_at:
                yield TimelineEvent(s.done_at, "step", s.owner, f"done: S{s.id} {s.step}", [f"promised at: {a.purpose}"],
                                    ("step", s.id), s.made_by)
    names = {c.id: c.name for c in history.colleagues} | {history.contact.id: name}
    company = history.company.name if history.company else None
    for t in history.tickets:
        yield from _ticket_events(t, names.get(t.contact_id) or company)
    for n in history.notes:
        yield _note_event(n, name if n.contact_id == history.contact.id else company)
    for m in history.merges:
        yield _merge_event(m, name, company)
    for h in history.handovers:
        whose = f"account {company}" if h.company_id and history.company else name
        moved = f"{h.steps_moved} open next step{'s' if h.steps_moved != 1 else ''} moved with it"
        yield TimelineEvent(h.at, "handover", None,
                            f"{whose} handed over from {h.from_member or 'nobody'} to {h.to_member}", [moved],
                            ("handover", h.id), h.made_by)


def _merge_event(merge, name: str, company: str | None) -> TimelineEvent:
    """A duplicate merged into this contact, or into their company."""
    if merge.kind == "contact":
        title, into = f"merged in the duplicate {merge.merged_name}", name
        details = [f"their email {merge.merged_email} is kept as an alias"] if merge.merged_email else []
    else:
        title, into = f"merged in the duplicate company {merge.merged_name}", company
        details = [f"domain {merge.merged_domain}"] if merge.merged_domain else []
    return TimelineEvent(merge.merged_at, "merge", into, title, details, ("merge", merge.id), merge.made_by)
