"""What several commands share: opening the reader or the writer, and finding the one contact a user means."""

from __future__ import annotations

import typer

from custview.cli.application import Application
from custview.errors import UserError


OWNER_HELP = "Only what this member owns ('me': who `custview config set me` says)."
TEAM_HELP = "Only what a member of this team owns: sales, service, success or marketing."


def command_app(**options) -> typer.Typer:
    """A Typer app for one command module, with the same plain help as the main command."""
    return typer.Typer(add_completion=False, rich_markup_mode=None, **options)


def json_option(what: str = "the result"):
    """The --json option every command has: its result as JSON for scripts (see Application.emit)."""
    return typer.Option(False, "--json", help=f"Print {what} as JSON.")


LIMIT = typer.Option(None, "--limit", "-n", min=1, metavar="N", help="Show at most N rows.")
JSONL = typer.Option(False, "--jsonl", help="Print one JSON object per line (JSON Lines), as the rows are read.")


def open_store(ctx: typer.Context, *, new_records: bool = False):
    """The writer (SQLModel) of the book: `Application.writer` (for commands not yet handed the Application)."""
    return Application.of(ctx).writer(new_records=new_records)


def open_reader(ctx: typer.Context):
    """The reader of the book (DB-API, no SQLAlchemy): `Application.reader` (for commands not yet handed it)."""
    return Application.of(ctx).reader


def _numbered(reader, kind: str, reference: str, option: str | None = None):
    """The contact or company a `#ID` reference names; None when `reference` is not a #ID."""
    number = record_number(reference)
    if number is None:
        return None
    found = reader.record(kind, number)
    if found is None:
        raise UserError(_for(option, f"No {kind} #{number}."))
    return found


def _for(option: str | None, message: str) -> str:
    """A message about an option's value starts with the option: "--company: no company matches …"."""
    return f"{option}: {message[0].lower()}{message[1:]}" if option else message


def pick_contact(reader, query: str, *, option: str | None = None, near_company: int | None = None,
                 missing_ok: bool = False):
    """The one contact `query` (a name, an email, part of one, or #ID) names: the one resolution of a contact.

    Several matching: someone at `near_company` first; still several, an error naming them (a command's
    own argument gets a numbered list and exit 2; an `option`'s value, one line and exit 1).
    None matching: None with `missing_ok` (the caller keeps the name and warns), else an error.
    """
    found = _numbered(reader, "contact", query, option)
    if found is not None:
        return found
    matches = reader.find_contacts(query)
    if len(matches) > 1 and near_company is not None:
        matches = [c for c in matches if c.company_id == near_company] or matches
    if len(matches) == 1:
        return matches[0]
    if not matches:
        if missing_ok:
            return None
        suggestions = reader.suggest_names(query)
        hint = f" Did you mean: {', '.join(suggestions)}?" if suggestions else " Try 'custview contacts --search TEXT'."
        raise UserError(_for(option, f"No contact matches {query!r}.{hint}"))
    if option:
        raise UserError(f"{option}: {query!r} matches {len(matches)} contacts: {describe_people(reader, matches)}. "
                        "Use more of the name, the email or #ID.")
    from custview.cli.render import render_matches
    from custview.cli.terminal import error_console

    error_console().print(render_matches(query, matches, _company_names(reader, matches)))
    raise typer.Exit(2)


def _company_names(reader, contacts) -> dict[int, str]:
    """The names of these contacts' companies, by id."""
    ids = {c.company_id for c in contacts if c.company_id}
    return {number: company.name for number in ids if (company := reader.record("company", number))}


def describe_people(reader, contacts, shown: int = 5) -> str:
    """Candidates told apart in one line: "Priya Nair (Northwind Logistics, priya@…) #12, …"."""
    companies = _company_names(reader, contacts)
    described = []
    for c in contacts[:shown]:
        facts = ", ".join(x for x in (companies.get(c.company_id), c.email) if x)
        described.append(f"{c.name}" + (f" ({facts})" if facts else "") + f" #{c.id}")
    more = f" and {len(contacts) - shown} more" if len(contacts) > shown else ""
    return "; ".join(described) + more


def pick_company(reader, reference: str, hint: str = "", *, option: str | None = None):
    """The one company `reference` names (a name, part of one, a domain, a merged-in name, or #ID): the one
    resolution of a company. Several matching is an error naming them, in one line (exit 2 for a command's
    own argument, 1 for an `option`'s value); none matching, an error ending with `hint`."""
    found = _numbered(reader, "company", reference, option)
    if found is not None:
        return found
    firms = reader.find_companies(reference)
    if len(firms) == 1:
        return firms[0]
    if not firms:
        raise UserError(_for(option, f"No company matches {reference!r}.{hint}"))
    raise UserError(_for(option, f"{len(firms)} companies match {reference!r}: {_listed(firms)}. Use more of the name."),
                    exit_code=1 if option else 2)


def _listed(firms, shown: int = 8) -> str:
    """Companies named in one line, with their #ID: "Acme Analytics #1, Acme Europe #4"."""
    more = f" and {len(firms) - shown} more" if len(firms) > shown else ""
    return ", ".join(f"{f.name} #{f.id}" for f in firms[:shown]) + more


def company_option(reader, reference: str | None, hint: str = ""):
    """The company a --company option names (None without the option), resolved as everywhere else."""
    return None if reference is None else pick_company(reader, reference, hint, option="--company")


def pick_contact_or_company(reader, reference: str, company: str | None = None):
    """("contact" | "company", the record) that a command's argument, or its --company option, means.

    A company wins on its exact name (or alias, or domain), and on a part of its name when the contacts
    that part also fits all work there (their emails carry the company's name); a contact wins on an
    exact name or email, or when no company fits. Fitting contacts and companies alike is an error.
    """
    if company is not None:
        return "company", pick_company(reader, company, option="--company")
    if record_number(reference) is not None:
        return "contact", pick_contact(reader, reference)
    firms = reader.find_companies(reference)
    people = reader.find_contacts(reference)
    text = reference.strip().casefold()
    exact_firm = any(text in (f.name.casefold(), (f.domain or "").casefold()) for f in firms)
    exact_person = any(text in (p.name.casefold(), (p.email or "").casefold()) for p in people)
    if exact_firm or (firms and not exact_person and all(p.company_id in {f.id for f in firms} for p in people)):
        return "company", pick_company(reader, reference)
    if exact_person or not firms:
        return "contact", pick_contact(reader, reference)  # with nothing at all: the usual "did you mean"
    raise UserError(f"{reference!r} matches {len(people)} contact{'s' if len(people) != 1 else ''} "
                    f"({describe_people(reader, people, 3)}) and {len(firms)} compan{'ies' if len(firms) != 1 else 'y'} "
                    f"({_listed(firms, 3)}). Use more of the name, or --company NAME for a company.", exit_code=2)


def resolve_attendees(reader, specs: list[str], company_id: int | None) -> tuple[list[dict], list[str]]:
    """Attendees given as NAME[:ROLE], each linked to the contact it names; warnings for names nobody has."""
    people, warnings = [], []
    for spec in specs:
        name, _, role = spec.partition(":")
        name = name.strip()
        if not name:
            raise UserError(f"--attendee: {spec!r} has no name (expected NAME or NAME:ROLE)")
        member = reader.find_member(name)  # one of us first: "Dana Ortiz" is ours even if a contact shares a word
        contact = None if member else pick_contact(reader, name, option="--attendee", near_company=company_id,
                                                   missing_ok=True)
        if contact is None and member is None:
            warnings.append(f"attendee {name!r} matches no contact or member of ours: kept as a name only")
        people.append({"name": contact.name if contact else member.name if member else name,
                       "role": role.strip() or None, "contact_id": contact.id if contact else None,
                       "member_id": member.id if member else None})
    return people, warnings


def parse_stage_option(text: str | None, option: str = "--stage") -> str | None:
    """A Value Path stage given on the command line, or a clear error."""
    if not text:
        return None
    from custview.stages import Stage

    try:
        return Stage.parse(text).value
    except ValueError as error:
        raise UserError(f"{option}: {error}") from None


def brief_contact(reader, contact, moment):
    """A contact's history and briefing, with their account's health when they belong to a company."""
    from custview.insight.briefing import build_briefing

    if not contact.company_id:
        history = reader.contact_history(contact.id)
        return history, build_briefing(history, moment)
    account = reader.contact_histories(company_id=contact.company_id)
    history = next(h for h in account if h.contact.id == contact.id)
    return history, build_briefing(history, moment, account)


def confirm_on_terminal(preview, question: str, declined: str, no_terminal: str) -> None:
    """Show a preview and ask a yes/no question on the terminal; UserError unless the answer is yes."""
    import sys

    if not sys.stdin.isatty():
        raise UserError(no_terminal)
    from custview.printable import printable
    from custview.cli.terminal import error_console

    error_console().print(preview)
    # Asked on stderr and read here rather than with typer.confirm, which writes part of its prompt
    # to stdout and would spoil --json output.
    sys.stderr.write(f"{printable(question)} [y/N]: ")
    sys.stderr.flush()
    if sys.stdin.readline().strip().lower() not in ("y", "yes"):
        raise UserError(declined)


def record_number(reference: str) -> int | None:
    """The id in a reference written "#12", or None for a name."""
    from custview.errors import record_id

    return record_id(reference)


def pick_member(reader, name: str, allow_me: bool = True):
    """The member NAME (or email) means; "me" is who `custview config set me` (or CUSTVIEW_ME) says.

    One clear error when nobody matches, or when "me" is not set.
    """
    from custview.config import setting

    text = name.strip()
    if allow_me and text.lower() == "me":
        text = setting("me") or ""
        if not text:
            raise UserError("'me' is not set: custview config set me \"YOUR NAME\" (or set CUSTVIEW_ME)")
    member = reader.find_member(text) if text else None
    if member is None:
        raise UserError(f"No member called {text!r}: see custview members (add one with "
                        "custview add member NAME --team T)")
    return member


def owner_filter(reader, owner: str | None, team: str | None):
    """The `--owner NAME|me` and `--team T` options as an `OwnedBy` the reader's queries filter on (or None)."""
    from custview.db.owners import OwnedBy
    from custview.db.rows import TEAMS

    if team is not None and team.strip().lower() not in TEAMS:
        raise UserError(f"--team: unknown team {team!r} (expected one of: {', '.join(TEAMS)})")
    if owner is None and team is None:
        return None
    member = pick_member(reader, owner) if owner is not None else None
    return OwnedBy(member.id if member else None, team.strip().lower() if team else None,
                   member.name if member else None)
