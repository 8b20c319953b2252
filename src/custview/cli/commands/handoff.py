"""`custview handoff NAME|COMPANY`: a Markdown hand-over for a colleague taking a relationship or an account over."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from custview.cli.application import Application
from custview.cli.commands._common import brief_contact, command_app, json_option, pick_contact_or_company
from custview.errors import UserError

app = command_app()


@app.command()
def handoff(
    ctx: typer.Context,
    name: Optional[str] = typer.Argument(None, help="A contact (name, email, part of one, #ID) or a company (name, "
                                         "part of one, domain, merged-in name)."),
    company: Optional[str] = typer.Option(None, "--company", "-c", help="The company (also #ID) instead of NAME."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", metavar="FILE", help="Write the Markdown to this file "
                                       "(readable by you only) instead of printing it."),
    force: bool = typer.Option(False, "--force", help="Overwrite the --out file if it exists."),
    as_json: bool = json_option("the hand-over: the Markdown and the data behind it,"),
) -> None:
    """Write a Markdown hand-over: who they are, the journey, promises, open tickets, what resonates, what not to do.

    For a company: the account, every person there, services, open promises and problems, the last
    meetings and what not to do.
    """
    from custview.dates import utc_now

    if (name is None) == (company is None):
        raise UserError("Give a contact or company NAME, or --company COMPANY (one of them).")
    app = Application.of(ctx, as_json)
    kind, found = pick_contact_or_company(app.reader, name or "", company)
    document, data = (_contact_handoff if kind == "contact" else _account_handoff)(app.reader, found, utc_now())
    if out is None or as_json:
        app.emit({"markdown": document, **data}, lambda: document)
        return
    import sys

    from custview.exporters.files import refuse_existing, write_private_files
    from custview.printable import printable

    if out.is_dir():
        raise UserError(f"{out}: is a folder (give a file name, e.g. handoff.md)")
    refuse_existing([out], force)
    write_private_files({out: document.encode("utf-8")})
    sys.stderr.write(printable(f"Hand-over for {found.name} written to {out}") + "\n")


def _contact_handoff(reader, contact, moment) -> tuple[str, dict]:
    """One person's hand-over, and the data behind it for --json."""
    from custview.exporters.handoff import handoff_markdown

    history, briefing = brief_contact(reader, contact, moment)
    stages = [{"stage": c.stage, "from": c.previous_stage, "at": c.changed_at} for c in history.stage_changes]
    return handoff_markdown(history, briefing), {"stage_history": stages, "briefing": briefing}


def _account_handoff(reader, company, moment) -> tuple[str, dict]:
    """A whole account's hand-over, and the data behind it for --json."""
    from custview.db.accounts import account_history
    from dataclasses import asdict

    from custview.exporters.handoff import account_handoff_markdown
    from custview.insight.handover import build_account_handover

    handover = build_account_handover(account_history(reader, company), moment)
    data = asdict(handover)
    for group in ("problems", "questions", "expansion_requests"):
        data[group] = getattr(handover, group)
    return account_handoff_markdown(handover), {"account": data}
