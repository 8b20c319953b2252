"""`custview ticket close ID`: close a ticket."""

from __future__ import annotations

import typer

from custview.cli.commands._common import command_app, open_store
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
    as_json: bool = typer.Option(False, "--json", help="Print the closed ticket as JSON."),
) -> None:
    """Close a ticket: it drops out of briefs, health and attention."""
    from custview.dates import parse_when
    from custview.cli.render import render_ticket_closed
    from custview.cli.terminal import console

    try:
        moment = parse_when(when)
    except ValueError as error:
        raise UserError(f"--when: {error}") from None
    ticket, already = open_store(ctx).close_ticket(key, moment)
    if as_json:
        from custview.cli.terminal import print_json

        print_json({"id": ticket.id, "ref": ticket.ref, "subject": ticket.subject, "status": ticket.status,
                    "closed_at": ticket.closed_at, "already_closed": already})
        return
    console().print(render_ticket_closed(ticket, already))
