"""`custview handoff NAME`: a Markdown hand-over for a colleague taking the relationship over."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from custview.cli.commands._common import brief_contact, command_app, open_reader, pick_contact
from custview.errors import UserError

app = command_app()


@app.command()
def handoff(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Contact name or email."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", metavar="FILE", help="Write the Markdown to this file "
                                       "(readable by you only) instead of printing it."),
    force: bool = typer.Option(False, "--force", help="Overwrite the --out file if it exists."),
    as_json: bool = typer.Option(False, "--json", help="Print the hand-over as JSON: the Markdown and the data behind it."),
) -> None:
    """Write a Markdown hand-over: who they are, the journey, promises, open tickets, what resonates, what not to do."""
    import sys

    from custview.dates import utc_now
    from custview.exporters.handoff import handoff_markdown

    reader = open_reader(ctx)
    contact = pick_contact(reader, name)
    history, briefing = brief_contact(reader, contact, utc_now())
    document = handoff_markdown(history, briefing)
    if as_json:
        from custview.insight.briefing import briefing_to_dict
        from custview.cli.terminal import print_json

        stages = [{"stage": c.stage, "from": c.previous_stage, "at": c.changed_at} for c in history.stage_changes]
        print_json({"markdown": document, "stage_history": stages, "briefing": briefing_to_dict(briefing)})
        return
    if out is None:
        sys.stdout.write(document)
        return
    from custview.exporters.files import refuse_existing, write_private_files
    from custview.printable import printable

    if out.is_dir():
        raise UserError(f"{out}: is a folder (give a file name, e.g. handoff.md)")
    refuse_existing([out], force)
    write_private_files({out: document.encode("utf-8")})
    sys.stderr.write(printable(f"Hand-over for {contact.name} written to {out}") + "\n")
