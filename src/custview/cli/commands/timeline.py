"""`custview timeline NAME`: a contact's or a company's whole history in date order."""

from __future__ import annotations

from dataclasses import asdict
from typing import Optional

import typer

from custview.cli.commands._common import command_app, open_reader, pick_contact
from custview.errors import UserError

app = command_app()


@app.command()
def timeline(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="A contact (name or email) or a company name."),
    since: Optional[str] = typer.Option(None, "--since", metavar="DATE", help="Only events from this date on (e.g. -3m)."),
    kinds: list[str] = typer.Option([], "--kind", "-k", help="Only these kinds: signal, appointment, ticket, stage, note, merge, step (repeatable)."),
    as_json: bool = typer.Option(False, "--json", help="Print the events as JSON."),
    pager: bool = typer.Option(True, "--pager/--no-pager", help="Page long histories on a terminal."),
) -> None:
    """Everything in date order: signals, meetings with outcomes, tickets, stage changes, notes and merges."""
    from custview.dates import parse_when
    from custview.insight.timeline import EVENT_KINDS, build_timeline

    problems = [f"--kind: unknown kind {k!r} (expected one of: {', '.join(EVENT_KINDS)})" for k in kinds if k.lower() not in EVENT_KINDS]
    start = None
    if since:
        try:
            start = parse_when(since)
        except ValueError as error:
            problems.append(f"--since: {error}")
    if problems:
        raise UserError(*problems)
    subject, histories = _histories_for(open_reader(ctx), name)
    events = build_timeline(histories, start, tuple(k.lower() for k in kinds) or EVENT_KINDS)
    if as_json:
        from custview.cli.terminal import print_json

        print_json({"subject": subject, "events": [
            {**{k: v for k, v in asdict(e).items() if k != "key"}, "at": e.at} for e in events]})
        return
    from custview.cli.render import render_timeline
    from custview.cli.terminal import console

    out = console()
    drawing = render_timeline(subject, events)
    if pager and out.is_terminal and len(events) > out.height:
        with out.pager(styles=True):
            out.print(drawing)
    else:
        out.print(drawing)


def _histories_for(reader, name: str):
    """The contact, or every contact of the company, that NAME means; a company wins on an exact name."""
    companies = reader.find_companies(name)
    exact_company = [c for c in companies if c.name.lower() == name.strip().lower()]
    if not exact_company and reader.find_contacts(name):
        contact = pick_contact(reader, name)
        return contact.name, [reader.contact_history(contact.id)]
    if len(exact_company or companies) == 1:
        company = (exact_company or companies)[0]
        return company.name, reader.contact_histories(company_id=company.id)
    if companies:
        raise UserError(f"{len(companies)} companies match {name!r}: {', '.join(c.name for c in companies)}. Use more of the name.", exit_code=2)
    return pick_contact(reader, name)  # no match at all: the usual "did you mean"
