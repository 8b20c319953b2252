"""`custview today`: the day's planned meetings, each with what to know walking in."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from custview.cli import draw
from custview.cli.application import Application
from custview.cli.commands._common import command_app, json_option, pick_member
from custview.errors import UserError

app = command_app()


@app.command()
def today(
    ctx: typer.Context,
    date: str = typer.Option("today", "--date", metavar="DATE", help="The day to show (e.g. tomorrow, Tue, 2026-06-16)."),
    days: int = typer.Option(1, "--days", "-n", min=1, max=31, help="How many days from --date."),
    owner: Optional[str] = typer.Option(None, "--owner", metavar="NAME|me", help="Only meetings NAME attends (e.g. one of us: 'Dana Ortiz'; 'me': who `custview config set me` says)."),
    team: Optional[str] = typer.Option(None, "--team", metavar="TEAM", help="Only meetings a member of this team attends: sales, service, success or marketing."),
    ics: Optional[Path] = typer.Option(None, "--ics", metavar="FILE", help="Read the meetings from this calendar file instead of the book (nothing is imported)."),
    as_json: bool = json_option("the agenda"),
) -> None:
    """The agenda: planned meetings in time order, with stage, health, readiness, the first talking point and overdue promises."""
    from custview.dates import local_day, parse_when, utc_now

    try:
        start, end = local_day(parse_when(date), days)
    except ValueError as error:
        raise UserError(f"--date: {error}") from None
    now = utc_now()
    app = Application.of(ctx, as_json)
    reader = app.reader
    people = _attending(reader, owner, team)
    items = _from_calendar(reader, ics, start, end, now) if ics else _from_book(reader, start, end, now)
    if people is not None:
        from custview.insight.agenda import attended_by

        items = [item for item in items if any(attended_by(item.attendees, person) for person in people)]
    app.emit(items, lambda: draw.render_agenda(items, start, days, now))


def _attending(reader, owner: str | None, team: str | None) -> list[str] | None:
    """The names of whom --owner and --team ask for (both: that member, if in that team); None for everyone."""
    from custview.cli.commands._common import owner_filter

    owned = owner_filter(reader, None, team)  # checks the team's name
    if owner is None and owned is None:
        return None
    if owner is not None and owner.strip().lower() != "me" and reader.find_member(owner) is None:
        names = [owner.strip()]  # not one of us: by the name as written on the invitation
    elif owner is not None:
        names = [pick_member(reader, owner).name]
    else:
        names = [m.name for m in reader.members()]
    return [name for name in names if owned is None or any(m.name == name and m.team == owned.team
                                                            for m in reader.members())]


def _briefing(reader, contact_id: int, now, cache: dict):
    from custview.insight.briefing import build_briefing

    if contact_id not in cache:
        cache[contact_id] = build_briefing(reader.contact_history(contact_id), now)
    return cache[contact_id]


def _from_book(reader, start, end, now) -> list:
    from custview.names import attendee_name
    from custview.insight.agenda import agenda_item

    briefings: dict = {}
    return [agenda_item(a.id, a.scheduled_at, a.purpose, a.kind, [attendee_name(p) for p in record.attendees],
                        _briefing(reader, a.contact_id, now, briefings))
            for record in reader.planned_meetings(start, end) if (a := record.appointment)]


def _from_calendar(reader, path: Path, start, end, now) -> list:
    """The calendar's events in the window, each with the briefing of the first known contact among its people."""
    from custview.dates import parse_when
    from custview.importers.ics_source import read_ics_records
    from custview.insight.agenda import agenda_item

    briefings: dict = {}
    items = []
    for record in read_ics_records(path):
        if record.kind != "appointments":
            continue
        at = parse_when(record.data["at"])
        if not start <= at < end:
            continue
        known = next((found[0] for email in record.data.get("contact", [])
                      if len(found := reader.find_contacts(email)) == 1 and found[0].email), None)
        briefing = _briefing(reader, known.id, now, briefings) if known else None
        items.append(agenda_item(None, at, record.data["purpose"], "other",
                                 [p["name"] for p in record.data.get("attendees", [])], briefing))
    return sorted(items, key=lambda item: item.at)
