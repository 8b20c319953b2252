"""`custview pipeline`: the Value Path funnel, drawn."""

from __future__ import annotations

from typing import Optional

import typer

from custview.cli.commands._common import command_app, company_option, open_reader
from custview.errors import UserError

app = command_app()


@app.command()
def pipeline(
    ctx: typer.Context,
    company: Optional[str] = typer.Option(None, "--company", "-c", help="Only the people of this company."),
    since: Optional[str] = typer.Option(
        None, "--since", help="Conversion and time in stage over stage entries from this DATE on (default: all)."),
    as_json: bool = typer.Option(False, "--json", help="Print the funnel as JSON."),
) -> None:
    """Contacts per Value Path stage as a bar chart, conversion to the next stage, median days in stage."""
    from custview.dates import parse_when, utc_now
    from custview.db.accounts import contacts_per_stage, stage_stays
    from custview.insight.portfolio import build_funnel

    now = utc_now()
    try:
        start = parse_when(since, now) if since is not None else None
    except (ValueError, OverflowError) as error:
        raise UserError(f"--since: {error}") from None
    reader = open_reader(ctx)
    with reader.snapshot():
        firm = company_option(reader, company)
        company_id = firm.id if firm else None
        funnel = build_funnel(contacts_per_stage(reader, company_id), stage_stays(reader, company_id, start))
    if as_json:
        from custview.cli.terminal import print_json

        print_json({"company": firm.name if firm else None, "since": start, "stages": funnel})
        return
    import sys

    from custview.cli.render_accounts import render_pipeline
    from custview.cli.terminal import console

    title = f"Value Path — {firm.name if firm else 'the whole book'}" + (
        f", stage moves since {start:%d %b %Y}" if start else "")
    console().print(render_pipeline(funnel, title, plain=not sys.stdout.isatty()))
