"""What the reader hands to the analysis modules: plain containers of rows, and the `History` protocol.

`custview.db.reader` fills them with light read-only rows; the writer's SQLModel objects have the
same attributes (both are built from `custview.db.rows`). The analysis modules (briefing, health,
readiness, attention, timeline, account) type-hint against `History` and only read attributes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple, Protocol

from custview.dates import read_stored_time

if TYPE_CHECKING:  # the declared columns, which the reader's rows and the SQLModel tables both have
    from custview.db.rows import (
        Appointment, Attendee, Company, Contact, MergeRecord, NextStep, Note, Service, Signal, StageChange,
        SuccessCriterion, Ticket,
    )


class History(Protocol):
    """What the insight modules read about one contact: a `ContactHistory` is one, and so is any
    object with these attributes holding rows with the declared columns (`custview.db.rows`)."""

    @property
    def contact(self) -> Contact: ...
    @property
    def company(self) -> Company | None: ...
    @property
    def stage_changes(self) -> list[StageChange]: ...
    @property
    def signals(self) -> list[Signal]: ...
    @property
    def appointments(self) -> list[AppointmentRecord]: ...
    @property
    def tickets(self) -> list[Ticket]: ...
    @property
    def notes(self) -> list[Note]: ...
    @property
    def colleagues(self) -> list[Contact]: ...
    @property
    def services(self) -> list[Service]: ...
    @property
    def merges(self) -> list[MergeRecord]: ...
    @property
    def success_criteria(self) -> list[SuccessCriterion]: ...


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
    handovers: list[HandoverRecord] = field(default_factory=list)  # of them, or of their account
    success_criteria: list[SuccessCriterion] = field(default_factory=list)  # their company's


@dataclass(frozen=True)
class HandoverRecord:
    """A hand-over of a contact (or of their whole account, `company_id`) between two of our people."""

    id: int
    at: datetime
    contact_id: int | None
    company_id: int | None
    from_member: str | None
    to_member: str
    steps_moved: int
    made_by: str | None = None  # who handed it over


@dataclass
class AccountHistory:
    """A company and everything bearing on it: its people's histories, and what belongs to the company
    alone (tickets and notes no one person raised or is about, companies merged into it)."""

    company: Company
    people: list[ContactHistory]
    tickets: list[Ticket]
    notes: list[Note]
    merges: list[MergeRecord]
    success_criteria: list[SuccessCriterion] = field(default_factory=list)


@dataclass
class ContactRow:
    """One line of a contact list."""

    contact: Contact
    company: Company | None


class OpenStep(NamedTuple):
    """A promise still to keep: the next step, whose it is, and the meeting and contact it came from.

    A named tuple of the columns as read (a list of next steps makes tens of thousands): the moments are
    kept as stored, and read into datetimes when asked for (--json writes them from the stored form)."""

    id: int
    step: str
    owner: str | None
    due_stored: str | None
    contact: str
    contact_email: str | None
    company: str | None
    appointment: str
    met_stored: str

    @property
    def due_at(self) -> datetime | None:
        """When the step is due (UTC), if it has a due date."""
        return None if self.due_stored is None else read_stored_time(self.due_stored)

    @property
    def met_at(self) -> datetime:
        """When the meeting the step came from took place (UTC)."""
        return read_stored_time(self.met_stored)


@dataclass
class ImportRunSummary:
    """One recorded import, as `custview imports` lists it."""

    id: int
    started_at: datetime
    files: list[dict]
    mapping: str | None
    counts: dict
    undone_at: datetime | None
    made_by: str | None = None  # who ran it
    undone_by: str | None = None

    COLUMNS = ("id", "started_at", "files", "mapping", "counts", "undone_at", "made_by", "undone_by")

    @classmethod
    def of(cls, row: tuple) -> ImportRunSummary:
        """The summary of an `import_run` row read as COLUMNS."""
        import json

        started, files, mapping, counts, undone = row[1:6]
        return cls(row[0], read_stored_time(started), json.loads(files), mapping, json.loads(counts),
                   None if undone is None else read_stored_time(undone), *row[6:])
