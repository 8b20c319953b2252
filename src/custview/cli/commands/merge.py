"""`custview merge KEEP OTHER`: fold a duplicate contact or company into the one kept, after asking."""

from __future__ import annotations


import typer

from custview.cli import draw
from custview.cli.application import Application
from custview.cli.commands._common import (
    command_app,
    confirm_on_terminal,
    json_option,
    pick_company,
    pick_contact,
    record_number,
)
from custview.errors import UserError

app = command_app()

DUPLICATES_HINT = " Try 'custview duplicates --kind companies'."


@app.command()
def merge(
    ctx: typer.Context,
    keep: str = typer.Argument(..., metavar="KEEP", help="The record to keep: a contact (name or email) or a company name; #ID for a contact (a company with --company)."),
    other: str = typer.Argument(..., metavar="OTHER", help="The duplicate to merge into it, which then no longer exists."),
    company: bool = typer.Option(False, "--company", help="Both are companies (when the names could be either)."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation (for scripts)."),
    as_json: bool = json_option("what was merged"),
) -> None:
    """Merge the duplicate OTHER into KEEP (two contacts or two companies): every signal, appointment,
    ticket, note, stage-history entry and attendee link (for companies: contacts, appointments,
    tickets, notes and services) moves to KEEP; KEEP's empty fields are filled from OTHER; OTHER's
    email, or name and domain, is kept as an alias so later imports find KEEP; the merge shows in
    KEEP's timeline. One transaction. Shows what will change and asks first unless --yes."""
    from custview.dates import utc_now

    from dataclasses import asdict

    app = Application.of(ctx, as_json)
    kind, kept, duplicate = resolve_pair(app.reader, keep, other, company)
    store = app.writer()
    if kept.id == duplicate.id:
        raise UserError(f"Cannot merge {kept.name} into itself: {keep!r} and {other!r} are the same {kind}.")
    if not yes:
        confirm_merging(store.merge_plan(kind, kept.id, duplicate.id))
    report = store.merge(kind, kept.id, duplicate.id, utc_now())
    app.emit({**asdict(report), "total_moved": report.total_moved}, lambda: draw.render_merge_report(report, done=True))


def resolve_pair(reader, keep: str, other: str, companies: bool):
    """("contact" | "company", the record kept, the duplicate), decided by what the two names match."""
    if companies:
        return "company", pick_company(reader, keep, DUPLICATES_HINT), pick_company(reader, other, DUPLICATES_HINT)
    found = [_matches(reader, reference) for reference in (keep, other)]
    (keep_people, keep_firms, keep_exact_firm), (other_people, other_firms, other_exact_firm) = found
    if keep_exact_firm and other_exact_firm or (keep_firms and other_firms and not (keep_people and other_people)):
        return "company", pick_company(reader, keep, DUPLICATES_HINT), pick_company(reader, other, DUPLICATES_HINT)
    if keep_people and other_people:
        return "contact", _pick_contact(reader, keep), _pick_contact(reader, other)
    problems = [_nothing_matches(reference) for reference, (people, firms, _) in zip((keep, other), found)
                if not people and not firms]
    if not problems:
        contact, firm = (keep, other) if keep_people and not keep_firms else (other, keep)
        problems.append(f"{contact!r} is a contact and {firm!r} a company: merge two contacts, or two companies.")
    raise UserError(*problems)


def _matches(reader, reference: str) -> tuple[bool, bool, bool]:
    """Whether the reference names any contact, any company, and a company by its exact name."""
    number = record_number(reference)
    if number is not None:
        return reader.record("contact", number) is not None, False, False
    firms = reader.find_companies(reference)
    exact = any(firm.name.casefold() == reference.strip().casefold() for firm in firms)
    return bool(reader.find_contacts(reference)), bool(firms), exact


def _nothing_matches(reference: str) -> str:
    if record_number(reference) is not None:
        return f"No contact {reference.strip()} (a company's number needs --company)."
    return f"No contact or company matches {reference!r}."


def _pick_contact(reader, reference: str):
    number = record_number(reference)
    if number is None:
        return pick_contact(reader, reference)
    contact = reader.record("contact", number)
    if contact is None:
        raise UserError(f"No contact #{number}.")
    return contact


def confirm_merging(plan) -> None:
    """Show what the merge will do and ask; a clear error when there is no one to ask or they say no."""
    what = f"{plan.other_label} into {plan.kept_label}"
    confirm_on_terminal(draw.render_merge_report(plan, done=False), f"Merge {what}?",
                        declined=f"Not merging {what}: nothing was changed.",
                        no_terminal=f"Not merging {what}: there is no terminal to ask for confirmation on. "
                                    "Add --yes to merge without asking. Nothing was changed.")
