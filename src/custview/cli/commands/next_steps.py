"""`custview next-steps`: the promises still open, or (with --ics FILE) the same as calendar to-dos."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from custview.cli.commands._common import command_app, open_reader

app = command_app()


@app.command(name="next-steps")
def next_steps(
    ctx: typer.Context,
    owner: Optional[str] = typer.Option(None, "--owner", "-o", metavar="NAME",
                                        help="Only the steps this person owns (whole name, any case)."),
    ics: Optional[Path] = typer.Option(None, "--ics", metavar="FILE", help="Write the steps that have a due date "
                                       "to FILE as iCalendar to-dos (VTODO), readable by you only."),
    force: bool = typer.Option(False, "--force", help="With --ics: overwrite FILE if it exists."),
    as_json: bool = typer.Option(False, "--json", help="Print the steps (or, with --ics, what was written) as JSON."),
) -> None:
    """List open next steps, soonest due first; or export them for a calendar or task app with --ics."""
    from custview.dates import utc_now

    steps = open_reader(ctx).open_next_steps(owner)
    now = utc_now()
    if ics is not None:
        _export(ics, steps, now, force, as_json)
        return
    if as_json:
        from custview.cli.terminal import print_json

        print_json([_as_data(step) for step in steps])
        return
    from custview.cli.render import render_next_steps
    from custview.cli.terminal import console

    console().print(render_next_steps(steps, now))


def _export(path: Path, steps, now, force: bool, as_json: bool) -> None:
    from custview.exporters.calendar import write_calendar

    written = write_calendar(path, steps, now, force=force)
    if as_json:
        from custview.cli.terminal import print_json

        print_json({"file": str(written.path), "todos": written.todos, "without_due_date": written.without_due_date})
        return
    from custview.cli.render import render_calendar_written, render_notes
    from custview.cli.terminal import console, error_console

    console().print(render_calendar_written(written))
    if written.without_due_date:
        count = written.without_due_date
        error_console().print(render_notes([f"{count} open next step{'s' if count != 1 else ''} without a due date "
                                            f"{'were' if count != 1 else 'was'} left out"]))


def _as_data(step) -> dict:
    """One step as plain data for --json; times in UTC, ISO 8601."""
    return {"step": step.step, "owner": step.owner, "due": _utc(step.due_at), "contact": step.contact,
            "email": step.contact_email, "company": step.company, "appointment": step.appointment,
            "met_at": _utc(step.met_at)}


def _utc(moment) -> str | None:
    from datetime import timezone

    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None
