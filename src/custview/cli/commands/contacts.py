"""`custview contacts`: the book of business as a list."""

from __future__ import annotations

from typing import Optional

import typer

from custview.cli.commands._common import command_app, company_option, open_reader, parse_stage_option

app = command_app()


@app.command()
def contacts(
    ctx: typer.Context,
    stage: Optional[str] = typer.Option(None, "--stage", "-s", help="Only this Value Path stage."),
    company: Optional[str] = typer.Option(None, "--company", "-c", help="Only the people of this company (name, part of one, or #ID)."),
    search: Optional[str] = typer.Option(None, "--search", "-q", help="Name, email or title contains this."),
    as_json: bool = typer.Option(False, "--json", help="Print the list as JSON."),
) -> None:
    """List contacts with their company and Value Path stage."""
    from custview.dates import utc_now

    reader = open_reader(ctx)
    firm = company_option(reader, company)
    rows = reader.list_contacts(stage=parse_stage_option(stage), company_id=firm.id if firm else None, search=search)
    if as_json:
        from custview.cli.terminal import print_json

        print_json([
            {
                "name": r.contact.name,
                "email": r.contact.email,
                "title": r.contact.title,
                "company": r.company.name if r.company else None,
                "stage": r.contact.stage,
                "stage_since": r.contact.stage_since,
            }
            for r in rows
        ])
        return
    from custview.cli.render import render_contacts
    from custview.cli.terminal import console

    console().print(render_contacts(rows, utc_now()))
