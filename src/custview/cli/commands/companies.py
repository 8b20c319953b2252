"""`custview companies`: the portfolio, one row per account."""

from __future__ import annotations

from typing import Optional

import typer

from custview.cli.commands._common import command_app, open_reader, parse_stage_option
from custview.errors import UserError

app = command_app()


@app.command()
def companies(
    ctx: typer.Context,
    stage: Optional[str] = typer.Option(None, "--stage", "-s", help="Only accounts at this Value Path stage."),
    renewal_within: Optional[str] = typer.Option(
        None, "--renewal-within", help="Only accounts renewing within this span from today (90d, 12w)."),
    status: Optional[str] = typer.Option(None, "--status", help="Only prospect, customer, churned or lost accounts."),
    sort: str = typer.Option("name", "--sort", help="Order by name, health, renewal, value or last-touch."),
    as_json: bool = typer.Option(False, "--json", help="Print the rows as JSON."),
) -> None:
    """List accounts: stage, health, renewal, contract value, last two-way touch and open problems."""
    from custview.dates import utc_now
    from custview.db.accounts import account_facts
    from custview.db.rows import COMPANY_STATUSES
    from custview.insight.facts import TWO_WAY_SIGNAL_KINDS
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
    rows = account_rows(account_facts(open_reader(ctx), now, TWO_WAY_SIGNAL_KINDS), now)
    rows = [r for r in rows if (stage is None or r.stage == stage)
            and (status is None or r.status == status.strip().lower())]
    if within is not None:
        rows = renewing_within(rows, within)
    rows = sort_accounts(rows, sort)
    if as_json:
        from custview.cli.terminal import print_json

        print_json(rows)
        return
    from custview.cli.render_accounts import render_companies
    from custview.cli.terminal import console

    console().print(render_companies(rows, now))
