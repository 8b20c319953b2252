"""`custview handoff NAME`: a Markdown hand-over for a colleague taking the relationship over."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from custview.commands._common import command_app, open_store, pick_contact
from custview.errors import UserError

app = command_app()


@app.command()
def handoff(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Contact name or email."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", metavar="FILE", help="Write the Markdown to this file instead of printing it."),
) -> None:
    """Write a Markdown hand-over: who they are, the journey, promises, open tickets, what resonates, what not to do."""
    import sys

    from custview.briefing import build_briefing
    from custview.dates import utc_now
    from custview.handoff import handoff_markdown

    store = open_store(ctx)
    contact = pick_contact(store, name)
    history = store.contact_history(contact.id)
    document = handoff_markdown(history, build_briefing(history, utc_now()))
    if out is None:
        sys.stdout.write(document)
        return
    try:
        out.write_text(document, encoding="utf-8")
    except OSError as error:
        raise UserError(f"{out}: cannot write ({error.strerror})") from None
    sys.stderr.write(f"Hand-over for {contact.name} written to {out}\n")
