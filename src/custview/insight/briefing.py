"""The pre-call briefing: from everything we know about a contact to what matters for the next conversation.

Pure: takes a `History` (plain rows from the reader) and a moment, returns a `Briefing`
dataclass. Nothing here draws or touches the database.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from custview.dates import days_between
from custview.names import attendee_name
from custview.insight.commercial import commercial_line
from custview.insight.facts import facts_from_history, stage_from, step_open_at
from custview.insight.health import Health, account_health, health_from_facts
from custview.insight.briefing_lines import (
    ColleagueLine, CompanyContext, CriterionLine, MeetingSummary, MergedLine, NextStepLine, NoteLine, ServiceLine, SignalLine, StageInfo,
    TicketLine, TopicCount,
)
from custview.insight.readiness import Readiness, readiness_from_facts
from custview.stages import Stage
from custview.insight.talking_points import talking_points_about
from custview.insight.tickets import is_open_at, ticket_kind

if TYPE_CHECKING:
    from custview.db.history import History

RECENT_SIGNALS = 8
TOPIC_WINDOW_DAYS = 90
TOP_TOPICS = 5
KEY_NOTES = 3


@dataclass
class Briefing:
    """Everything to know before talking to one contact, as of one moment."""

    as_of: datetime
    name: str
    email: str | None
    phone: str | None
    title: str | None
    buying_role: str | None
    company_name: str | None
    preferences: dict[str, str]
    context: str | None
    stage: StageInfo
    health: Health
    readiness: Readiness | None
    signal_count: int
    recent_signals: list[SignalLine]
    top_topics: list[TopicCount]
    open_tickets: list[TicketLine]
    last_meeting: MeetingSummary | None
    next_meeting: MeetingSummary | None
    open_next_steps: list[NextStepLine]
    company: CompanyContext | None
    key_notes: list[NoteLine] = field(default_factory=list)
    talking_points: list[str] = field(default_factory=list)
    talking_point_kinds: list[str] = field(default_factory=list)  # what each point is about (see talking_points)
    merged: list[MergedLine] = field(default_factory=list)

    @property
    def problems(self) -> list[TicketLine]:
        """Open tickets that need resolving: issues, optimisations, unclassified (not questions or expansion)."""
        return [ticket for ticket in self.open_tickets if ticket.kind not in ("question", "expansion")]

    @property
    def questions(self) -> list[TicketLine]:
        """Open tickets that are questions to answer."""
        return [ticket for ticket in self.open_tickets if ticket.kind == "question"]

    @property
    def engage_as(self) -> str:
        """The stage whose engagement style fits: the one they behave like when further along, else the recorded one."""
        ahead = self.readiness and self.readiness.direction == "ahead"
        return self.readiness.behaves_like if ahead else self.stage.stage

    @property
    def engagement_style(self) -> str:
        """The one engagement advice: that of the stage they behave like (see `engage_as`)."""
        return Stage.parse(self.engage_as).role

    @property
    def ticket_owners(self) -> tuple[int, int]:
        """How many open tickets are theirs, and how many their colleagues'."""
        mine = sum(ticket.raised_by is None for ticket in self.open_tickets)
        return mine, len(self.open_tickets) - mine

    @property
    def expansion_requests(self) -> list[TicketLine]:
        """Open tickets that are really expansion interest."""
        return [ticket for ticket in self.open_tickets if ticket.is_expansion]

    def json_data(self) -> dict:
        """The briefing as plain data for --json: its fields, and the ticket split and advice derived from them."""
        data = asdict(self)
        data["problems"] = [asdict(t) for t in self.problems]
        data["questions"] = [asdict(t) for t in self.questions]
        data["engage_as"], data["engagement_style"] = self.engage_as, self.engagement_style
        data["expansion_requests"] = [asdict(t) for t in self.expansion_requests]
        return data


def build_briefing(history: History, as_of: datetime,
                   account_histories: list[History] | None = None) -> Briefing:
    """Compute the briefing for one contact as it stood at `as_of`.

    With the histories of everyone at their company, the company context includes account health.
    """
    contact = history.contact
    signals = [s for s in history.signals if s.occurred_at <= as_of]
    signals.sort(key=lambda s: s.occurred_at, reverse=True)
    past = [r for r in history.appointments if r.appointment.scheduled_at <= as_of]
    future = [r for r in history.appointments if r.appointment.scheduled_at > as_of]
    names = {c.id: c.name for c in history.colleagues} | {contact.id: contact.name}
    stage, since = stage_at(history, as_of)
    facts = facts_from_history(history, stage, since, as_of)
    briefing = Briefing(
        as_of=as_of,
        name=contact.name,
        email=contact.email,
        phone=contact.phone,
        title=contact.title,
        buying_role=contact.buying_role,
        company_name=history.company.name if history.company else None,
        preferences={
            key: value
            for key, value in (
                ("channel", contact.preferred_channel),
                ("time", contact.preferred_time),
                ("tone", contact.preferred_tone),
            )
            if value
        },
        context=contact.context,
        stage=_stage_info(stage, since, signals, as_of),
        health=health_from_facts(facts, as_of),
        readiness=readiness_from_facts(facts, as_of),
        signal_count=len(signals),
        recent_signals=[_signal_line(s) for s in signals[:RECENT_SIGNALS]],
        top_topics=top_topics(signals, as_of),
        open_tickets=[
            _ticket_line(t, as_of, None if t.contact_id == contact.id else names.get(t.contact_id, "someone else"))
            for t in history.tickets
            if is_open_at(t, as_of)
        ],
        last_meeting=meeting_summary(max(past, key=lambda r: r.appointment.scheduled_at)) if past else None,
        next_meeting=meeting_summary(min(future, key=lambda r: r.appointment.scheduled_at)) if future else None,
        open_next_steps=_open_next_steps(past, as_of),
        company=_company_context(history, as_of),
        key_notes=[
            NoteLine(n.text, n.written_at, n.author, "contact" if n.contact_id == contact.id else "company")
            for n in history.notes
            if n.written_at <= as_of
        ][:KEY_NOTES],
        merged=[MergedLine(m.merged_name, m.merged_email, m.merged_at) for m in history.merges
                if m.kind == "contact" and m.kept_id == contact.id and m.merged_at <= as_of],
    )
    points = talking_points_about(briefing)
    briefing.talking_point_kinds = [kind for kind, _ in points]
    briefing.talking_points = [text for _, text in points]
    if account_histories and briefing.company:
        others = [build_briefing(h, as_of) for h in account_histories if h.contact.id != contact.id]
        briefing.company.account_health = account_health([briefing, *others], history.services)
    return briefing


def stage_at(history: History, as_of: datetime) -> tuple[Stage, datetime | None]:
    """The contact's Value Path stage at `as_of`, and since when."""
    return stage_from(history.stage_changes, history.contact.stage, history.contact.stage_since, as_of)


def top_topics(signals, as_of: datetime, window_days: int = TOPIC_WINDOW_DAYS, limit: int = TOP_TOPICS) -> list[TopicCount]:
    """The topics that recur in signals over the window: what resonates with this person."""
    start = as_of - timedelta(days=window_days)
    counts = Counter(topic for s in signals if start < s.occurred_at <= as_of for topic in dict.fromkeys(s.topics))
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0].lower()))
    return [TopicCount(topic, n) for topic, n in ranked[:limit]]


def _stage_info(stage: Stage, since: datetime | None, signals, as_of: datetime) -> StageInfo:
    first_signal = min((s.occurred_at for s in signals), default=None)
    return StageInfo(
        stage=stage.value,
        number=stage.number,
        doing=stage.doing,
        engagement_style=stage.role,
        since=since,
        days_in_stage=days_between(since, as_of) if since else None,
        first_signal_at=first_signal,
        days_since_first_signal=days_between(first_signal, as_of) if first_signal else None,
    )


def _signal_line(signal) -> SignalLine:
    return SignalLine(signal.kind, signal.title, list(signal.topics), signal.occurred_at, signal.detail, signal.source)


def _ticket_line(ticket, as_of: datetime, raised_by: str | None) -> TicketLine:
    return TicketLine(
        id=ticket.id,
        ref=ticket.ref or (f"#{ticket.id}" if ticket.id else None),
        subject=ticket.subject,
        status=ticket.status if ticket.status != "closed" else "open",
        priority=ticket.priority,
        kind=ticket_kind(ticket),
        kind_inferred=ticket.kind is None,
        opened_at=ticket.opened_at,
        age_days=days_between(ticket.opened_at, as_of),
        raised_by=raised_by,
    )


def meeting_summary(record) -> MeetingSummary:
    """An appointment record (with attendees) as the summary the brief and the hand-overs show."""
    appointment = record.appointment
    return MeetingSummary(
        id=appointment.id,
        purpose=appointment.purpose,
        kind=appointment.kind,
        scheduled_at=appointment.scheduled_at,
        attendees=[(attendee_name(a), a.role) for a in record.attendees],
        outcome=appointment.outcome,
        decisions=list(appointment.decisions),
    )


def _open_next_steps(past_records, as_of: datetime) -> list[NextStepLine]:
    steps = [
        NextStepLine(
            id=s.id,
            step=s.step,
            owner=s.owner,
            due_at=s.due_at,
            overdue=s.due_at is not None and s.due_at < as_of,
            meeting=r.appointment.purpose,
        )
        for r in past_records
        for s in r.next_steps
        if step_open_at(s, as_of)
    ]
    return sorted(steps, key=lambda s: (s.due_at is None, s.due_at or as_of))


def _company_context(history: History, as_of: datetime) -> CompanyContext | None:
    company = history.company
    if company is None:
        return None
    return CompanyContext(
        name=company.name,
        domain=company.domain,
        industry=company.industry,
        size=company.size,
        stage=company.stage,
        health=company.health,
        summary=company.summary,
        colleagues=[ColleagueLine(c.name, c.title, c.stage, c.buying_role) for c in history.colleagues],
        services=[ServiceLine(s.name, s.status, s.start_at, s.end_at, s.owner) for s in history.services],
        commercial=commercial_line(company, as_of, history.success_criteria),
        success_criteria=[CriterionLine(c.id, c.metric, c.target, c.status) for c in history.success_criteria],
    )
