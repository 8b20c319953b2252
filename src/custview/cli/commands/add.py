"""`custview add contact|company|signal|ticket|note|service|criterion`: keep the book current without writing YAML.

Each sub-command builds one record and sends it through the importer's own checks and upserts,
so a record added here behaves exactly like one imported from a file.
"""

from __future__ import annotations

from typing import Optional

import typer

from custview.cli import draw
from custview.cli.application import Application
from custview.cli.commands._common import command_app, json_option, pick_company, pick_contact, record_number

app = command_app(help="Add (or update) one record: contact, company, member, signal, ticket, note, service or "
                       "success criterion.", no_args_is_help=True)


AS_JSON = json_option("what was saved")


def _save(ctx: typer.Context, kind: str, noun: str, data: dict, as_json: bool) -> None:
    """Write one record through the importer; say whether it was added, updated or already so."""
    app = Application.of(ctx, as_json)
    record, outcome = _write(app, kind, noun, data)
    app.emit({"kind": noun, "outcome": outcome, "record": record.data},
             lambda: draw.render_saved(outcome, noun, record.label()))


def _write(app: Application, kind: str, noun: str, data: dict):
    """Write one record through the importer's checks and upserts; the record and what happened to it."""
    from custview.importers import SourceRecord, write_records

    record = SourceRecord(kind, {k: v for k, v in data.items() if v not in (None, [], "")}, f"add {noun}", 0, 0)
    counts = write_records(app.writer(new_records=kind in ("contact", "company")), [record])
    return record, next(iter(counts[kind]), "unchanged")


def _save_at_company(ctx: typer.Context, noun: str, company, data: dict, as_json: bool) -> None:
    """Write a service or success criterion of `company` (what was not given stays as stored) and show it
    as stored, with its number."""
    kind, key_field, row_type = _AT_COMPANY[noun]
    app = Application.of(ctx, as_json)
    key = data[key_field].strip()
    if (was := _company_row(app, row_type(), key_field, company, key)) is not None:
        data = {field: value if value is not None else _as_given(getattr(was, column))
                for field, column, value in _fields(data)}
    _, outcome = _write(app, kind, noun, data)
    row = _company_row(app, row_type(), key_field, company, key)
    app.emit({"outcome": outcome, "company": company.name, **row._asdict()},
             lambda: draw.render_saved(outcome, noun, f"#{row.id} {key} ({company.name}, {row.status})"))


# The file field of each column of a service or success criterion, as `add` takes them.
_COLUMNS = {"start": "start_at", "end": "end_at"}


def _fields(data: dict):
    """(field, stored column, value given) for each field of a record."""
    return [(field, _COLUMNS.get(field, field), value) for field, value in data.items()]


def _as_given(value):
    """A stored value as a record would give it again (a moment as ISO text)."""
    from datetime import datetime

    from custview.dates import iso_utc

    return iso_utc(value) if isinstance(value, datetime) else value


def _company_row(app: Application, row_type, column: str, company, key: str):
    """The service or success criterion called `key` at this company, as stored; None if there is none yet."""
    found = app.reader.rows(row_type, f"company_id = ? AND lower({column}) = lower(?)", (company.id, key))
    return found[0] if found else None


def _service_row():
    from custview.db.read_rows import Service

    return Service


def _criterion_row():
    from custview.db.read_rows import SuccessCriterion

    return SuccessCriterion


_AT_COMPANY = {"service": ("services", "name", _service_row),
               "success criterion": ("success_criteria", "metric", _criterion_row)}


def _company_name(ctx: typer.Context, company: str | None) -> str | None:
    """The exact name of the one existing company a --company option means (a part of its name will do).

    A name no company has is passed on as it is: the record's own checks refuse it, beside any other problem.
    """
    reader = Application.of(ctx).reader
    if company is None or (record_number(company) is None and not reader.find_companies(company)):
        return company
    return pick_company(reader, company, option="--company").name


def _contact_key(ctx: typer.Context, name: str) -> str:
    """The exact email (or name) of the one contact NAME means, for a record to refer to."""
    contact = pick_contact(Application.of(ctx).reader, name)
    return contact.email or contact.name


@app.command()
def contact(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Full name."),
    email: Optional[str] = typer.Option(None, "--email"),
    phone: Optional[str] = typer.Option(None, "--phone"),
    title: Optional[str] = typer.Option(None, "--title"),
    company: Optional[str] = typer.Option(None, "--company", help="An existing company (name, part of one, or #ID)."),
    role: Optional[str] = typer.Option(None, "--role", help="Role in buying decisions."),
    stage: Optional[str] = typer.Option(None, "--stage", help="Value Path stage (default Audience)."),
    channel: Optional[str] = typer.Option(None, "--channel", help="Preferred channel."),
    time: Optional[str] = typer.Option(None, "--time", help="Preferred time."),
    tone: Optional[str] = typer.Option(None, "--tone", help="Preferred tone."),
    context: Optional[str] = typer.Option(None, "--context", help="Key context to know."),
    as_json: bool = AS_JSON,
) -> None:
    """Add a contact, or update the one with this email (or name)."""
    preferences = {k: v for k, v in (("channel", channel), ("time", time), ("tone", tone)) if v}
    _save(ctx, "contacts", "contact", {"name": name, "email": email, "phone": phone, "title": title,
                                       "company": _company_name(ctx, company), "buying_role": role, "stage": stage,
                                       "preferences": preferences or None, "context": context}, as_json)


@app.command()
def company(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Company name."),
    domain: Optional[str] = typer.Option(None, "--domain"),
    industry: Optional[str] = typer.Option(None, "--industry"),
    size: Optional[str] = typer.Option(None, "--size"),
    stage: Optional[str] = typer.Option(None, "--stage", help="Account-level Value Path stage."),
    health: Optional[str] = typer.Option(None, "--health", help="healthy, watch or at risk."),
    summary: Optional[str] = typer.Option(None, "--summary"),
    as_json: bool = AS_JSON,
) -> None:
    """Add a company, or update the one with this name."""
    _save(ctx, "companies", "company", {"name": name, "domain": domain, "industry": industry, "size": size,
                                        "stage": stage, "health": health, "summary": summary}, as_json)


@app.command()
def member(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Full name of one of our people."),
    team: Optional[str] = typer.Option(None, "--team", help="sales, service, success or marketing."),
    email: Optional[str] = typer.Option(None, "--email"),
    role: Optional[str] = typer.Option(None, "--role", help="e.g. account manager, solutions engineer."),
    as_json: bool = AS_JSON,
) -> None:
    """Add one of our own people (who can own contacts, accounts, tickets and next steps), or update them."""
    _save(ctx, "members", "member", {"name": name, "team": team, "email": email, "role": role}, as_json)


@app.command()
def signal(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Contact name or email."),
    kind: str = typer.Option(..., "--kind", help="content, event, assessment, form, email, webinar, office hours…"),
    title: str = typer.Option(..., "--title"),
    topics: list[str] = typer.Option([], "--topic", help="A topic (repeatable)."),
    at: str = typer.Option("now", "--at", metavar="DATE", help="When (default now)."),
    detail: Optional[str] = typer.Option(None, "--detail", help="Result, question asked, page…"),
    source: Optional[str] = typer.Option(None, "--source"),
    as_json: bool = AS_JSON,
) -> None:
    """Record a signal: something a contact did."""
    _save(ctx, "signals", "signal", {"contact": _contact_key(ctx, name), "kind": kind, "title": title,
                                     "topics": topics, "at": at, "detail": detail, "source": source}, as_json)


@app.command()
def ticket(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Contact name or email who raised it."),
    subject: str = typer.Option(..., "--subject"),
    description: Optional[str] = typer.Option(None, "--description"),
    priority: str = typer.Option("normal", "--priority", help="low, normal, high or urgent."),
    kind: Optional[str] = typer.Option(None, "--kind", help="question, issue, optimization or expansion (default: from its words)."),
    ref: Optional[str] = typer.Option(None, "--ref", help="An id from another system."),
    opened: str = typer.Option("now", "--opened", metavar="DATE"),
    as_json: bool = AS_JSON,
) -> None:
    """Record a ticket raised by a contact."""
    _save(ctx, "tickets", "ticket", {"contact": _contact_key(ctx, name), "subject": subject, "description": description,
                                     "priority": priority, "kind": kind, "ref": ref, "opened": opened}, as_json)


@app.command()
def note(
    ctx: typer.Context,
    name: Optional[str] = typer.Argument(None, help="Contact name or email (or use --company)."),
    text: str = typer.Option(..., "--text"),
    company: Optional[str] = typer.Option(None, "--company", help="A company (name, part of one, or #ID), for a company note."),
    author: Optional[str] = typer.Option(None, "--author"),
    at: str = typer.Option("now", "--at", metavar="DATE"),
    as_json: bool = AS_JSON,
) -> None:
    """Write a note about a contact or a company."""
    contact = _contact_key(ctx, name) if name else None
    _save(ctx, "notes", "note", {"contact": contact, "company": _company_name(ctx, company), "text": text,
                                 "author": author, "at": at}, as_json)


@app.command()
def service(
    ctx: typer.Context,
    company: str = typer.Argument(..., help="The company it is delivered to (name, part of one, or #ID)."),
    name: str = typer.Argument(..., help="What is delivered, e.g. \"ERP pipeline rollout\"."),
    status: Optional[str] = typer.Option(None, "--status", help="planned (new services), active, at risk or delivered."),
    started: Optional[str] = typer.Option(None, "--started", metavar="DATE", help="When delivery started (or starts)."),
    ends: Optional[str] = typer.Option(None, "--ends", metavar="DATE", help="When delivery ends (or ended)."),
    as_json: bool = json_option("the service as stored"),
) -> None:
    """Add a service delivered to a company, or update the one with this name there (what is not given stays)."""
    firm = pick_company(Application.of(ctx).reader, company)
    _save_at_company(ctx, "service", firm, {"company": firm.name, "name": name, "status": status, "start": started,
                                            "end": ends, "owner": None}, as_json)


@app.command()
def criterion(
    ctx: typer.Context,
    company: str = typer.Argument(..., help="The company it was promised to (name, part of one, or #ID)."),
    metric: str = typer.Argument(..., help="What is measured, e.g. \"Meter-to-signal latency\"."),
    target: Optional[str] = typer.Option(None, "--target", help="The target agreed, e.g. \"under 15 minutes\"."),
    status: Optional[str] = typer.Option(None, "--status", help="on track (new criteria), at risk or met."),
    as_json: bool = json_option("the success criterion as stored"),
) -> None:
    """Add a success criterion (an outcome promised at purchase) to a company, or update the one with this metric
    (what is not given stays)."""
    firm = pick_company(Application.of(ctx).reader, company)
    _save_at_company(ctx, "success criterion", firm, {"company": firm.name, "metric": metric, "target": target,
                                                      "status": status}, as_json)
