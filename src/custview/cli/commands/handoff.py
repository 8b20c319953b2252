"""`custview handoff NAME|COMPANY`: a Markdown hand-over for a colleague taking a relationship or an account over,
and, with --to, the hand-over recorded."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Optional

import typer

from custview.cli.application import Application
from custview.cli.commands._common import brief_contact, command_app, json_option, pick_contact_or_company, pick_member
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
    to: Optional[str] = typer.Option(None, "--to", metavar="MEMBER", help="Hand the relationship (or account) to "
                                     "this member ('me': you) and record it: owners, open next steps, the timeline."),
    from_: Optional[str] = typer.Option(None, "--from", metavar="MEMBER", help="Who hands it over (default: the "
                                        "current owner; given, it must be them)."),
    preview: bool = typer.Option(False, "--preview", help="With --to: show what would change; record and write nothing."),
    as_json: bool = json_option("the hand-over: the Markdown and the data behind it,"),
) -> None:
    """Write a Markdown hand-over: who they are, the journey, promises, open tickets, what resonates, what not to do.

    For a company: the account, every person there, services, open promises and problems, the last
    meetings and what not to do. With --to, the hand-over is recorded as well: see docs/team.md.
    """
    from custview.dates import utc_now

    if (name is None) == (company is None):
        raise UserError("Give a contact or company NAME, or --company COMPANY (one of them).")
    if to is None and (from_ is not None or preview):
        raise UserError("--from and --preview go with --to MEMBER (whom the relationship is handed to)")
    app = Application.of(ctx, as_json)
    kind, found = pick_contact_or_company(app.reader, name or "", company)
    if out is not None and not preview and not as_json:
        _check_target(out, force)  # before anything is recorded
    now = utc_now()
    plan = _hand_over(app, to, from_, now, kind, found.id, preview) if to is not None else None
    document, data = (_contact_handoff if kind == "contact" else _account_handoff)(app.reader, found, now)
    if plan is not None:
        from custview.exporters.handoff import transfer_markdown

        document += "\n" + transfer_markdown(plan)
        data["handover"] = asdict(plan)
    if not as_json:
        _say_what_happened(plan)
    if out is None or as_json or preview:
        app.emit({"markdown": document, **data}, lambda: document)
        return
    import sys

    from custview.exporters.files import write_private_files
    from custview.printable import printable

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


def _check_target(out: Path, force: bool) -> None:
    """Refuse a --out that is a folder, or a file that exists (without --force)."""
    from custview.exporters.files import refuse_existing

    if out.is_dir():
        raise UserError(f"{out}: is a folder (give a file name, e.g. handoff.md)")
    refuse_existing([out], force)


def _hand_over(app: Application, to: str, from_: str | None, now, kind: str, record_id: int, preview: bool):
    """Record (or, with `preview`, plan) handing the contact or account to member `to`; what changes."""
    to_member = pick_member(app.reader, to)
    from_member = pick_member(app.reader, from_) if from_ is not None else None
    where = {"contact_id": record_id} if kind == "contact" else {"company_id": record_id}
    plan = app.writer().hand_over(to_member.id, from_member.id if from_member else None, now, apply=not preview,
                                  **where)
    app.reader.close()  # read afresh: the hand-over document shows the new owners
    return plan


def _say_what_happened(plan) -> None:
    """One line on stderr: the hand-over recorded, or what a preview would record."""
    if plan is None:
        return
    import sys

    from custview.printable import printable

    steps = len(plan.steps_moving)
    moved = f"{steps} open next step{'s' if steps != 1 else ''} moved"
    if plan.recorded:
        line = f"Handed {plan.subject} from {plan.from_member or 'nobody'} to {plan.to_member}: {moved}."
    else:
        line = f"Preview: nothing was recorded or written ({plan.subject} to {plan.to_member}: {moved})."
    sys.stderr.write(printable(line) + "\n")
