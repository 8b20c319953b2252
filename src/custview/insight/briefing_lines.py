"""The lines a briefing is made of: stage, signals, topics, tickets, meetings, steps, company, notes.

Plain dataclasses (`custview.insight.briefing` fills them); views elsewhere reuse them (the account
view's services and tickets, the agenda's next steps).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from custview.insight.health import Health


@dataclass
class StageInfo:
    """Where the contact is on the Value Path and how to engage them there."""

    stage: str
    number: int
    doing: str
    engagement_style: str
    since: datetime | None
    days_in_stage: int | None
    first_signal_at: datetime | None
    days_since_first_signal: int | None


@dataclass
class SignalLine:
    """One piece of behaviour."""

    kind: str
    title: str
    topics: list[str]
    occurred_at: datetime
    detail: str | None
    source: str | None


@dataclass
class TopicCount:
    """A topic and how many recent signals touched it."""

    topic: str
    signals: int


@dataclass
class TicketLine:
    """An open ticket, whether this contact raised it or a colleague did."""

    id: int | None
    ref: str | None
    subject: str
    status: str
    priority: str
    kind: str | None
    kind_inferred: bool
    opened_at: datetime
    age_days: int
    raised_by: str | None

    @property
    def is_expansion(self) -> bool:
        """A "can we also do X?" request: an opportunity, not a problem."""
        return self.kind == "expansion"


@dataclass
class NextStepLine:
    """A promise still open."""

    id: int | None
    step: str
    owner: str | None
    due_at: datetime | None
    overdue: bool
    meeting: str


@dataclass
class MeetingSummary:
    """An appointment: why, who, what came of it."""

    id: int | None
    purpose: str
    kind: str
    scheduled_at: datetime
    attendees: list[tuple[str, str | None]]
    outcome: str | None
    decisions: list[str]


@dataclass
class ColleagueLine:
    """Someone else we know at the same company."""

    name: str
    title: str | None
    stage: str
    buying_role: str | None


@dataclass
class ServiceLine:
    """Something we deliver to their company."""

    name: str
    status: str
    start_at: datetime | None
    end_at: datetime | None
    owner: str | None


@dataclass
class CriterionLine:
    """An outcome promised at purchase, and how it is going."""

    id: int
    metric: str
    target: str | None
    status: str


@dataclass
class CompanyContext:
    """The account around the contact."""

    name: str
    domain: str | None
    industry: str | None
    size: str | None
    stage: str | None
    health: str | None
    summary: str | None
    colleagues: list[ColleagueLine]
    services: list[ServiceLine]
    account_health: Health | None = None
    commercial: str | None = None  # "Renewal in 97 days · €120,000 ARR · success criteria: 2 on track"
    success_criteria: list[CriterionLine] = field(default_factory=list)


@dataclass
class NoteLine:
    """Context someone wrote down."""

    text: str
    written_at: datetime
    author: str | None
    about: str


@dataclass
class MergedLine:
    """A duplicate record of this person that was merged into them."""

    name: str
    email: str | None
    merged_at: datetime
