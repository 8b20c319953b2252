"""`custview tickets`: the book's tickets as a list; `--unlinked` for those whose requester is not a contact yet."""

from __future__ import annotations

import typer

from custview.cli.commands._common import command_app, open_reader

app = command_app()


@app.command()
def tickets(
    ctx: typer.Context,
    unlinked: bool = typer.Option(False, "--unlinked", help="Only tickets from requesters not in the book yet "
                                  "(they are linked when the requester is imported or added)."),
    open_only: bool = typer.Option(False, "--open", help="Only tickets not closed."),
    as_json: bool = typer.Option(False, "--json", help="Print the list as JSON."),
) -> None:
    """List tickets, newest first, with who raised them."""
    rows = open_reader(ctx).list_tickets(unlinked=unlinked, open_only=open_only)
    if as_json:
        from custview.cli.terminal import print_json

        print_json([{"id": t.id, "ref": t.ref, "subject": t.subject, "status": t.status, "priority": t.priority,
                     "kind": t.kind, "topics": list(t.topics), "opened_at": t.opened_at,
                     "closed_at": t.closed_at, "contact": contact,
                     "company": company, "requester_email": t.requester_email, "requester_name": t.requester_name}
                    for t, contact, company in rows])
        return
    from custview.cli.render import render_tickets
    from custview.cli.terminal import console

    console().print(render_tickets(rows, unlinked))
