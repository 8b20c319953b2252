"""The one declaration of what custview keeps: every table's columns, in order, with their Python types.

Standard library only, so the reader can use it without loading SQLAlchemy. Both sides are built
from it: `custview.db.models` makes the SQLModel tables (adding keys, indexes and collations),
and `custview.db.reader` makes its light read-only rows (named tuples). A default here is the
column's default for new records; list and dict columns are JSON and default to empty.
"""

from __future__ import annotations

from datetime import datetime  # noqa: F401 - named in the annotations, which models evaluate

TICKET_STATUSES = ("open", "pending", "closed")
TICKET_PRIORITIES = ("low", "normal", "high", "urgent")
TICKET_KINDS = ("question", "issue", "optimization", "expansion", "task")
SERVICE_STATUSES = ("planned", "active", "at risk", "delivered")
APPOINTMENT_KINDS = ("discovery", "implementation", "check-in", "review", "strategic", "other")
HEALTH_LABELS = ("healthy", "watch", "at risk")
MERGE_KINDS = ("contact", "company")
COMPANY_STATUSES = ("prospect", "customer", "churned", "lost")
ENDED_STATUSES = ("churned", "lost")  # these carry an end date and a reason
TEAMS = ("sales", "service", "success", "marketing")
CRITERION_STATUSES = ("on track", "at risk", "met")

DECLARED: dict[str, type] = {}  # class name -> declaration, in the order declared


def table(name: str):
    """Register a declaration as the columns of table `name`."""
    def register(declaration: type) -> type:
        declaration.table_name = name
        DECLARED[declaration.__name__] = declaration
        return declaration
    return register


def columns(declaration: type) -> dict[str, str]:
    """A declaration's columns and their types as written (e.g. "datetime | None"), in order."""
    return dict(declaration.__annotations__)


@table("member")
class Member:
    """One of our own people (sales, service, success, marketing): who owns people, accounts and promises."""

    id: int | None = None
    name: str
    email: str | None = None
    team: str | None = None  # one of TEAMS; None for an owner an import brought in before anyone said
    role: str | None = None


@table("company")
class Company:
    """An organisation we work with: the context around contacts."""

    id: int | None = None
    name: str
    domain: str | None = None
    industry: str | None = None
    size: str | None = None
    stage: str | None = None
    health: str | None = None
    summary: str | None = None
    status: str | None = None  # prospect | customer | churned | lost
    renewal_at: datetime | None = None
    contract_value: float | None = None  # in contract_currency; per year when contract_arr
    contract_currency: str | None = None  # ISO 4217 code, e.g. EUR
    contract_arr: bool = False  # the value recurs every year
    ended_at: datetime | None = None  # churned or lost on
    end_reason: str | None = None
    owner_id: int | None = None  # the member who owns the account


@table("contact")
class Contact:
    """A person, their place on the Value Path and how they like to be engaged."""

    id: int | None = None
    name: str
    email: str | None = None
    phone: str | None = None
    title: str | None = None
    buying_role: str | None = None
    company_id: int | None = None
    stage: str = "Audience"
    stage_since: datetime | None = None
    preferred_channel: str | None = None
    preferred_time: str | None = None
    preferred_tone: str | None = None
    context: str | None = None
    name_derived: bool = False  # made from the email
    owner_id: int | None = None  # the member who owns the relationship


@table("stage_change")
class StageChange:
    """One move on the Value Path, kept forever so the journey can be told."""

    id: int | None = None
    contact_id: int
    stage: str
    previous_stage: str | None = None
    changed_at: datetime
    source: str = "import"
    made_by: str | None = None  # who wrote it with a command: the "me" setting, else the OS user (custview.config)


# Signals where the person talked with us, rather than only consumed something. They have their own
# index (ix_signal_two_way, custview.db.models), which a query finds by writing this very condition.
TWO_WAY_SIGNAL_KINDS = ("email", "event", "office hours")
TWO_WAY_SIGNALS = f"kind IN ({', '.join(repr(kind) for kind in TWO_WAY_SIGNAL_KINDS)})"


@table("signal")
class Signal:
    """Behaviour that tells us something: content read, event attended, assessment taken, question asked."""

    id: int | None = None
    contact_id: int
    kind: str
    title: str
    topics: list[str]
    occurred_at: datetime
    detail: str | None = None
    source: str | None = None
    evidence: int = 0  # what the readiness rules count it as (custview.evidence), set whenever it is written


@table("appointment")
class Appointment:
    """Time invested in the relationship: why we met, what came of it, and what happens next."""

    id: int | None = None
    contact_id: int
    company_id: int | None = None
    purpose: str
    kind: str = "other"
    scheduled_at: datetime
    outcome: str | None = None  # None until the meeting is logged: a planned meeting
    decisions: list[str]
    uid: str | None = None  # the calendar's identity of the event, if it came from one
    made_by: str | None = None  # who wrote it with a command: the "me" setting, else the OS user (custview.config)


@table("attendee")
class Attendee:
    """Someone at an appointment, one of our contacts or one of our own people, with their role."""

    id: int | None = None
    appointment_id: int
    contact_id: int | None = None
    name: str
    role: str | None = None
    member_id: int | None = None  # one of our own people


@table("next_step")
class NextStep:
    """A promise made at an appointment: who does what by when."""

    id: int | None = None
    appointment_id: int
    step: str
    owner: str | None = None
    due_at: datetime | None = None
    done: bool = False
    done_at: datetime | None = None
    owner_id: int | None = None  # the member `owner` names, when it is one of us
    made_by: str | None = None  # who wrote it with a command (see Appointment.made_by)


@table("ticket")
class Ticket:
    """What the customer needs from us; its kind says whether it is a problem or an opportunity."""

    id: int | None = None
    ref: str | None = None
    contact_id: int | None = None
    company_id: int | None = None
    subject: str
    description: str | None = None
    status: str = "open"
    priority: str = "normal"
    kind: str | None = None
    opened_at: datetime
    closed_at: datetime | None = None
    topics: list[str]
    # Who raised it when they are not (yet) a contact: linked to them once they are.
    requester_email: str | None = None
    requester_name: str | None = None
    owner_id: int | None = None  # the member it is assigned to
    made_by: str | None = None  # who last changed it with a command (see Appointment.made_by)


@table("service")
class Service:
    """Something we deliver to a company, and how that delivery is going."""

    id: int | None = None
    company_id: int
    name: str
    status: str = "planned"
    start_at: datetime | None = None
    end_at: datetime | None = None
    owner: str | None = None
    owner_id: int | None = None  # the member `owner` names, when it is one of us
    made_by: str | None = None  # who last changed it with a command (see Appointment.made_by)


@table("success_criterion")
class SuccessCriterion:
    """An outcome promised at purchase: what is measured, the target agreed, and how it is going."""

    id: int | None = None
    company_id: int
    metric: str
    target: str | None = None
    status: str = "on track"  # on track | at risk | met
    made_by: str | None = None  # who last changed it with a command (see Appointment.made_by)


@table("note")
class Note:
    """Context worth remembering, about a contact or a company."""

    id: int | None = None
    contact_id: int | None = None
    company_id: int | None = None
    text: str
    written_at: datetime
    author: str | None = None


@table("handover")
class Handover:
    """A relationship handed from one of our people to another: one contact, or a whole account (company_id)."""

    id: int | None = None
    contact_id: int | None = None
    company_id: int | None = None
    from_member_id: int | None = None  # None when nobody owned it before
    to_member_id: int
    handed_at: datetime
    steps_moved: int = 0  # open next steps that went with it
    made_by: str | None = None  # who wrote it with a command (see Appointment.made_by)


@table("contact_alias")
class ContactAlias:
    """Another email of a contact, kept from a duplicate merged into them, so that imports still find them."""

    id: int | None = None
    contact_id: int
    email: str


@table("company_alias")
class CompanyAlias:
    """The name (and domain) of a company merged into another, so that imports still find the one kept."""

    id: int | None = None
    company_id: int
    name: str
    domain: str | None = None


@table("merge_record")
class MergeRecord:
    """A duplicate merged into another record: who it was and when, so the history can say so."""

    id: int | None = None
    kind: str  # contact | company
    kept_id: int  # the contact or company it was merged into (moved on if that one is merged in turn)
    merged_name: str
    merged_email: str | None = None
    merged_domain: str | None = None
    merged_at: datetime
    made_by: str | None = None  # who wrote it with a command (see Appointment.made_by)


@table("import_run")
class ImportRun:
    """One `custview import`: when, which files (with their checksums), how they were read, what it did."""

    id: int | None = None
    started_at: datetime
    files: list[dict]  # [{path, sha256}]
    mapping: str | None = None
    counts: dict
    undone_at: datetime | None = None
    made_by: str | None = None  # who ran the import (see Appointment.made_by)
    undone_by: str | None = None  # who undid it


@table("import_change")
class ImportChange:
    """A row an import created, updated or deleted, with its values before and after: what undo needs.

    Signals an import created are kept as one range of ids (`row_id`..`last_row_id`): imports
    bring them by the million.
    """

    id: int | None = None
    run_id: int
    table_name: str
    row_id: int
    last_row_id: int | None = None
    action: str  # created / updated / deleted
    before: str | None = None  # JSON object of the row's values before (updated, deleted)
    after: str | None = None  # JSON object of the row's values when the import finished
