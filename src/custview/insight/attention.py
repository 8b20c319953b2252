"""Who needs attention today: contacts ranked by how much a call would help, each with the reasons."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from custview.insight.briefing import stage_at
from custview.insight.health import contact_health
from custview.insight.readiness import assess_readiness

if TYPE_CHECKING:
    from custview.db.history import History

HEALTH_DROP_WINDOW_DAYS = 30
HEALTH_DROP_POINTS = 15
# Extra urgency on top of (100 - health score) for a readiness call-out.
READINESS_URGENCY = {"ahead": 20, "drifting": 25}
# Health reasons that are a reason to act (positive ones are not).
ACTIONABLE_RULES = {"quiet", "tickets", "overdue", "stalled", "trend", "service"}


@dataclass
class AttentionItem:
    """One contact who needs attention, and why."""

    name: str
    email: str | None
    company: str | None
    stage: str
    health_score: int
    health_label: str
    urgency: int
    reasons: list[str] = field(default_factory=list)


def needs_attention(history: History, as_of: datetime) -> AttentionItem | None:
    """The attention item for one contact, or None when nothing calls for action."""
    stage, since = stage_at(history, as_of)
    health = contact_health(history, stage, since, as_of)
    reasons = [r.text for r in health.reasons if r.points < 0 and r.rule in ACTIONABLE_RULES]
    urgency = 100 - health.score
    readiness = assess_readiness(history, stage, as_of)
    if readiness:
        urgency += READINESS_URGENCY[readiness.direction]
        verb = "behaves like a" if readiness.direction == "ahead" else "drifting back toward"
        reasons.insert(0, f"readiness: {verb} {readiness.behaves_like} ({readiness.evidence[0]})")
    earlier = as_of - timedelta(days=HEALTH_DROP_WINDOW_DAYS)
    before = contact_health(history, *stage_at(history, earlier), earlier)
    if before.score - health.score >= HEALTH_DROP_POINTS:
        urgency += 10
        reasons.insert(0, f"health dropped from {before.score} to {health.score} in {HEALTH_DROP_WINDOW_DAYS} days")
    if not reasons:
        return None
    contact = history.contact
    return AttentionItem(contact.name, contact.email, history.company.name if history.company else None,
                         stage.value, health.score, health.label, urgency, reasons)


def rank_attention(histories, as_of: datetime, limit: int | None = None) -> list[AttentionItem]:
    """Everyone who needs attention, most urgent first."""
    items = [item for history in histories if (item := needs_attention(history, as_of))]
    items.sort(key=lambda item: (-item.urgency, item.name.lower()))
    return items[:limit] if limit else items
