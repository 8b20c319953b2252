"""`custview handoff NAME|COMPANY`: a Markdown hand-over for a colleague taking a relationship or an account over."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from custview.cli.commands._common import brief_contact, command_app, open_reader, pick_contact_or_company
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
    as_json: bool = typer.Option(False, "--json", help="Print the hand-over as JSON: the Markdown and the data behind it."),
) -> None:
    """Write a Markdown hand-over: who they are, the journey, promises, open tickets, what resonates, what not to do.

    For a company: the account, every person there, services, open promises and problems, the last
    meetings and what not to do.
    """
    import sys

    from custview.dates import utc_now

    if (name is None) == (company is None):
        raise UserError("Give a contact or company NAME, or --company COMPANY (one of them).")
    reader = open_reader(ctx)
    kind, found = pick_contact_or_company(reader, name or "", company)
    document, data = (_contact_handoff if kind == "contact" else _account_handoff)(reader, found, utc_now())
    if as_json:
        from custview.cli.terminal import print_json

        print_json({"markdown": document, **data})
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
    sys.stderr.write(printable(f"Hand-over for {found.name} written to {out}") + "\n")


def _contact_handoff(reader, contact, moment) -> tuple[str, dict]:
    """One person's hand-over, and the data behind it for --json."""
    from custview.exporters.handoff import handoff_markdown
    from custview.insight.briefing import briefing_to_dict

    history, briefing = brief_contact(reader, contact, moment)
    stages = [{"stage": c.stage, "from": c.previous_stage, "at": c.changed_at} for c in history.stage_changes]
    return handoff_markdown(history, briefing), {"stage_history": stages, "briefing": briefing_to_dict(briefing)}


def _account_handoff(reader, company, moment) -> tuple[str, dict]:
    """A whole account's hand-over, and the data behind it for --json."""
    from custview.db.accounts import account_history
    from custview.exporters.handoff import account_handoff_markdown
    from custview.insight.briefing import briefing_to_dict
    from custview.insight.handover import build_account_handover

    handover = build_account_handover(account_history(reader, company), moment)
    data = briefing_to_dict(handover)
    for group in ("problems", "questions", "expansion_requests"):
        data[group] = [briefing_to_dict(ticket) for ticket in getattr(handover, group)]
    return account_handoff_markdown(handover), {"account": data}
