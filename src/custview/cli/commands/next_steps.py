"""`custview next-steps`: the promises still open (or, with --ics FILE, as calendar to-dos); `done`, `reopen` and
`edit` keep them by their short id (S12)."""

from __future__ import annotations

from itertools import islice
from pathlib import Path
from typing import Optional

import typer

from custview.cli import draw
from custview.cli.application import Application
from custview.dates import stored_as_iso
from custview.cli.commands._common import JSONL, LIMIT, TEAM_HELP, command_app, json_option, owner_filter
from custview.errors import UserError

app = command_app(invoke_without_command=True)


@app.callback()
def next_steps(
    ctx: typer.Context,
    owner: Optional[str] = typer.Option(None, "--owner", "-o", metavar="NAME|me",
                                        help="Only the steps this person owns (whole name, any case; 'me': who "
                                             "`custview config set me` says)."),
    team: Optional[str] = typer.Option(None, "--team", metavar="TEAM", help=TEAM_HELP),
    ics: Optional[Path] = typer.Option(None, "--ics", metavar="FILE", help="Write the steps that have a due date "
                                       "to FILE as iCalendar to-dos (VTODO), readable by you only."),
    force: bool = typer.Option(False, "--force", help="With --ics: overwrite FILE if it exists."),
    limit: Optional[int] = LIMIT,
    jsonl: bool = JSONL,
    as_json: bool = json_option("the steps (or, with --ics, what was written)"),
) -> None:
    """List open next steps, soonest due first; or export them for a calendar or task app with --ics.

    'next-steps done S12 S14' marks promises kept, 'reopen' undoes that, 'edit' changes text, owner or due date.
    """
    if ctx.invoked_subcommand:
        return
    from custview.dates import utc_now

    app = Application.of(ctx, as_json)
    reader = app.reader
    # An owner who is not one of us (the customer, a partner) is found by the name as written on the step.
    written = owner is not None and owner.strip().lower() != "me" and reader.find_member(owner) is None
    steps = islice(reader.open_next_steps(owner if written else None,
                                          owner_filter(reader, None if written else owner, team)), limit)
    now = utc_now()
    if ics is not None:
        _export(app, ics, list(steps), now, force)
        return
    app.emit_rows(steps, _as_data, lambda: draw.NextStepsDrawing(now), jsonl=jsonl)


def _export(app: Application, path: Path, steps, now, force: bool) -> None:
    from custview.exporters.calendar import write_calendar

    written = write_calendar(path, steps, now, force=force)
    app.emit({"file": str(written.path), "todos": written.todos, "without_due_date": written.without_due_date},
             lambda: draw.render_calendar_written(written))
    if written.without_due_date and not app.as_json:
        from custview.cli.terminal import error_console

        count = written.without_due_date
        error_console().print(draw.render_notes([f"{count} open next step{'s' if count != 1 else ''} without a due "
                                                 f"date {'were' if count != 1 else 'was'} left out"]))


def _as_data(step) -> dict:
    """One step as plain data for --json: moments in ISO 8601 UTC, from their stored form."""
    return {"id": f"S{step.id}", "step": step.step, "owner": step.owner,
            "due": None if step.due_stored is None else stored_as_iso(step.due_stored), "contact": step.contact,
            "email": step.contact_email, "company": step.company, "appointment": step.appointment,
            "met_at": stored_as_iso(step.met_stored)}


def step_numbers(references: list[str]) -> list[int]:
    """The row ids of steps written S12, s12, #12 or 12; one error naming every reference that is not one."""
    numbers, bad = [], []
    for reference in references:
        text = reference.strip().lstrip("#")
        text = text[1:] if text[:1] in ("S", "s") else text
        if text.isdigit():
            numbers.append(int(text))
        else:
            bad.append(repr(reference))
    if bad:
        raise UserError(f"not a next step id: {', '.join(bad)} (ids look like S12, as shown by brief, today and next-steps)")
    return list(dict.fromkeys(numbers))


def _report(ctx: typer.Context, verb: str, steps, as_json: bool) -> None:
    from custview.cli.commands.log import step_data

    Application.of(ctx, as_json).emit([step_data(step) for step in steps],
                                      lambda: draw.render_steps_changed(verb, steps))


@app.command()
def done(
    ctx: typer.Context,
    ids: list[str] = typer.Argument(..., metavar="ID...", help="Step ids as shown by brief, today and next-steps (S12)."),
    when: str = typer.Option("now", "--when", "-w", metavar="DATE", help="When the promise was kept (default now)."),
    as_json: bool = json_option("the steps"),
) -> None:
    """Mark promises kept: they leave health, attention and the overdue marks, and show in the timeline."""
    from custview.dates import parse_when
    from custview.db.meetings import mark_steps_done

    try:
        moment = parse_when(when)
    except ValueError as error:
        raise UserError(f"--when: {error}") from None
    steps = Application.of(ctx).writer().change_steps(mark_steps_done, step_numbers(ids), moment)
    _report(ctx, "Done", steps, as_json)


@app.command()
def reopen(
    ctx: typer.Context,
    step: str = typer.Argument(..., metavar="ID", help="The step id (S12)."),
    as_json: bool = json_option("the step"),
) -> None:
    """Make a step marked done open again."""
    from custview.db.meetings import reopen_step

    _report(ctx, "Reopened", [Application.of(ctx).writer().change_steps(reopen_step, step_numbers([step])[0])], as_json)


@app.command()
def edit(
    ctx: typer.Context,
    step: str = typer.Argument(..., metavar="ID", help="The step id (S12)."),
    due: Optional[str] = typer.Option(None, "--due", metavar="DATE", help="New due date (e.g. +1w); 'none' clears it."),
    owner: Optional[str] = typer.Option(None, "--owner", help="New owner; 'none' clears it."),
    text: Optional[str] = typer.Option(None, "--text", help="New wording of the step."),
    as_json: bool = json_option("the step"),
) -> None:
    """Change a step's due date, owner or wording."""
    from custview.dates import parse_when
    from custview.db.meetings import edit_step

    changes, problems = {}, []
    if due is not None:
        try:
            changes["due_at"] = None if due.strip().lower() == "none" else parse_when(due)
        except ValueError as error:
            problems.append(f"--due: {error}")
    if owner is not None:
        changes["owner"] = None if owner.strip().lower() in ("none", "") else owner.strip()
    if text is not None:
        if not text.strip():
            problems.append("--text: empty")
        changes["step"] = text.strip()
    if not changes and not problems:
        problems.append("nothing to change: give --due, --owner or --text")
    if problems:
        raise UserError(*problems)
    _report(ctx, "Edited", [Application.of(ctx).writer().change_steps(edit_step, step_numbers([step])[0], changes)],
            as_json)
