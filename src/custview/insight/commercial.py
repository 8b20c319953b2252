"""An account's commercial context in one line: renewal, contract value, success criteria, or how it ended."""

from __future__ import annotations

from datetime import datetime

from custview.dates import days_between, to_local
from custview.db.rows import CRITERION_STATUSES, ENDED_STATUSES
from custview.money import format_money


def renewal_when(renewal_at: datetime, as_of: datetime) -> str:
    """"in 97 days", "today", "12 days overdue"."""
    days = days_between(as_of, renewal_at)
    if days == 0:
        return "today"
    plural = "s" if abs(days) != 1 else ""
    return f"in {days} day{plural}" if days > 0 else f"{-days} day{plural} overdue"


def value_phrase(company) -> str | None:
    """"€120,000 ARR" for a recurring contract, "€40,000 contract" for a one-off; None without a value."""
    if company.contract_value is None:
        return None
    return format_money(company.contract_value, company.contract_currency) + (
        " ARR" if company.contract_arr else " contract")


def criteria_phrase(criteria) -> str | None:
    """"success criteria: 2 on track, 1 at risk" (statuses in their usual order); None without any."""
    counts = {status: sum(c.status == status for c in criteria) for status in CRITERION_STATUSES}
    told = [f"{count} {status}" for status, count in counts.items() if count]
    return "success criteria: " + ", ".join(told) if told else None


def commercial_line(company, as_of: datetime, criteria=()) -> str | None:
    """"Renewal in 97 days · €120,000 ARR · success criteria: 2 on track, 1 at risk", or
    "Churned on 2026-03-31 · reason: …"; None when nothing is known."""
    parts: list[str] = []
    if company.status in ENDED_STATUSES:
        ended = f" on {to_local(company.ended_at).date().isoformat()}" if company.ended_at else ""
        parts.append(f"{company.status.capitalize()}{ended}")
        if company.end_reason:
            parts.append(f"reason: {company.end_reason}")
        return " · ".join(parts)
    if company.status == "prospect":
        parts.append("Prospect")
    if company.renewal_at is not None:
        parts.append("Renewal " + renewal_when(company.renewal_at, as_of))
    if (value := value_phrase(company)) is not None:
        parts.append(value)
    if (promised := criteria_phrase(criteria)) is not None:
        parts.append(promised)
    return " · ".join(parts) or None
