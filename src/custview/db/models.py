"""The schema: one SQLModel table per thing custview keeps. The single definition of the database.

Names and emails use NOCASE collation so case-insensitive lookups hit an index.
Stages are stored as their display name (see `custview.stages.Stage`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, Index, String
from sqlmodel import Field, SQLModel

TICKET_STATUSES = ("open", "pending", "closed")
TICKET_PRIORITIES = ("low", "normal", "high", "urgent")
TICKET_KINDS = ("question", "issue", "optimization", "expansion", "task")
SERVICE_STATUSES = ("planned", "active", "at risk", "delivered")
APPOINTMENT_KINDS = ("discovery", "implementation", "check-in", "review", "strategic", "other")
HEALTH_LABELS = ("healthy", "watch", "at risk")


def _nocase(*, unique: bool = False, nullable: bool = True) -> Column:
    return Column(String(collation="NOCASE"), unique=unique, index=True, nullable=nullable)


class Company(SQLModel, table=True):
    """An organisation we work with: the context around contacts."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_column=_nocase(unique=True, nullable=False))
    domain: str | None = Field(default=None, sa_column=_nocase())
    industry: str | None = None
    size: str | None = None
    stage: str | None = None
    health: str | None = None
    summary: str | None = None


class Contact(SQLModel, table=True):
    """A person, their place on the Value Path and how they like to be engaged."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_column=_nocase(nullable=False))
    email: str | None = Field(default=None, sa_column=_nocase(unique=True))
    phone: str | None = None
    title: str | None = None
    buying_role: str | None = None
    company_id: int | None = Field(default=None, foreign_key="company.id", index=True)
    stage: str = Field(default="Audience", index=True)
    stage_since: datetime | None = None
    preferred_channel: str | None = None
    preferred_time: str | None = None
    preferred_tone: str | None = None
    context: str | None = None
    name_derived: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})  # made from the email


class StageChange(SQLModel, table=True):
    """One move on the Value Path, kept forever so the journey can be told."""

    __tablename__ = "stage_change"
    __table_args__ = (Index("ix_stage_change_contact_when", "contact_id", "changed_at"),)

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id")
    stage: str
    previous_stage: str | None = None
    changed_at: datetime
    source: str = "import"


class Signal(SQLModel, table=True):
    """Behaviour that tells us something: content read, event attended, assessment taken, question asked."""

    __table_args__ = (Index("ix_signal_contact_when", "contact_id", "occurred_at"),)

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id")
    kind: str
    title: str
    topics: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    occurred_at: datetime
    detail: str | None = None
    source: str | None = None


class Appointment(SQLModel, table=True):
    """Time invested in the relationship: why we met, what came of it, and what happens next."""

    __table_args__ = (Index("ix_appointment_contact_when", "contact_id", "scheduled_at"),)

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id")
    company_id: int | None = Field(default=None, foreign_key="company.id", index=True)
    purpose: str
    kind: str = "other"
    scheduled_at: datetime
    outcome: str | None = None
    decisions: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class Attendee(SQLModel, table=True):
    """Someone at an appointment, one of our contacts or one of our own people, with their role."""

    id: int | None = Field(default=None, primary_key=True)
    appointment_id: int = Field(foreign_key="appointment.id", index=True)
    contact_id: int | None = Field(default=None, foreign_key="contact.id", index=True)
    name: str
    role: str | None = None


class NextStep(SQLModel, table=True):
    """A promise made at an appointment: who does what by when."""

    __tablename__ = "next_step"

    id: int | None = Field(default=None, primary_key=True)
    appointment_id: int = Field(foreign_key="appointment.id", index=True)
    step: str
    owner: str | None = None
    due_at: datetime | None = None
    done: bool = False


class Ticket(SQLModel, table=True):
    """What the customer needs from us; its kind says whether it is a problem or an opportunity."""

    __table_args__ = (Index("ix_ticket_contact_status", "contact_id", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    ref: str | None = Field(default=None, unique=True)
    contact_id: int | None = Field(default=None, foreign_key="contact.id")
    company_id: int | None = Field(default=None, foreign_key="company.id", index=True)
    subject: str
    description: str | None = None
    status: str = "open"
    priority: str = "normal"
    kind: str | None = None
    opened_at: datetime
    closed_at: datetime | None = None
    topics: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]"))
    # Who raised it when they are not (yet) a contact: linked to them once they are.
    requester_email: str | None = Field(default=None, sa_column=Column(String(collation="NOCASE")))
    requester_name: str | None = None


class Service(SQLModel, table=True):
    """Something we deliver to a company, and how that delivery is going."""

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = Field(foreign_key="company.id", index=True)
    name: str
    status: str = "planned"
    start_at: datetime | None = None
    end_at: datetime | None = None
    owner: str | None = None


class Note(SQLModel, table=True):
    """Context worth remembering, about a contact or a company."""

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int | None = Field(default=None, foreign_key="contact.id", index=True)
    company_id: int | None = Field(default=None, foreign_key="company.id", index=True)
    text: str
    written_at: datetime
    author: str | None = None


class ContactAlias(SQLModel, table=True):
    """Another email of a contact, kept from a duplicate merged into them, so that imports still find them."""

    __tablename__ = "contact_alias"

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", index=True)
    email: str = Field(sa_column=_nocase(unique=True, nullable=False))


class CompanyAlias(SQLModel, table=True):
    """The name (and domain) of a company merged into another, so that imports still find the one kept."""

    __tablename__ = "company_alias"

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = Field(foreign_key="company.id", index=True)
    name: str = Field(sa_column=_nocase(nullable=False))
    domain: str | None = Field(default=None, sa_column=_nocase())


MERGE_KINDS = ("contact", "company")


class MergeRecord(SQLModel, table=True):
    """A duplicate merged into another record: who it was and when, so the history can say so."""

    __tablename__ = "merge_record"
    __table_args__ = (Index("ix_merge_record_kind_kept", "kind", "kept_id"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str  # contact | company
    kept_id: int  # the contact or company it was merged into (moved on if that one is merged in turn)
    merged_name: str = Field(sa_column=_nocase(nullable=False))
    merged_email: str | None = None
    merged_domain: str | None = None
    merged_at: datetime


class ImportRun(SQLModel, table=True):
    """One `custview import`: when, which files (with their checksums), how they were read, what it did."""

    __tablename__ = "import_run"

    id: int | None = Field(default=None, primary_key=True)
    started_at: datetime
    files: list[dict] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # [{path, sha256}]
    mapping: str | None = None
    counts: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    undone_at: datetime | None = None


class ImportChange(SQLModel, table=True):
    """A row an import created, updated or deleted, with its values before and after: what undo needs.

    Signals an import created are kept as one range of ids (`row_id`..`last_row_id`): imports
    bring them by the million.
    """

    __tablename__ = "import_change"
    __table_args__ = (Index("ix_import_change_row", "table_name", "row_id"),)

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="import_run.id", index=True)
    table_name: str
    row_id: int
    last_row_id: int | None = None
    action: str  # created / updated / deleted
    before: str | None = None  # JSON object of the row's values before (updated, deleted)
    after: str | None = None  # JSON object of the row's values when the import finished
