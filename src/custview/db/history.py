"""What the store hands to the analysis modules: plain containers of rows, whichever reader filled them.

Both readers fill these: `custview.db.writer` with SQLModel objects, `custview.db.reader` with light
read-only rows that have the same attribute names. The analysis modules (briefing, health,
readiness, attention, timeline) only read attributes, so they work with either.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # or their light twins in custview.db.reader
    from custview.db.models import (
        Appointment, Attendee, Company, Contact, MergeRecord, NextStep, Note, Service, Signal, StageChange, Ticket,
    )


@dataclass
class AppointmentRecord:
    """An appointment together with who attended and what was promised."""

    appointment: Appointment
    attendees: list[Attendee] = field(default_factory=list)
    next_steps: list[NextStep] = field(default_factory=list)


@dataclass
class ContactHistory:
    """Everything we know that bears on one contact: the raw material of a briefing."""

    contact: Contact
    company: Company | None
    stage_changes: list[StageChange]
    signals: list[Signal]
    appointments: list[AppointmentRecord]
    tickets: list[Ticket]
    notes: list[Note]
    colleagues: list[Contact]
    services: list[Service]
    merges: list[MergeRecord] = field(default_factory=list)  # duplicates merged into them or their company


@dataclass
class ContactRow:
    """One line of a contact list."""

    contact: Contact
    company: Company | None


@dataclass
class OpenStep:
    """A promise still to keep: the next step, whose it is, and the meeting and contact it came from."""

    id: int
    step: str
    owner: str | None
    due_at: datetime | None
    contact: str
    contact_email: str | None
    company: str | None
    appointment: str
    met_at: datetime


@dataclass
class ImportRunSummary:
    """One recorded import, as `custview imports` lists it."""

    id: int
    started_at: datetime
    files: list[dict]
    mapping: str | None
    counts: dict
    undone_at: datetime | None
