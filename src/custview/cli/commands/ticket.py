"""`custview ticket close ID`: close a ticket."""

from __future__ import annotations

import typer

from custview.cli import draw
from custview.cli.application import Application
from custview.cli.commands._common import command_app, json_option
from custview.errors import UserError

app = command_app(help="Work with tickets.", no_args_is_help=True)


@app.callback()
def group() -> None:
    """Work with tickets."""


@app.command()
def close(
    ctx: typer.Context,
    key: str = typer.Argument(..., metavar="ID", help="The ticket's ref (e.g. T-1004) or number (#12)."),
    when: str = typer.Option("now", "--when", metavar="DATE", help="When it was closed (default now)."),
    as_json: bool = json_option("the closed ticket"),
) -> None:
    """Close a ticket: it drops out of briefs, health and attention."""
    from custview.dates import parse_when

    try:
        moment = parse_when(when)
    except ValueError as error:
        raise UserError(f"--when: {error}") from None
    app = Application.of(ctx, as_json)
    ticket, already = app.writer().close_ticket(key, moment)
    app.emit({"id": ticket.id, "ref": ticket.ref, "subject": ticket.subject, "status": ticket.status,
              "closed_at": ticket.closed_at, "already_closed": already},
             lambda: draw.render_ticket_closed(ticket, already))
