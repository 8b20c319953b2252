"""`custview attention`: who needs you today, and why."""

from __future__ import annotations

from dataclasses import asdict
from typing import Optional

import typer

from custview.cli.commands._common import command_app, company_option, open_reader, parse_stage_option

app = command_app()


@app.command()
def attention(
    ctx: typer.Context,
    company: Optional[str] = typer.Option(None, "--company", "-c", help="Only the people of this company (name, part of one, or #ID)."),
    stage: Optional[str] = typer.Option(None, "--stage", "-s", help="Only this Value Path stage."),
    limit: int = typer.Option(10, "--limit", "-n", min=1, help="Show at most this many."),
    as_json: bool = typer.Option(False, "--json", help="Print the list as JSON."),
) -> None:
    """Rank who needs attention today: gone quiet, tickets ageing, next steps overdue, readiness, health dropped."""
    from custview.insight.attention import rank_book_attention
    from custview.dates import utc_now

    reader = open_reader(ctx)
    # From grouped figures over the whole book, not a history per contact: fast on a book of any size.
    firm = company_option(reader, company)
    contacts = reader.list_contacts(stage=parse_stage_option(stage), company_id=firm.id if firm else None)
    items = rank_book_attention(reader, contacts, utc_now(), limit)
    if as_json:
        from custview.cli.terminal import print_json

        print_json([asdict(item) for item in items])
        return
    from custview.cli.render import render_attention
    from custview.cli.terminal import console

    console().print(render_attention(items))
