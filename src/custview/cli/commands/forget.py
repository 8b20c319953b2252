"""`custview forget NAME`: delete a contact and everything that belongs only to them, after asking."""

from __future__ import annotations


import typer

from custview.cli import draw
from custview.cli.application import Application
from custview.cli.commands._common import command_app, confirm_on_terminal, json_option, pick_contact

app = command_app()


@app.command()
def forget(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Contact name or email."),
    backups: bool = typer.Option(False, "--backups", help="Also delete the backups of the book (NAME.bak-N, kept "
                                 "before upgrades) that still hold them: whole earlier copies of the book."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation (for scripts)."),
    as_json: bool = json_option("what was removed"),
) -> None:
    """Delete a contact and everything that belongs only to them: signals, stage history, notes about
    them, their tickets without a company, the appointments where they are the main contact (with
    those appointments' attendees and next steps), and their place among others' attendees.
    Company records are kept; their tickets that belong to a company stay with it, unlinked.
    Their name is taken off others' next steps and notes. The space their records used is
    overwritten. One transaction. Asks first unless --yes."""
    from pathlib import Path

    app = Application.of(ctx, as_json)
    contact = pick_contact(app.reader, name)
    store = app.writer()
    if not yes:
        confirm_forgetting(store.forget_plan(contact.id), backups)
    report = store.forget_contact(contact.id)
    deleted = []
    if backups:
        for backup in report.backups:
            Path(backup).unlink(missing_ok=True)
        deleted, report.backups = report.backups, []
    app.emit({"contact": report.name, "company": report.company, "removed": report.removed,
              "total_removed": report.total, "tickets_kept_for_company": report.tickets_unlinked,
              "names_cleared": report.names_cleared, "backups_still_holding_them": report.backups,
              "backups_deleted": deleted, "freed_space_kept_in_file": report.space_kept},
             lambda: draw.render_forget_report(report, done=True, deleted_backups=deleted, book=store.path))


def confirm_forgetting(plan, delete_backups: bool) -> None:
    """Show what would be removed and ask; a clear error when there is no one to ask or they say no."""
    also = f" and delete {len(plan.backups)} backup(s) of the whole book" if delete_backups and plan.backups else ""
    confirm_on_terminal(draw.render_forget_report(plan, done=False), f"Forget {plan.name} for good{also}?",
                        declined=f"Not forgetting {plan.name}: nothing was removed.",
                        no_terminal=f"Not forgetting {plan.name}: there is no terminal to ask for confirmation on. "
                                    "Add --yes to forget without asking. Nothing was removed.")
