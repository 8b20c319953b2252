"""The day's agenda: each planned meeting with what to know walking in, from the contact's briefing.

Pure: takes meetings and briefings, returns `AgendaItem`s. Nothing here draws or touches the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from custview.insight.briefing import Briefing
from custview.insight.briefing_lines import NextStepLine


@dataclass
class AgendaItem:
    """One meeting on the agenda: when, why, with whom, and the one-line essentials of that person."""

    meeting_id: int | None  # None for an event read from a calendar file, not in the book
    at: datetime
    purpose: str
    kind: str
    attendees: list[str]
    contact: str | None = None
    company: str | None = None
    stage: str | None = None
    health_score: int | None = None
    health_label: str | None = None
    behaves_like: str | None = None
    talking_point: str | None = None
    overdue: list[NextStepLine] = field(default_factory=list)


def agenda_item(meeting_id: int | None, at: datetime, purpose: str, kind: str, attendees: list[str],
                briefing: Briefing | None) -> AgendaItem:
    """An agenda line for a meeting; with the contact's briefing, their stage, health, readiness, first
    talking point and overdue promises."""
    item = AgendaItem(meeting_id, at, purpose, kind, attendees)
    if briefing is None:
        return item
    item.contact, item.company = briefing.name, briefing.company_name
    item.stage = briefing.stage.stage
    item.health_score, item.health_label = briefing.health.score, briefing.health.label
    if briefing.readiness:
        item.behaves_like = briefing.readiness.behaves_like
    item.overdue = [step for step in briefing.open_next_steps if step.overdue]
    shown = [step.step for step in item.overdue]  # each fact once: an overdue promise has its own line
    item.talking_point = next((point for point in briefing.talking_points
                               if not any(step in point for step in shown)), None)
    return item


def attended_by(attendees: list[str], person: str) -> bool:
    """Whether `person` (e.g. "Dana Ortiz") is among the attendees ("Dana Ortiz (us)"), by whole words."""
    from custview.names import words_of

    wanted = words_of(person)
    return bool(wanted) and any(words_of(name)[:len(wanted)] == wanted for name in attendees)
