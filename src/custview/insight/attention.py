"""Who needs attention today: contacts ranked by how much a call would help, each with the reasons."""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from custview.insight.briefing import stage_at
from custview.cycles import cycle_collection_paused
from custview.insight.facts import ContactFacts, book_facts, facts_from_history
from custview.insight.health import health_from_facts
from custview.insight.readiness import evidence_kinds, readiness_from_facts
from custview.stages import Stage

if TYPE_CHECKING:
    from custview.db.history import ContactRow, History
    from custview.db.reader import Reader

HEALTH_DROP_WINDOW_DAYS = 30
HEALTH_DROP_POINTS = 15
HEALTH_DROP_URGENCY = 10  # extra urgency when the score dropped that much
# Extra urgency on top of (100 - health score) for a readiness call-out.
READINESS_URGENCY = {"ahead": 20, "drifting": 25}
# Health reasons that are a reason to act (positive ones are not).
ACTIONABLE_RULES = {"quiet", "tickets", "overdue", "stalled", "trend", "service"}
# Rules that never rank someone in a stage: an Audience is not chased for lack of two-way contact (don't push).
NOT_A_REASON_AT = {Stage.AUDIENCE: ("quiet",)}


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
    """The attention item for one contact from their history, or None when nothing calls for action."""
    earlier = as_of - timedelta(days=HEALTH_DROP_WINDOW_DAYS)
    now, before = (facts_from_history(history, *stage_at(history, moment), moment) for moment in (as_of, earlier))
    return attention_from_facts(history.contact, history.company.name if history.company else None, now, before, as_of)


def attention_from_facts(contact, company: str | None, now: ContactFacts,
                         before: ContactFacts | Callable[[], ContactFacts], as_of: datetime) -> AttentionItem | None:
    """The attention item for a contact from the facts about them now and HEALTH_DROP_WINDOW_DAYS earlier (or a
    function giving those: they are read only when the score now is low enough for a drop to count)."""
    leaving_out = NOT_A_REASON_AT.get(now.stage, ())
    ranked = health_from_facts(now, as_of, leaving_out)
    reasons = [r.text for r in ranked.reasons if r.points < 0 and r.rule in ACTIONABLE_RULES]
    urgency = 100 - ranked.score
    readiness = readiness_from_facts(now, as_of)
    if readiness:
        urgency += READINESS_URGENCY[readiness.direction]
        verb = "behaves like a" if readiness.direction == "ahead" else "drifting back toward"
        reasons.insert(0, f"readiness: {verb} {readiness.behaves_like} ({readiness.evidence[0]})")
    if ranked.score <= 100 - HEALTH_DROP_POINTS:  # a score is at most 100: no drop to see above that
        before = before() if callable(before) else before
        earlier_score = health_from_facts(before, as_of - timedelta(days=HEALTH_DROP_WINDOW_DAYS),
                                          NOT_A_REASON_AT.get(before.stage, ())).score
        if earlier_score - ranked.score >= HEALTH_DROP_POINTS:
            urgency += HEALTH_DROP_URGENCY
            reasons.insert(0, f"health dropped from {earlier_score} to {ranked.score} in {HEALTH_DROP_WINDOW_DAYS} days")
    if not reasons:
        return None
    health = health_from_facts(now, as_of) if leaving_out else ranked
    return AttentionItem(contact.name, contact.email, company, now.stage.value, health.score, health.label,
                         urgency, reasons)


def rank_book_attention(reader: Reader, rows: Iterable[ContactRow], as_of: datetime,
                        limit: int | None = None) -> list[AttentionItem]:
    """The same ranking for these contacts, from the book's grouped figures (no history per contact), read a
    batch at a time: memory holds a batch and the `limit` best so far, not the book."""
    earlier = as_of - timedelta(days=HEALTH_DROP_WINDOW_DAYS)
    with cycle_collection_paused():
        return _ranked((attention_from_facts(row.contact, row.company.name if row.company else None, now, later[0],
                                             as_of)
                        for row, now, later in book_facts(reader, rows, [as_of, earlier], evidence_kinds)), limit)


def _ranked(items, limit: int | None) -> list[AttentionItem]:
    """The items, most urgent first (then by name; in the order given when both tie)."""
    items = (item for item in items if item)
    key = lambda item: (-item.urgency, item.name.lower())  # noqa: E731
    return heapq.nsmallest(limit, items, key) if limit else sorted(items, key=key)
