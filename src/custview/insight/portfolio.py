"""The portfolio (one row per account) and the Value Path funnel (contacts per stage, conversion, time in stage)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median

from custview.dates import days_between, to_local, to_utc
from custview.insight.commercial import value_phrase
from custview.insight.health import TYPICAL_STAGE_DAYS
from custview.insight.tickets import kind_of
from custview.stages import Stage

SORTS = ("name", "health", "renewal", "value", "last-touch")
HEALTH_ORDER = {"at risk": 0, "watch": 1, "healthy": 2}  # worst first


@dataclass
class AccountRow:
    """One account in the portfolio."""

    name: str
    status: str | None
    stage: str | None  # recorded on the company, else the furthest stage of its people
    health: str | None  # as recorded on the company
    contacts: int
    renewal_at: datetime | None
    renewal_in_days: int | None
    value: float | None
    currency: str | None
    arr: bool
    value_text: str | None  # "€120,000 ARR"
    last_two_way: datetime | None
    open_problems: int  # open tickets that are issues
    services_at_risk: int
    owner: str | None  # the member of ours who owns the account


def account_rows(facts, as_of: datetime) -> list[AccountRow]:
    """Portfolio rows from the facts `custview.db.accounts.account_facts` gathered."""
    return [_row(f, as_of) for f in facts]


def _row(f, as_of: datetime) -> AccountRow:
    c = f.company
    return AccountRow(
        name=c.name, status=c.status, stage=c.stage or f.furthest_stage, health=c.health,
        contacts=f.contacts, renewal_at=c.renewal_at,
        renewal_in_days=days_between(as_of, c.renewal_at) if c.renewal_at else None,
        value=c.contract_value, currency=c.contract_currency, arr=c.contract_arr, value_text=value_phrase(c),
        last_two_way=f.last_two_way,
        open_problems=sum(kind_of(kind, subject, description) == "issue"
                          for _, kind, subject, description in f.open_tickets),
        services_at_risk=f.services_at_risk, owner=f.owner,
    )


def renewing_within(rows: list[AccountRow], days: int) -> list[AccountRow]:
    """Accounts whose renewal falls between today and `days` days from now (overdue ones are not "within")."""
    return [r for r in rows if r.renewal_in_days is not None and 0 <= r.renewal_in_days <= days]


def sort_accounts(rows: list[AccountRow], by: str) -> list[AccountRow]:
    """Rows in the order asked: health (worst first), renewal (soonest first), value (largest first),
    last-touch (longest ago first), or name. Accounts without the value asked for come last."""
    far = datetime.max.replace(tzinfo=None)
    keys = {
        "name": lambda r: (0, r.name.casefold()),
        "health": lambda r: (r.health is None, HEALTH_ORDER.get(r.health, 3), r.name.casefold()),
        "renewal": lambda r: (r.renewal_at is None, r.renewal_in_days or 0, r.name.casefold()),
        "value": lambda r: (r.value is None, -(r.value or 0), r.name.casefold()),
        "last-touch": lambda r: (r.last_two_way is not None,
                                 r.last_two_way.replace(tzinfo=None) if r.last_two_way else far, r.name.casefold()),
    }
    return sorted(rows, key=keys[by])


def parse_days(text: str) -> int:
    """A span of days as the options take it: "90d", "90", "12w"; ValueError otherwise."""
    value = text.strip().lower()
    unit = {"d": 1, "w": 7}.get(value[-1:], None)
    number = value[:-1] if unit else value
    if not number.isdigit():
        raise ValueError(f"not a number of days: {text!r} (try 90d or 12w)")
    return int(number) * (unit or 1)


@dataclass
class StageFunnel:
    """One stage of the funnel."""

    stage: str
    contacts: int  # in the stage now
    entered: int  # entries into the stage in the period
    moved_on: int  # of those, how many moved on to a later stage
    conversion: float | None  # moved_on / entered
    median_days: float | None  # median days spent in the stage, over completed stays that began in the period
    stalled: int = 0  # in the stage now for longer than it typically takes (health's "stalled")
    typical_days: int = 0  # how long the stage typically takes


def stalled_cutoffs(as_of: datetime) -> dict[str, datetime]:
    """Per stage, the moment before which entering it means being stalled there at `as_of`: more calendar
    days in it than it typically takes (`TYPICAL_STAGE_DAYS`), as the health rule "stalled" counts."""
    today = to_local(as_of).replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
    return {stage.value: to_utc(today - timedelta(days=days)) for stage, days in TYPICAL_STAGE_DAYS.items()}


def build_funnel(counts: dict[str, int], entries: dict[str, int], stays, stalled: dict[str, int] | None = None
                 ) -> list[StageFunnel]:
    """The funnel from current counts per stage, entries into each stage (`custview.db.accounts.stage_entries`),
    the stays that ended with a move (`custview.db.accounts.completed_stays`, over the same period) and how many
    are stalled per stage (`custview.db.accounts.stalled_per_stage`)."""
    ended: dict[str, list] = {stage.value: [] for stage in Stage}
    for stay in stays:
        ended.setdefault(stay.stage, []).append(stay)
    funnel = []
    for stage in Stage:
        entered = entries.get(stage.value, 0)
        moved_on = sum(Stage.parse(s.next_stage).number > stage.number for s in ended[stage.value])
        durations = [(s.left_at - s.entered_at) / timedelta(days=1) for s in ended[stage.value]]
        funnel.append(StageFunnel(
            stage=stage.value, contacts=counts.get(stage.value, 0), entered=entered, moved_on=moved_on,
            conversion=round(moved_on / entered, 3) if entered else None,
            median_days=round(median(durations), 1) if durations else None,
            stalled=(stalled or {}).get(stage.value, 0), typical_days=TYPICAL_STAGE_DAYS[stage],
        ))
    return funnel
