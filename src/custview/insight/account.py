"""The account view: a company, how healthy the relationship is across its people, and what is open."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING

from custview.insight.briefing import build_briefing, stage_at
from custview.insight.briefing_lines import CriterionLine
from custview.insight.commercial import commercial_line
from custview.insight.facts import facts_from_history
from custview.insight.health import Health, account_health

if TYPE_CHECKING:
    from custview.insight.briefing_lines import ServiceLine, TicketLine
    from custview.db.rows import Company
    from custview.db.history import History

@dataclass
class PersonLine:
    """One contact at the account."""

    name: str
    title: str | None
    stage: str
    buying_role: str | None
    health_score: int
    health_label: str
    readiness: str | None
    last_touch: datetime | None = None  # the latest meeting or two-way signal


@dataclass
class CompanyView:
    """Everything about one account, as of one moment."""

    as_of: datetime
    name: str
    domain: str | None
    industry: str | None
    size: str | None
    recorded_stage: str | None
    recorded_health: str | None
    summary: str | None
    health: Health
    people: list[PersonLine]
    services: list[ServiceLine]
    open_tickets: list[TicketLine]
    notes: list[str]
    commercial: str | None = None  # "Renewal in 97 days · €120,000 ARR · success criteria: 2 on track"
    success_criteria: list[CriterionLine] = field(default_factory=list)


def build_company_view(company: Company, histories: list[History], as_of: datetime, criteria=()) -> CompanyView:
    """The account view of a company from the histories of its contacts and its success criteria."""
    briefings = [build_briefing(h, as_of) for h in histories]
    services = briefings[0].company.services if briefings and briefings[0].company else []
    tickets = {t.id: replace(t, raised_by=t.raised_by or b.name) for b in briefings for t in b.open_tickets}
    notes = {(n.written_at, n.text): n for b in briefings for n in b.key_notes if n.about == "company"}
    return CompanyView(
        as_of=as_of, name=company.name, domain=company.domain, industry=company.industry, size=company.size,
        recorded_stage=company.stage, recorded_health=company.health, summary=company.summary,
        health=account_health(briefings, services),
        people=[PersonLine(b.name, b.title, b.stage.stage, b.buying_role, b.health.score, b.health.label,
                           f"{b.readiness.direction}: {b.readiness.behaves_like}" if b.readiness else None,
                           facts_from_history(h, *stage_at(h, as_of), as_of).last_two_way)
                for h, b in zip(histories, briefings)],
        services=services,
        open_tickets=sorted(tickets.values(), key=lambda t: t.opened_at),
        notes=[n.text for _, n in sorted(notes.items(), reverse=True)],
        commercial=commercial_line(company, as_of, criteria),
        success_criteria=[CriterionLine(c.id, c.metric, c.target, c.status) for c in criteria],
    )
