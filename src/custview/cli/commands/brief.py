"""`custview brief NAME`: everything to know before the call."""

from __future__ import annotations

from typing import Optional

import typer

from custview.cli import draw
from custview.cli.application import Application
from custview.cli.commands._common import brief_contact, command_app, json_option, pick_contact
from custview.errors import UserError

app = command_app()


@app.command()
def brief(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Contact name or email, whole or in part, any case, or #ID."),
    full: bool = typer.Option(False, "--full", help="Every panel: all recent signals, the Value Path track, the company in full."),
    as_json: bool = json_option("the briefing"),
    as_of: Optional[str] = typer.Option(None, "--as-of", metavar="DATE", help="Brief as of another day (e.g. 2026-10-01, -2w)."),
) -> None:
    """Pre-call briefing on one screen: next meeting, how to engage, notes, promises, tickets, last meeting, account."""
    from custview.dates import parse_as_of, utc_now

    try:
        moment = parse_as_of(as_of) if as_of else utc_now()
    except ValueError as error:
        raise UserError(f"--as-of: {error}") from None
    app = Application.of(ctx, as_json)
    _, briefing = brief_contact(app.reader, pick_contact(app.reader, name), moment)
    app.emit(briefing, lambda: draw.render_briefing(briefing, full))
