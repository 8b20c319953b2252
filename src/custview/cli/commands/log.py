"""`custview log NAME`: record how an appointment went, what was decided and what happens next."""

from __future__ import annotations

import sys
from typing import Optional

import typer

from custview.cli.commands._common import command_app, open_reader, open_store, parse_stage_option, pick_contact
from custview.dates import parse_when
from custview.errors import UserError

app = command_app()


@app.command()
def log(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Contact name or email, whole or in part."),
    purpose: Optional[str] = typer.Option(None, "--purpose", "-p", help="Why you met (asked for if missing)."),
    outcome: Optional[str] = typer.Option(None, "--outcome", "-o", help="What came of it (asked for if missing)."),
    kind: str = typer.Option("other", "--kind", "-k", help="discovery, implementation, check-in, review, strategic or other."),
    when: str = typer.Option("now", "--when", "-w", metavar="DATE", help="When it happened (default now; e.g. '-1d 14:00')."),
    decisions: list[str] = typer.Option([], "--decision", "-d", help="A decision made (repeatable)."),
    next_steps: list[str] = typer.Option([], "--next", "-n", help="A next step (repeatable)."),
    dues: list[str] = typer.Option([], "--due", metavar="DATE", help="Due date of the matching --next, in order (e.g. +3d)."),
    owners: list[str] = typer.Option([], "--owner", help="Owner of the matching --next, in order."),
    attendees: list[str] = typer.Option([], "--attendee", "-a", metavar="NAME[:ROLE]", help="Someone else who attended (repeatable)."),
    stage: Optional[str] = typer.Option(None, "--stage", "-s", help="Move the contact to this Value Path stage."),
    as_json: bool = typer.Option(False, "--json", help="Print the saved appointment as JSON."),
) -> None:
    """Log an appointment outcome: decisions, next steps with owners and due dates, attendees, stage move."""
    from custview.db.rows import APPOINTMENT_KINDS

    problems = []
    kind_value = kind.strip().lower()
    if kind_value not in APPOINTMENT_KINDS:
        problems.append(f"--kind: unknown kind {kind!r} (expected one of: {', '.join(APPOINTMENT_KINDS)})")
    stage_value = None
    try:
        stage_value = parse_stage_option(stage)
    except UserError as error:
        problems.extend(error.problems)
    moment = _parse_date("--when", when, problems)
    if len(dues) > len(next_steps) or len(owners) > len(next_steps):
        problems.append("--due/--owner: each belongs to a --next, in order; there are more of them than --next steps")
    steps = [
        {
            "step": step,
            "due_at": _parse_date("--due", dues[i], problems) if i < len(dues) else None,
            "owner": owners[i] if i < len(owners) else None,
        }
        for i, step in enumerate(next_steps)
    ]
    if problems:
        raise UserError(*problems)
    contact = pick_contact(open_reader(ctx), name)
    purpose = purpose or _ask("--purpose", "Purpose of the meeting")
    outcome = outcome or _ask("--outcome", "Outcome")
    people = [(person.partition(":")[0].strip(), person.partition(":")[2].strip() or None) for person in attendees]
    record, change = open_store(ctx).log_appointment(contact.id, purpose, kind_value, moment, outcome, list(decisions), steps,
                                           people, stage_value)
    if as_json:
        from custview.cli.terminal import print_json

        print_json(_as_data(record, change))
    else:
        from custview.cli.render import render_appointment
        from custview.cli.terminal import console

        console().print(render_appointment(record, contact.name, change))


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


def _as_data(record, change) -> dict:
    a = record.appointment
    return {
        "id": a.id,
        "purpose": a.purpose,
        "kind": a.kind,
        "scheduled_at": a.scheduled_at,
        "outcome": a.outcome,
        "decisions": a.decisions,
        "attendees": [{"name": p.name, "role": p.role, "contact_id": p.contact_id} for p in record.attendees],
        "next_steps": [
            {"step": s.step, "owner": s.owner, "due_at": s.due_at}
            for s in record.next_steps
        ],
        "stage_change": {"from": change.previous_stage, "to": change.stage} if change else None,
    }
