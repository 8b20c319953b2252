"""`custview plan NAME --when WHEN`: put an upcoming meeting in the book, to brief for and log onto later."""

from __future__ import annotations

from typing import Optional

import typer

from custview.cli import draw
from custview.cli.application import Application
from custview.cli.commands._common import command_app, json_option, pick_contact, resolve_attendees
from custview.cli.commands.log import check_kind, meeting_data
from custview.errors import UserError

app = command_app()


@app.command()
def plan(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Contact name or email, whole or in part, or #ID."),
    when: str = typer.Option(..., "--when", "-w", metavar="WHEN", help="When it is (e.g. 'tomorrow 14:00', 'Tue 14:00', 2026-06-16T14:00)."),
    purpose: str = typer.Option("Call", "--purpose", "-p", help="Why you are meeting: 'discuss the NetSuite pilot scope'."),
    kind: Optional[str] = typer.Option(None, "--kind", "-k", help="discovery, implementation, check-in, review, strategic or other."),
    attendees: list[str] = typer.Option([], "--attendee", "-a", metavar="NAME[:ROLE]", help="Someone else who attends (repeatable)."),
    as_json: bool = json_option("the planned meeting"),
) -> None:
    """Plan a meeting: it shows in 'today' and at the top of the brief, and 'log' completes it afterwards."""
    from custview.dates import parse_when

    problems = []
    kind_value = check_kind(kind, problems)
    moment = None
    try:
        moment = parse_when(when)
    except ValueError as error:
        problems.append(f"--when: {error}")
    if not purpose.strip():
        problems.append("--purpose: empty; say why you are meeting")
    if problems:
        raise UserError(*problems)
    app = Application.of(ctx, as_json)
    contact = pick_contact(app.reader, name)
    people, warnings = resolve_attendees(app.reader, attendees, contact.company_id)
    planned = app.writer().plan_meeting(contact.id, moment, purpose.strip(), kind_value, people)
    app.warn(warnings)
    app.emit(meeting_data(planned), lambda: draw.render_logged(planned, contact.name, planned=True))
