"""Relationship health: a 0-100 score, a label, and always the reasons behind it.

Every rule and weight is in this module. A rule looks at the facts about one contact (a few
numbers, `custview.insight.facts`, read from a history or from the whole book at once) and either
returns a reason (with the points it costs or earns) or nothing. The score is 100 plus the
points of every reason, kept within 0-100.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from statistics import mean
from typing import TYPE_CHECKING

from custview.dates import days_between
from custview.insight.facts import ContactFacts, facts_from_history
from custview.stages import Stage

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

HEALTHY_FROM, WATCH_FROM = 75, 50
# What a service at risk costs an account's score.
SERVICE_AT_RISK_POINTS = -15
MOST_TICKET_POINTS = 35  # the most open problems cost, however many
ISSUE_AGEING_DAYS = 14  # an open problem costs more once open longer


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
    return health_from_facts(facts_from_history(history, stage, stage_since, as_of), as_of)


def health_from_facts(facts: ContactFacts, as_of: datetime, leaving_out: tuple[str, ...] = ()) -> Health:
    """The health the rules give for these facts about a contact as of `as_of` (without the rules named in
    `leaving_out`, e.g. "quiet")."""
    reasons = [
        reason
        for rule in (quiet_rule, trend_rule, ticket_rule, overdue_rule, stalled_rule, service_rule)
        if (reason := rule(facts, as_of)) and reason.rule not in leaving_out
    ]
    reasons.sort(key=lambda r: r.points)
    score = max(0, min(100, 100 + sum(r.points for r in reasons)))
    return Health(score, label_for(score), reasons)


def most_points_lost(ticket_points: int, overdue_steps: int, services_at_risk: bool,
                     rules: tuple[str, ...] = ("quiet", "trend", "tickets", "overdue", "stalled", "service")) -> int:
    """The most points the `rules` below could take from a contact whose open problems cost `ticket_points` and
    with at most these overdue steps, whatever their stage, signals and meetings (the book-wide views skip those
    who cannot rank)."""
    worst = {"quiet": 30, "trend": 15, "tickets": ticket_points, "overdue": min(20, 10 * overdue_steps),
             "stalled": 10, "service": -SERVICE_AT_RISK_POINTS if services_at_risk else 0}
    return sum(worst[rule] for rule in rules)


def quiet_rule(facts: ContactFacts, as_of: datetime) -> HealthReason | None:
    """Days since the last two-way touch against the stage's normal cadence."""
    stage = facts.stage
    cadence = CADENCE_DAYS[stage]
    if facts.last_two_way is None:
        return HealthReason("quiet", -20, "no two-way contact on record yet")
    days = days_between(facts.last_two_way, as_of)
    if days > 2 * cadence:
        return HealthReason("quiet", -30, f"gone quiet: last two-way touch {days} days ago (normal for a {stage.value}: every {cadence} days)")
    if days > cadence:
        return HealthReason("quiet", -15, f"overdue a touch: last two-way contact {days} days ago (normal: every {cadence} days)")
    return None


def trend_rule(facts: ContactFacts, as_of: datetime) -> HealthReason | None:
    """Signals in the last 30 days against the monthly average of the 60 days before."""
    recent = facts.signals_recent
    monthly_before = facts.signals_earlier / 2
    if monthly_before >= 1.5 and recent < monthly_before / 2:
        return HealthReason("trend", -15, f"activity dropping: {recent} signals in the last 30 days vs {monthly_before:g}/month before")
    if recent >= 3 and recent >= 2 * max(monthly_before, 1):
        return HealthReason("trend", 5, f"activity rising: {recent} signals in the last 30 days vs {monthly_before:g}/month before")
    return None


def ticket_rule(facts: ContactFacts, as_of: datetime) -> HealthReason | None:
    """Open problem tickets raised by this contact, heavier when urgent or ageing."""
    penalty, described = 0, []
    for issue in facts.open_issues:
        age = days_between(issue.opened_at, as_of)
        penalty += issue_points(issue.priority, age)
        described.append(f"{issue.priority} issue open {age} days")
    if not penalty:
        return None
    return HealthReason("tickets", -min(penalty, MOST_TICKET_POINTS), "open problems: " + "; ".join(described))


def issue_points(priority: str, days_open: int) -> int:
    """What one open problem costs the ticket rule: more when urgent or open over two weeks (before the cap)."""
    return (15 if priority in ("high", "urgent") else 8) + (7 if days_open > ISSUE_AGEING_DAYS else 0)


def overdue_rule(facts: ContactFacts, as_of: datetime) -> HealthReason | None:
    """Next steps promised at meetings that are past their due date."""
    overdue = facts.overdue_steps
    if not overdue:
        return None
    steps = "1 next step is" if len(overdue) == 1 else f"{len(overdue)} next steps are"
    return HealthReason("overdue", -min(10 * len(overdue), 20), f"{steps} overdue: {', '.join(overdue)}")


def stalled_rule(facts: ContactFacts, as_of: datetime) -> HealthReason | None:
    """Time in the current stage against how long that stage typically takes."""
    if facts.stage_since is None:
        return None
    days = days_between(facts.stage_since, as_of)
    typical = TYPICAL_STAGE_DAYS[facts.stage]
    if days > typical:
        return HealthReason("stalled", -10, f"stalled: {days} days as {facts.stage.value} (typical: up to {typical})")
    return None


def service_rule(facts: ContactFacts, as_of: datetime) -> HealthReason | None:
    """A service we deliver to their company that is at risk."""
    if facts.services_at_risk:
        return HealthReason("service", SERVICE_AT_RISK_POINTS, f"service at risk: {', '.join(facts.services_at_risk)}")
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
