"""`custview stage suggest|set`: readiness suggestions, and moving someone on the Value Path."""

from __future__ import annotations

from typing import Optional

import typer

from custview.cli import draw
from custview.cli.application import Application
from custview.cli.commands._common import command_app, company_option, json_option, parse_stage_option, pick_contact
from custview.errors import UserError

app = command_app(help="Value Path stages: suggestions from behaviour, and changes (history kept).", no_args_is_help=True)


@app.command()
def suggest(
    ctx: typer.Context,
    company: Optional[str] = typer.Option(None, "--company", "-c", help="Only the people of this company (name, part of one, or #ID)."),
    as_json: bool = json_option("the suggestions"),
) -> None:
    """List contacts whose behaviour says they are further along, or drifting back, as they are found. Changes nothing."""
    from custview.dates import utc_now
    from custview.insight.readiness import book_call_outs

    app = Application.of(ctx, as_json)
    firm = company_option(app.reader, company)
    rows = book_call_outs(app.reader, utc_now(), company_id=firm.id if firm else None)
    app.emit_rows(rows, _suggestion_data, lambda: draw.StageSuggestionsDrawing())


def _suggestion_data(row) -> dict:
    """One call-out as plain data for --json."""
    name, company, stage, readiness = row
    return {"name": name, "company": company, "stage": stage, "direction": readiness.direction,
            "behaves_like": readiness.behaves_like, "evidence": readiness.evidence}


@app.command("set")
def set_stage(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Contact name or email."),
    stage: str = typer.Argument(..., help="The new Value Path stage."),
    when: str = typer.Option("now", "--when", "-w", metavar="DATE", help="When the move happened (default now)."),
    as_json: bool = json_option("the move"),
) -> None:
    """Move a contact to another Value Path stage; the move is kept in their stage history."""
    from custview.dates import parse_when, utc_now

    stage_value = parse_stage_option(stage, "STAGE")
    try:
        moment = parse_when(when)
    except ValueError as error:
        raise UserError(f"--when: {error}") from None
    if moment > utc_now():
        raise UserError(f"--when: {when!r} is in the future; a stage move is recorded when it has happened")
    app = Application.of(ctx, as_json)
    contact = pick_contact(app.reader, name)
    change = app.writer().set_stage(contact.id, stage_value, moment)
    current = app.reader.record("contact", contact.id).stage if change else None
    data = {"contact": contact.name, "changed": change is not None,
            "from": change.previous_stage if change else stage_value, "to": stage_value,
            "at": change.changed_at if change else None, "stage_now": current or stage_value}
    app.emit(data, lambda: draw.render_stage_change(contact.name, change, stage_value, current))
