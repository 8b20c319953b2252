"""Open next steps as an iCalendar file of to-dos, for calendar and task apps.

Each next step with a due date becomes a VTODO with DUE, not an all-day VEVENT: a next step is a
promise with a deadline, not time blocked in a day. A to-do keeps its deadline, shows as "needs
action" and can be ticked off in task apps (Thunderbird, Apple Reminders, Evolution, Nextcloud
Tasks); an all-day event would sit in the day's schedule with nothing to tick. Steps without a
due date are left out (a calendar has nowhere to put them).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, time
from pathlib import Path

from custview.dates import to_local
from custview.errors import UserError
from custview.exporters.files import refuse_existing, write_private_files

PRODUCT = "-//custview//next steps//EN"


@dataclass
class CalendarFile:
    """What was written: where, how many to-dos, and how many open steps had no due date."""

    path: Path
    todos: int
    without_due_date: int


def next_steps_calendar(steps, now: datetime) -> bytes:
    """A VCALENDAR with a VTODO for every step that has a due date (see custview.db.history.OpenStep)."""
    from icalendar import Calendar, Todo

    calendar = Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    for step in steps:
        if step.due_at is None:
            continue
        todo = Todo()
        todo.add("uid", step_uid(step))
        todo.add("dtstamp", now)
        todo.add("summary", step.step)
        todo.add("due", _due(step.due_at))
        todo.add("status", "NEEDS-ACTION")
        todo.add("contact", f"{step.contact}, {step.company}" if step.company else step.contact)
        todo.add("description", _description(step))
        calendar.add_component(todo)
    return calendar.to_ical()


def step_uid(step) -> str:
    """A UID that stays the same each time the same step is exported, so calendar apps update, not duplicate."""
    key = f"custview:next-step:{step.id}:{step.contact_email or step.contact}:{step.met_at.isoformat()}"
    return f"{uuid.uuid5(uuid.NAMESPACE_URL, key)}@custview"


def _due(moment: datetime):
    """A due date set as a day (local midnight) is a DATE; a due time is kept as the moment it is."""
    local = to_local(moment)
    return local.date() if local.time() == time() else moment


def _description(step) -> str:
    who = f"{step.contact} ({step.company})" if step.company else step.contact
    lines = [f"For {who}.", f"Promised at: {step.appointment}, {to_local(step.met_at):%d %b %Y}."]
    if step.owner:
        lines.append(f"Owner: {step.owner}.")
    return "\n".join(lines)


def write_calendar(path: Path, steps, now: datetime, force: bool = False) -> CalendarFile:
    """Write the next steps calendar to `path`, readable by its owner only; an existing file only with `force`."""
    path = path.expanduser()
    if path.is_dir():
        raise UserError(f"{path}: is a folder (give a file name, e.g. next-steps.ics)")
    refuse_existing([path], force)
    write_private_files({path: next_steps_calendar(steps, now)})
    dated = sum(1 for step in steps if step.due_at is not None)
    return CalendarFile(path, dated, len(steps) - dated)
