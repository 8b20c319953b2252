"""`custview timeline NAME|COMPANY`: a contact's or an account's whole history in date order."""

from __future__ import annotations

from dataclasses import asdict
from typing import Optional

import typer

from custview.cli import draw
from custview.cli.application import Application
from custview.cli.commands._common import JSONL, command_app, json_option, pick_contact_or_company
from custview.errors import UserError

app = command_app()


@app.command()
def timeline(
    ctx: typer.Context,
    name: Optional[str] = typer.Argument(None, help="A contact (name, email, part of one, #ID) or a company (name, "
                                        "part of one, domain, merged-in name)."),
    company: Optional[str] = typer.Option(None, "--company", "-c", help="The company (also #ID) instead of NAME."),
    since: Optional[str] = typer.Option(None, "--since", metavar="DATE", help="Only events from this date on (e.g. -3m)."),
    kinds: list[str] = typer.Option([], "--kind", "-k", help="Only these kinds: signal, appointment, ticket, stage, note, merge, step, handover (repeatable)."),
    limit: Optional[int] = typer.Option(None, "--limit", "-n", min=1, metavar="N",
                                        help="Only the latest N events (still oldest first)."),
    jsonl: bool = JSONL,
    as_json: bool = json_option("the events"),
    pager: bool = typer.Option(True, "--pager/--no-pager", help="Page long histories on a terminal."),
) -> None:
    """Everything in date order: signals, meetings with outcomes, tickets, stage changes, notes and merges.

    For a company: every person's events, marked with who, and the company's own.
    """
    from custview.dates import parse_when
    from custview.insight.timeline import EVENT_KINDS

    problems = [f"--kind: unknown kind {k!r} (expected one of: {', '.join(EVENT_KINDS)})" for k in kinds if k.lower() not in EVENT_KINDS]
    start = None
    if since:
        try:
            start = parse_when(since)
        except ValueError as error:
            problems.append(f"--since: {error}")
    if (name is None) == (company is None):
        problems.append("Give a contact or company NAME, or --company COMPANY (one of them).")
    if problems:
        raise UserError(*problems)
    app = Application.of(ctx, as_json)
    subject, events = _events_for(app.reader, name, company, start, tuple(k.lower() for k in kinds) or EVENT_KINDS)
    events = events[-limit:] if limit else events
    app.emit_rows(events, _event_data, lambda: draw.TimelineDrawing(subject), jsonl=jsonl,
                  json_around=({"subject": subject}, "events"),
                  lines=sum(1 + len(e.details) + bool(e.made_by) for e in events) if pager else None)


def _event_data(event) -> dict:
    """One event as plain data for --json and --jsonl."""
    return {**{k: v for k, v in asdict(event).items() if k != "key"}, "at": event.at}


def _events_for(reader, name: str | None, company: str | None, start, kinds):
    """(the subject's name, its events): a contact's own timeline, or the account's."""
    from custview.insight.timeline import build_account_timeline, build_timeline

    kind, found = pick_contact_or_company(reader, name or "", company)
    if kind == "contact":
        return found.name, build_timeline([reader.contact_history(found.id)], start, kinds)
    from custview.db.accounts import account_history

    return found.name, build_account_timeline(account_history(reader, found), start, kinds)
