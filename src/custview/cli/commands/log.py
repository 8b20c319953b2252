"""`custview log NAME`: record how a meeting went, onto the meeting that was planned, with what happens next."""

from __future__ import annotations

import sys
from typing import Optional

import typer

from custview.cli import draw
from custview.cli.application import Application
from custview.cli.commands._common import (command_app, json_option, parse_stage_option, pick_contact,
                                           resolve_attendees)
from custview.dates import parse_when
from custview.printable import has_line_break, printable
from custview.errors import UserError

app = command_app()

STEP_HELP = ("A next step (repeatable): \"TEXT | OWNER | DUE\", owner and due date optional, "
             "e.g. \"Send the proposal | Dana Ortiz | +3d\".")


@app.command()
def log(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Contact name or email, whole or in part, or #ID."),
    purpose: Optional[str] = typer.Option(None, "--purpose", "-p", help="Why you met (asked for if missing and no meeting was planned)."),
    outcome: Optional[str] = typer.Option(None, "--outcome", "-o", help="What came of it (asked for if missing)."),
    kind: Optional[str] = typer.Option(None, "--kind", "-k", help="discovery, implementation, check-in, review, strategic or other."),
    when: str = typer.Option("now", "--when", "-w", metavar="DATE", help="When it happened (default now; e.g. '-1d 14:00')."),
    meeting: Optional[str] = typer.Option(None, "--meeting", "-m", metavar="ID", help="The planned meeting to complete (default: theirs that day, nearest to --when)."),
    decisions: list[str] = typer.Option([], "--decision", "-d", help="A decision made (repeatable)."),
    next_steps: list[str] = typer.Option([], "--next", "-n", metavar="TEXT[ | OWNER[ | DUE]]", help=STEP_HELP),
    due: Optional[str] = typer.Option(None, "--due", metavar="DATE", help="Due date of the only --next (e.g. +3d)."),
    owner: Optional[str] = typer.Option(None, "--owner", help="Owner of the only --next."),
    attendees: list[str] = typer.Option([], "--attendee", "-a", metavar="NAME[:ROLE]", help="Someone else who attended (repeatable)."),
    stage: Optional[str] = typer.Option(None, "--stage", "-s", help="Move the contact to this Value Path stage."),
    as_json: bool = json_option("the saved meeting"),
) -> None:
    """Log how a meeting went: completes the planned one (or adds it), with decisions, next steps and attendees."""
    from custview.db.meetings import MeetingDetails

    problems = []
    kind_value = check_kind(kind, problems)
    stage_value = None
    try:
        stage_value = parse_stage_option(stage)
    except UserError as error:
        problems.extend(error.problems)
    moment = _parse_date("--when", when, problems)
    meeting_id = _meeting_number(meeting, problems)
    steps = parse_steps(next_steps, owner, due, problems)
    problems += [f"--attendee {printable(person)!r}: {why}" for person in attendees
                 if (why := _not_a_name(person.partition(":")[0].strip()))]
    if problems:
        raise UserError(*problems)
    app = Application.of(ctx, as_json)
    reader = app.reader
    contact = pick_contact(reader, name)
    people, warnings = resolve_attendees(reader, attendees, contact.company_id)
    if not purpose and meeting_id is None and not _planned_that_day(reader, contact.id, moment):
        purpose = _ask("--purpose", "Purpose of the meeting")
    outcome = outcome or _ask("--outcome", "Outcome")
    details = MeetingDetails(purpose, kind_value, outcome, tuple(decisions), tuple(people), tuple(steps))
    logged = app.writer().log_appointment(contact.id, moment, details, stage_value, meeting_id)
    app.warn(warnings)
    app.emit(meeting_data(logged), lambda: draw.render_logged(logged, contact.name))


def check_kind(kind: str | None, problems: list[str]) -> str | None:
    """The meeting kind given, in lower case; a problem noted if it is not one of APPOINTMENT_KINDS."""
    from custview.db.rows import APPOINTMENT_KINDS

    if kind is None:
        return None
    value = kind.strip().lower()
    if value not in APPOINTMENT_KINDS:
        problems.append(f"--kind: unknown kind {kind!r} (expected one of: {', '.join(APPOINTMENT_KINDS)})")
    return value


def parse_steps(texts: list[str], owner: str | None, due: str | None, problems: list[str]) -> list[dict]:
    """Next steps written "TEXT | OWNER | DUE"; --owner/--due may stand in for the only step's fields."""
    if (owner or due) and len(texts) != 1:
        problems.append("--owner/--due: give them inside each --next instead (\"TEXT | OWNER | DUE\"), "
                        f"so they cannot pair with the wrong step; there are {len(texts)} --next here")
        return []
    steps = []
    for text in texts:
        parts = [part.strip() for part in text.split("|")]
        if len(parts) > 3 or not parts[0]:
            problems.append(f"--next: {text!r}: expected \"TEXT | OWNER | DUE\" (owner and due date optional)")
            continue
        step_owner = (parts[1] if len(parts) > 1 else "") or owner
        step_due, option = ((parts[2], "--next") if len(parts) > 2 and parts[2] else (due, "--due"))
        steps.append({"step": parts[0], "owner": step_owner or None,
                      "due_at": _parse_date(option, step_due, problems) if step_due else None, "done": False})
    return steps


def _meeting_number(text: str | None, problems: list[str]) -> int | None:
    if text is None:
        return None
    digits = text.strip().lstrip("#")
    if not digits.isdigit():
        problems.append(f"--meeting: {text!r} is not a meeting id (e.g. 12 or #12, as shown by 'custview today')")
        return None
    return int(digits)


def _planned_that_day(reader, contact_id: int, moment) -> bool:
    from custview.dates import local_day

    return bool(reader.planned_meetings(*local_day(moment), contact_id=contact_id))


def _not_a_name(text: str) -> str | None:
    """Why `text` cannot be someone's name, or None."""
    if not text:
        return "no name (write NAME or NAME:ROLE)"
    if has_line_break(text):
        return "a name is one line"
    return None


def _parse_date(option: str, value: str, problems: list[str]):
    try:
        return parse_when(value)
    except ValueError as error:
        problems.append(f"{option}: {error}")
        return None


def _interactive() -> bool:
    return sys.stdin.isatty()


def _ask(option: str, prompt: str) -> str:
    if not _interactive():
        raise UserError(f"{option} is required (no terminal to ask on)")
    answer = ""
    while not answer.strip():
        answer = typer.prompt(prompt)
    return answer.strip()


def meeting_data(logged) -> dict:
    """A planned or logged meeting as plain data for --json."""
    a = logged.appointment
    change = logged.stage_change
    return {
        "id": a.id,
        "action": logged.action,
        "purpose": a.purpose,
        "kind": a.kind,
        "scheduled_at": a.scheduled_at,
        "outcome": a.outcome,
        "decisions": a.decisions,
        "attendees": [{"name": p.name, "role": p.role, "contact_id": p.contact_id} for p in logged.attendees],
        "next_steps": [step_data(s) for s in logged.next_steps],
        "stage_change": {"from": change.previous_stage, "to": change.stage} if change else None,
    }


def step_data(step) -> dict:
    """One next step as plain data: its short id, text, owner, due date and whether (and when) it was done."""
    return {"id": f"S{step.id}", "step": step.step, "owner": step.owner, "due_at": step.due_at, "done": step.done,
            "done_at": step.done_at}
