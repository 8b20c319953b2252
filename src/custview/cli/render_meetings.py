"""Drawing for the meeting loop: a planned or logged meeting, promises kept, and the day's agenda.

The building blocks (`_text`, `_line`, styles) are render.py's, so data is never read as markup.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from rich import box
from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.text import Text

from custview.cli.render import _date, _line, _text
from custview.dates import days_between, describe_age, to_local
from custview.names import attendee_name
from custview.printable import printable

LOGGED = {"created": "Logged meeting", "completed": "Completed the planned meeting", "updated": "Added to meeting"}


def plural(count: int, noun: str, many: str | None = None) -> str:
    """"1 next step", "2 next steps"."""
    return f"{count} {noun if count == 1 else many or noun + 's'}"


def meeting_time(moment: datetime, as_of: datetime) -> str:
    """When a meeting is, as people say it: "Tue 14:00 (in 2 days)" within a week, else "03 Aug 2026 14:00"."""
    local = to_local(moment)
    days = days_between(as_of, moment)
    day = f"{local:%a}" if 0 <= days < 7 else f"{local:%d %b %Y}"
    return f"{day} {local:%H:%M} ({describe_age(moment, as_of)})"


def step_id(step) -> str:
    """A next step's short id, as typed to `next-steps done`: S12."""
    return f"S{step.id}"


def people_text(attendees) -> str:
    """(name, role) pairs as "Sarah Chen (evaluator), Dana Ortiz (us, account manager)"."""
    return ", ".join(_person(name, role) for name, role in attendees)


def _person(name: str, role: str | None) -> str:
    name = printable(name)
    if not role:
        return name
    if name.endswith(")") and "(" in name:  # "Dana Ortiz (us)" + role: one pair of brackets
        return f"{name[:-1]}, {printable(role)})"
    return f"{name} ({printable(role)})"


def render_logged(logged, contact_name: str, planned: bool = False) -> RenderableType:
    """A meeting as just planned or logged: when, with whom, outcome, decisions, next steps (with ids)."""
    a = logged.appointment
    lines = [_line(("When: ", "label"), f"{to_local(a.scheduled_at):%a %d %b %Y %H:%M}", ("  " + a.kind, "muted"))]
    if not planned:
        lines.append(_line(("Outcome: ", "label"), a.outcome or "not recorded"))
    if logged.attendees:
        lines.append(_line(("With: ", "label"), people_text((attendee_name(a), a.role) for a in logged.attendees)))
    lines.extend(_line(("Decided: ", "label"), d) for d in a.decisions)
    for step in logged.next_steps:
        lines.append(_step_line(step))
    if logged.stage_change:
        change = logged.stage_change
        lines.append(_line(("Stage: ", "label"), (change.previous_stage or "—", "muted"), " → ", (change.stage, "stage")))
    if planned:
        heading = "Planned meeting" if logged.action == "created" else "Already planned: meeting"
    else:
        heading = LOGGED[logged.action]
    title = _line((f"{heading} #{a.id}: ", "good"), (a.purpose, "title"), (f" with {contact_name}", "muted"))
    return Panel(Group(*lines), title=title, title_align="left", box=box.ROUNDED, padding=(0, 1))


def _step_line(step) -> Text:
    mark = "☑" if step.done else "☐"
    due = f"  due {_date(step.due_at)}" if step.due_at else ""
    return _line(f"{mark} ", (step_id(step), "muted"), " ", step.step, (f" — {step.owner}" if step.owner else "", "muted"),
                 (due, "muted"))


def render_steps_changed(verb: str, steps) -> RenderableType:
    """What `next-steps done|reopen|edit` did, one line per step."""
    return Group(*(_line((f"{verb} ", "good"), (step_id(s), "title"), " ", s.step,
                         (f" — {s.owner}" if s.owner else "", "muted"),
                         (f"  due {_date(s.due_at)}" if s.due_at else "", "muted")) for s in steps))


def render_agenda(items, start: datetime, days: int, as_of: datetime) -> RenderableType:
    """The agenda: a heading per day, then each meeting with who, stage and health, readiness, what to
    raise first and overdue promises."""
    from custview.cli.render import STYLES

    last = to_local(start) + timedelta(days=days - 1)
    span = f"{to_local(start):%a %d %b} – {last:%a %d %b %Y}" if days > 1 else f"{to_local(start):%a %d %b %Y}"
    if not items:
        return _text(f"No planned meetings on {span}. Plan one with 'custview plan NAME --when WHEN'.", "muted")
    lines: list = [_text(f"{span} — {plural(len(items), 'planned meeting')}", "title")]
    day = None
    for item in items:
        local = to_local(item.at)
        if days > 1 and local.date() != day:
            day = local.date()
            lines.append(_text(f"{local:%a %d %b}", "label"))
        lines.append(_agenda_item(item, as_of, STYLES))
    return Group(*lines)


def _agenda_item(item, as_of: datetime, styles: dict) -> RenderableType:
    from rich.table import Table

    table = Table.grid(padding=(0, 2))
    table.add_column(no_wrap=True, style=styles["title"])
    table.add_column()
    ref = f"#{item.meeting_id} " if item.meeting_id else ""
    rows = [_line((ref, "muted"), (item.purpose, "title"), (f" · {item.kind}" if item.kind != "other" else "", "muted"))]
    if item.contact:
        health = {"healthy": "good", "watch": "warning", "at risk": "danger"}[item.health_label]
        rows.append(_line(item.contact, (f" · {item.company}" if item.company else "", "muted"), " — ",
                          (item.stage, "stage"), ", ", (f"{item.health_label} {item.health_score}", health)))
    else:
        rows.append(_text("nobody in the book among its people: " + (", ".join(item.attendees) or "no attendees"),
                          "muted"))
    if item.behaves_like:
        rows.append(_text(f"Behaves like a {item.behaves_like}: ready for a specific conversation", "warning"))
    if item.talking_point:
        rows.append(_line(("First: ", "label"), item.talking_point))
    for step in item.overdue:
        rows.append(_line(("Overdue: ", "danger"), (step_id(step), "muted"), " ", step.step,
                          (f" — {step.owner}" if step.owner else "", "muted"),
                          (f", due {describe_age(step.due_at, as_of)}", "danger")))
    table.add_row(_text(f"{to_local(item.at):%H:%M}"), Group(*rows))
    return table
