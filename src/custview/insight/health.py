"""Relationship health: a 0-100 score, a label, and always the reasons behind it.

Every rule and weight is in this module. A rule looks at one contact's history and either
returns a reason (with the points it costs or earns) or nothing. The score is 100 plus the
points of every reason, kept within 0-100.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import mean
from typing import TYPE_CHECKING

from custview.dates import days_between
from custview.stages import Stage
from custview.insight.tickets import is_open_at, ticket_kind

if TYPE_CHECKING:
    from custview.db.history import History

# How often we normally have a two-way touch with someone in each stage (days).
CADENCE_DAYS = {
    Stage.AUDIENCE: 90, Stage.RESEARCHER: 30, Stage.HAND_RAISER: 14, Stage.BUYER: 14,
    Stage.VALUE_CREATOR: 14, Stage.ADOPTER: 30, Stage.ADVOCATE: 45, Stage.CHAMPION: 45,
}
# How long people typically stay in a stage before it counts as stalled (days).
TYPICAL_STAGE_DAYS = {
    Stage.AUDIENCE: 365, Stage.RESEARCHER: 90, Stage.HAND_RAISER: 45, Stage.BUYER: 90,
    Stage.VALUE_CREATOR: 180, Stage.ADOPTER: 730, Stage.ADVOCATE: 730, Stage.CHAMPION: 3650,
}
# Signals where the person talked with us, rather than only consumed something.
TWO_WAY_SIGNAL_KINDS = {"email", "office hours", "event"}

HEALTHY_FROM, WATCH_FROM = 75, 50
# What a service at risk costs an account's score.
SERVICE_AT_RISK_POINTS = -15


@dataclass
class HealthReason:
    """One thing that moves the score, in words a user can act on."""

    rule: str
    points: int
    text: str


@dataclass
class Health:
    """A relationship's health: score 0-100, label, and the reasons (biggest effect first)."""

    score: int
    label: str
    reasons: list[HealthReason]


def label_for(score: int) -> str:
    """healthy / watch / at risk for a score."""
    return "healthy" if score >= HEALTHY_FROM else "watch" if score >= WATCH_FROM else "at risk"


def contact_health(history: History, stage: Stage, stage_since: datetime | None, as_of: datetime) -> Health:
    """Score one contact's relationship as of a moment, with every reason that applied."""
    reasons = [
        reason
        for rule in (quiet_rule, trend_rule, ticket_rule, overdue_rule, stalled_rule, service_rule)
        if (reason := rule(history, stage, stage_since, as_of))
    ]
    reasons.sort(key=lambda r: r.points)
    score = max(0, min(100, 100 + sum(r.points for r in reasons)))
    return Health(score, label_for(score), reasons)


def last_two_way_touch(history: History, as_of: datetime) -> datetime | None:
    """The latest meeting or conversation-like signal at or before `as_of`."""
    moments = [r.appointment.scheduled_at for r in history.appointments if r.appointment.scheduled_at <= as_of]
    moments += [s.occurred_at for s in history.signals if s.kind in TWO_WAY_SIGNAL_KINDS and s.occurred_at <= as_of]
    return max(moments, default=None)


def quiet_rule(history, stage, stage_since, as_of) -> HealthReason | None:
    """Days since the last two-way touch against the stage's normal cadence."""
    cadence = CADENCE_DAYS[stage]
    last = last_two_way_touch(history, as_of)
    if last is None:
        return HealthReason("quiet", -20, "no two-way contact on record yet")
    days = days_between(last, as_of)
    if days > 2 * cadence:
        return HealthReason("quiet", -30, f"gone quiet: last two-way touch {days} days ago (normal for a {stage.value}: every {cadence} days)")
    if days > cadence:
        return HealthReason("quiet", -15, f"overdue a touch: last two-way contact {days} days ago (normal: every {cadence} days)")
    return None


def trend_rule(history, stage, stage_since, as_of) -> HealthReason | None:
    """Signals in the last 30 days against the monthly average of the 60 days before."""
    recent = sum(1 for s in history.signals if as_of - timedelta(days=30) < s.occurred_at <= as_of)
    before = sum(1 for s in history.signals if as_of - timedelta(days=90) < s.occurred_at <= as_of - timedelta(days=30))
    monthly_before = before / 2
    if monthly_before >= 1.5 and recent < monthly_before / 2:
        return HealthReason("trend", -15, f"activity dropping: {recent} signals in the last 30 days vs {monthly_before:g}/month before")
    if recent >= 3 and recent >= 2 * max(monthly_before, 1):
        return HealthReason("trend", 5, f"activity rising: {recent} signals in the last 30 days vs {monthly_before:g}/month before")
    return None


def ticket_rule(history, stage, stage_since, as_of) -> HealthReason | None:
    """Open problem tickets raised by this contact, heavier when urgent or ageing."""
    penalty, described = 0, []
    for ticket in history.tickets:
        if ticket.contact_id != history.contact.id or not is_open_at(ticket, as_of):
            continue
        if ticket_kind(ticket) != "issue":
            continue
        age = days_between(ticket.opened_at, as_of)
        cost = 15 if ticket.priority in ("high", "urgent") else 8
        cost += 7 if age > 14 else 0
        penalty += cost
        described.append(f"{ticket.priority} issue open {age} days")
    if not penalty:
        return None
    return HealthReason("tickets", -min(penalty, 35), "open problems: " + "; ".join(described))


def overdue_rule(history, stage, stage_since, as_of) -> HealthReason | None:
    """Next steps promised at meetings that are past their due date."""
    overdue = [
        step.step
        for record in history.appointments
        if record.appointment.scheduled_at <= as_of
        for step in record.next_steps
        if not step.done and step.due_at is not None and step.due_at < as_of
    ]
    if not overdue:
        return None
    return HealthReason("overdue", -min(10 * len(overdue), 20), f"{len(overdue)} next step(s) overdue: {', '.join(overdue)}")


def stalled_rule(history, stage, stage_since, as_of) -> HealthReason | None:
    """Time in the current stage against how long that stage typically takes."""
    if stage_since is None:
        return None
    days = days_between(stage_since, as_of)
    typical = TYPICAL_STAGE_DAYS[stage]
    if days > typical:
        return HealthReason("stalled", -10, f"stalled: {days} days as {stage.value} (typical: up to {typical})")
    return None


def service_rule(history, stage, stage_since, as_of) -> HealthReason | None:
    """A service we deliver to their company that is at risk."""
    at_risk = [s.name for s in history.services if s.status == "at risk"]
    if at_risk:
        return HealthReason("service", SERVICE_AT_RISK_POINTS, f"service at risk: {', '.join(at_risk)}")
    return None


def account_health(briefings, services) -> Health:
    """The account's health: the average of its people's, less services at risk, with the reasons."""
    reasons = [
        HealthReason("contact", b.health.score - 100, f"{b.name}: {b.health.label} ({b.health.score})"
                     + (f": {b.health.reasons[0].text}" if b.health.reasons else ""))
        for b in briefings if b.health.label != "healthy"
    ]
    reasons += [HealthReason("service", SERVICE_AT_RISK_POINTS, f"service at risk: {s.name}")
                for s in services if s.status == "at risk"]
    base = mean(b.health.score for b in briefings) if briefings else 100
    score = max(0, min(100, round(base + SERVICE_AT_RISK_POINTS * sum(s.status == "at risk" for s in services))))
    return Health(score, label_for(score), sorted(reasons, key=lambda r: r.points))
