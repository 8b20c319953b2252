"""`custview tickets`: the book's tickets as a list; `--unlinked` for those whose requester is not a contact yet."""

from __future__ import annotations

import typer

from custview.cli import draw
from custview.cli.application import Application
from custview.cli.commands._common import command_app, json_option

app = command_app()


@app.command()
def tickets(
    ctx: typer.Context,
    unlinked: bool = typer.Option(False, "--unlinked", help="Only tickets from requesters not in the book yet "
                                  "(they are linked when the requester is imported or added)."),
    open_only: bool = typer.Option(False, "--open", help="Only tickets not closed."),
    as_json: bool = json_option("the list"),
) -> None:
    """List tickets, newest first, with who raised them."""
    app = Application.of(ctx, as_json)
    rows = app.reader.list_tickets(unlinked=unlinked, open_only=open_only)
    data = [{"id": t.id, "ref": t.ref, "subject": t.subject, "status": t.status, "priority": t.priority,
             "kind": t.kind, "topics": list(t.topics), "opened_at": t.opened_at, "closed_at": t.closed_at,
             "contact": contact, "company": company, "requester_email": t.requester_email,
             "requester_name": t.requester_name} for t, contact, company in rows]
    app.emit(data, lambda: draw.render_tickets(rows, unlinked))
