"""`custview stage suggest|set`: readiness suggestions, and moving someone on the Value Path."""

from __future__ import annotations

from typing import Optional

import typer

from custview.cli.commands._common import (command_app, company_option, open_reader, open_store, parse_stage_option,
                                           pick_contact)
from custview.errors import UserError

app = command_app(help="Value Path stages: suggestions from behaviour, and changes (history kept).", no_args_is_help=True)


@app.command()
def suggest(
    ctx: typer.Context,
    company: Optional[str] = typer.Option(None, "--company", "-c", help="Only the people of this company (name, part of one, or #ID)."),
    as_json: bool = typer.Option(False, "--json", help="Print the suggestions as JSON."),
) -> None:
    """List contacts whose behaviour says they are further along, or drifting back. Changes nothing."""
    from custview.dates import utc_now
    from custview.insight.readiness import book_readiness

    reader = open_reader(ctx)
    firm = company_option(reader, company)
    rows = book_readiness(reader, reader.list_contacts(company_id=firm.id if firm else None), utc_now())
    if as_json:
        from custview.cli.terminal import print_json

        print_json([{"name": name, "company": company_name, "stage": stage, "direction": r.direction,
                     "behaves_like": r.behaves_like, "evidence": r.evidence}
                    for name, company_name, stage, r in rows])
        return
    from custview.cli.render import render_stage_suggestions
    from custview.cli.terminal import console

    console().print(render_stage_suggestions(rows))


@app.command("set")
def set_stage(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Contact name or email."),
    stage: str = typer.Argument(..., help="The new Value Path stage."),
    when: str = typer.Option("now", "--when", "-w", metavar="DATE", help="When the move happened (default now)."),
) -> None:
    """Move a contact to another Value Path stage; the move is kept in their stage history."""
    from custview.dates import parse_when, utc_now
    from custview.cli.render import render_stage_change
    from custview.cli.terminal import console

    stage_value = parse_stage_option(stage, "STAGE")
    try:
        moment = parse_when(when)
    except ValueError as error:
        raise UserError(f"--when: {error}") from None
    if moment > utc_now():
        raise UserError(f"--when: {when!r} is in the future; a stage move is recorded when it has happened")
    reader = open_reader(ctx)
    contact = pick_contact(reader, name)
    change = open_store(ctx).set_stage(contact.id, stage_value, moment)
    current = reader.record("contact", contact.id).stage if change else None
    console().print(render_stage_change(contact.name, change, stage_value, current))
