"""`custview companies` and `custview pipeline`: the book's accounts, one row each, and the Value Path funnel."""

from __future__ import annotations

from typing import Optional

import typer

from custview.cli import draw
from custview.cli.application import Application
from custview.cli.commands._common import (OWNER_HELP, TEAM_HELP, command_app, company_option, json_option,
                                           owner_filter, parse_stage_option)
from custview.errors import UserError

app = command_app()


@app.command()
def companies(
    ctx: typer.Context,
    stage: Optional[str] = typer.Option(None, "--stage", "-s", help="Only accounts at this Value Path stage."),
    renewal_within: Optional[str] = typer.Option(
        None, "--renewal-within", help="Only accounts renewing within this span from today (90d, 12w)."),
    status: Optional[str] = typer.Option(None, "--status", help="Only prospect, customer, churned or lost accounts."),
    owner: Optional[str] = typer.Option(None, "--owner", metavar="NAME|me", help=OWNER_HELP),
    team: Optional[str] = typer.Option(None, "--team", metavar="TEAM", help=TEAM_HELP),
    sort: str = typer.Option("name", "--sort", help="Order by name, health, renewal, value or last-touch."),
    as_json: bool = json_option("the rows"),
) -> None:
    """List accounts: stage, health, renewal, contract value, last two-way touch and open problems."""
    from custview.cycles import cycle_collection_paused
    from custview.dates import utc_now
    from custview.db.accounts import account_facts
    from custview.db.rows import COMPANY_STATUSES
    from custview.insight.portfolio import SORTS, account_rows, parse_days, renewing_within, sort_accounts

    if sort not in SORTS:
        raise UserError(f"--sort: unknown order {sort!r} (expected one of: {', '.join(SORTS)})")
    if status is not None and status.strip().lower() not in COMPANY_STATUSES:
        raise UserError(f"--status: unknown status {status!r} (expected one of: {', '.join(COMPANY_STATUSES)})")
    try:
        within = parse_days(renewal_within) if renewal_within is not None else None
    except ValueError as error:
        raise UserError(f"--renewal-within: {error}") from None
    stage = parse_stage_option(stage)
    now = utc_now()
    app = Application.of(ctx, as_json)
    with cycle_collection_paused():  # a few objects per account, no cycles
        rows = account_rows(account_facts(app.reader, now, owner_filter(app.reader, owner, team)), now)
        rows = [r for r in rows if (stage is None or r.stage == stage)
                and (status is None or r.status == status.strip().lower())]
        if within is not None:
            rows = renewing_within(rows, within)
        app.emit_rows(sort_accounts(rows, sort), vars, lambda: draw.CompaniesDrawing(now))  # a row's fields, in order


@app.command()
def pipeline(
    ctx: typer.Context,
    company: Optional[str] = typer.Option(None, "--company", "-c", help="Only the people of this company."),
    owner: Optional[str] = typer.Option(None, "--owner", metavar="NAME|me", help="Only the people this member owns "
                                        "('me': who `custview config set me` says)."),
    team: Optional[str] = typer.Option(None, "--team", metavar="TEAM", help=TEAM_HELP),
    since: Optional[str] = typer.Option(
        None, "--since", help="Conversion and time in stage over stage entries from this DATE on (default: all)."),
    as_json: bool = json_option("the funnel"),
) -> None:
    """Contacts per Value Path stage as a bar chart, conversion to the next stage, median days in stage, and how
    many are stalled (in the stage longer than it typically takes)."""
    from custview.dates import parse_when, utc_now
    from custview.db.accounts import completed_stays, contacts_per_stage, stage_entries, stalled_per_stage
    from custview.insight.portfolio import build_funnel, stalled_cutoffs

    now = utc_now()
    try:
        start = parse_when(since, now) if since is not None else None
    except (ValueError, OverflowError) as error:
        raise UserError(f"--since: {error}") from None
    app = Application.of(ctx, as_json)
    reader = app.reader
    with reader.snapshot():
        firm = company_option(reader, company)
        company_id = firm.id if firm else None
        owned = owner_filter(reader, owner, team)
        funnel = build_funnel(contacts_per_stage(reader, company_id, owned), stage_entries(reader, company_id, start, owned),
                              completed_stays(reader, company_id, start, owned),
                              stalled_per_stage(reader, stalled_cutoffs(now), now, company_id, owned))
    title = f"Value Path — {firm.name if firm else 'the whole book'}" + (
        f", stage moves since {start:%d %b %Y}" if start else "")
    app.emit({"company": firm.name if firm else None, "since": start, "stages": funnel},
             lambda: draw.render_pipeline(funnel, title, plain=app.plain))
