"""Export: the book (all of it, or some kinds) in the format `custview import` reads, as YAML, JSON or CSV.

Records refer to each other by natural keys, never by database ids: a contact by email when it
has one, else by name; a company by name. Times are UTC, ISO 8601 (`2026-11-24T15:00:00Z`).
YAML and JSON keep everything and import back into the same book, including what merges made
(`aliases`, and `merged`: who was merged in, when), so a duplicate's old file still finds the
record kept. CSV is for spreadsheets and for the `custview` CSV profile: one file per kind, no
stage history, lists as plain `a; b` cells or, when an item would not read back from that, as a
JSON array (`custview.spreadsheet.list_cell`), and cells a spreadsheet would run as formulas
guarded with a `'`.

Usable without the CLI:

    from custview.exporters.export import write_export
    from custview.db.reader import Reader
    report = write_export(Reader.open("book.db"), "yaml", out_dir="backup")
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cache
from pathlib import Path

from custview.dates import iso_utc
from custview.db.read_rows import (Appointment, Company, CompanyAlias, Contact, ContactAlias, Handover, Member,
                                   MergeRecord, Note, Service, Signal, StageChange, SuccessCriterion, Ticket)
from custview.db.reader import Reader
from custview.errors import UserError
from custview.exporters.files import refuse_existing, write_private_files
from custview.sections import KINDS
from custview.spreadsheet import guard_cell, is_plain_item, list_cell

FORMATS = ("yaml", "json", "csv")
EXPORT_NAME = "custview-export"

# The fields of each kind in the import format, in the order they are written.
FIELDS = {
    "members": ("name", "email", "team", "role"),
    "companies": ("name", "domain", "industry", "size", "stage", "health", "summary", "status", "renewal", "value",
                  "currency", "arr", "ended", "end_reason", "aliases", "merged", "owner"),
    "contacts": ("name", "email", "phone", "title", "company", "buying_role", "stage", "stage_since",
                 "stage_history", "preferences", "context", "aliases", "merged", "owner"),
    "signals": ("contact", "kind", "title", "topics", "at", "detail", "source"),
    "appointments": ("contact", "purpose", "kind", "at", "attendees", "outcome", "decisions", "next_steps", "uid",
                     "made_by"),
    "tickets": ("ref", "contact", "company", "subject", "description", "status", "priority", "kind", "opened",
                "closed", "owner", "made_by"),
    "services": ("company", "name", "status", "start", "end", "owner", "made_by"),
    "success_criteria": ("company", "metric", "target", "status", "made_by"),
    "notes": ("contact", "company", "text", "at", "author"),
    "handovers": ("contact", "company", "from", "to", "at", "steps_moved", "made_by"),
}
PREFERENCES = ("channel", "time", "tone")


@dataclass
class ExportReport:
    """What an export wrote: the format, the files, how many records of each kind, and any warnings."""

    format: str
    files: list[Path]
    counts: dict[str, int]
    warnings: list[str] = field(default_factory=list)

    def file_of(self, kind: str) -> Path | None:
        """The CSV file a kind was written to; None when it had no records (no file is written then)."""
        return next((path for path in self.files if path.stem == kind), None)

    def total(self) -> int:
        """How many records were written across all kinds."""
        return sum(self.counts.values())


# -- database -> records ---------------------------------------------------------------------------


def utc_iso(moment: datetime | None) -> str | None:
    """A moment as ISO 8601 in UTC with a Z: 2026-11-24T15:00:00Z."""
    return iso_utc(moment) if moment is not None else None


def export_records(reader: Reader, kinds: tuple[str, ...] = KINDS) -> dict[str, list[dict]]:
    """The chosen kinds as lists of records in the import format, read in one consistent snapshot."""
    with reader.snapshot():
        return _Book(reader).sections(kinds)


def ambiguous_contacts(reader: Reader) -> list[str]:
    """Warnings for contacts that an export can only name ambiguously (same name, no email)."""
    contacts = reader.rows(Contact, order="id")
    names = defaultdict(int)
    for contact in contacts:
        names[contact.name.casefold()] += 1
    emails = {c.email.casefold() for c in contacts if c.email}
    warnings, seen = [], set()
    for contact in contacts:
        key = contact.name.casefold()
        if contact.email or key in seen or (names[key] < 2 and key not in emails):
            continue
        seen.add(key)
        warnings.append(f"{names[key]} contacts are called {contact.name!r} and at least one has no email: "
                        "their records cannot be told apart when this export is imported (give them emails)")
    return warnings


class _Book:
    """Reads the tables through the reader and builds import-format records from them."""

    def __init__(self, reader: Reader):
        self.reader = reader
        self.companies = {c.id: c for c in reader.rows(Company, order="id")}
        self.contacts = {c.id: c for c in reader.rows(Contact, order="id")}
        self.members = {m.id: m for m in reader.rows(Member, order="id")}

    def sections(self, kinds: tuple[str, ...]) -> dict[str, list[dict]]:
        """The chosen kinds' records, in the import format's section order."""
        builders = {
            "members": self._members,
            "companies": self._companies,
            "contacts": self._contacts,
            "signals": self._signals,
            "appointments": self._appointments,
            "tickets": self._tickets,
            "services": self._services,
            "success_criteria": self._success_criteria,
            "notes": self._notes,
            "handovers": self._handovers,
        }
        return {kind: builders[kind]() for kind in KINDS if kind in kinds}

    def contact_key(self, contact_id: int | None) -> str | None:
        """How a record refers to this contact: their email, else their name."""
        contact = self.contacts.get(contact_id)
        return (contact.email or contact.name) if contact else None

    def company_name(self, company_id: int | None) -> str | None:
        """How a record refers to this company: its name."""
        company = self.companies.get(company_id)
        return company.name if company else None

    def owner_name(self, member_id: int | None) -> str | None:
        """How a record refers to the member who owns it: their name."""
        member = self.members.get(member_id)
        return member.name if member else None

    def _all(self, row_type) -> list:
        return self.reader.rows(row_type, order="id")

    def _members(self) -> list[dict]:
        return [_record(name=m.name, email=m.email, team=m.team, role=m.role) for m in self.members.values()]

    def _merges(self, kind: str) -> dict[int, list[dict]]:
        """Who was merged into each contact or company (`kind`), oldest merge first."""
        merged = defaultdict(list)
        for m in self.reader.rows(MergeRecord, "kind = ?", (kind,), order="merged_at, id"):
            merged[m.kept_id].append(_record(name=m.merged_name, email=m.merged_email, domain=m.merged_domain,
                                              at=utc_iso(m.merged_at)))
        return merged

    def _companies(self) -> list[dict]:
        aliases, merged = defaultdict(list), self._merges("company")
        for alias in self.reader.rows(CompanyAlias, order="id"):
            aliases[alias.company_id].append(_record(name=alias.name, domain=alias.domain) if alias.domain
                                             else alias.name)
        return [_record(name=c.name, domain=c.domain, industry=c.industry, size=c.size, stage=c.stage,
                        health=c.health, summary=c.summary, status=c.status, renewal=utc_iso(c.renewal_at),
                        value=_amount(c.contract_value), currency=c.contract_currency, arr=c.contract_arr or None,
                        ended=utc_iso(c.ended_at), end_reason=c.end_reason, aliases=aliases[c.id],
                        merged=merged[c.id], owner=self.owner_name(c.owner_id))
                for c in self.companies.values()]

    def _contacts(self) -> list[dict]:
        history = defaultdict(list)
        for change in self.reader.rows(StageChange, order="changed_at, id"):
            history[change.contact_id].append(_record(
                stage=change.stage, at=utc_iso(change.changed_at), made_by=change.made_by,
                source=None if change.source == "import" else change.source))
        aliases, merged = defaultdict(list), self._merges("contact")
        for alias in self.reader.rows(ContactAlias, order="id"):
            aliases[alias.contact_id].append(alias.email)
        records = []
        for c in self.contacts.values():
            preferences = _record(channel=c.preferred_channel, time=c.preferred_time, tone=c.preferred_tone)
            records.append(_record(
                name=c.name, email=c.email, phone=c.phone, title=c.title, company=self.company_name(c.company_id),
                buying_role=c.buying_role, stage=c.stage,
                stage_since=None if history[c.id] else utc_iso(c.stage_since),
                stage_history=history[c.id], preferences=preferences, context=c.context, aliases=aliases[c.id],
                merged=merged[c.id],
                owner=self.owner_name(c.owner_id),
            ))
        return records

    def _signals(self) -> list[dict]:
        return [_record(contact=self.contact_key(s.contact_id), kind=s.kind, title=s.title, topics=list(s.topics),
                        at=utc_iso(s.occurred_at), detail=s.detail, source=s.source) for s in self._all(Signal)]

    def _appointments(self) -> list[dict]:
        records = []
        for item in self.reader.appointment_records(self._all(Appointment)):
            a = item.appointment
            attendees = [_record(name=self.contact_key(p.contact_id) or p.name, role=p.role) for p in item.attendees]
            steps = [_record(step=s.step, owner=s.owner, due=utc_iso(s.due_at), done=s.done or None, made_by=s.made_by)
                     for s in item.next_steps]
            records.append(_record(contact=self.contact_key(a.contact_id), purpose=a.purpose, kind=a.kind,
                                   at=utc_iso(a.scheduled_at), attendees=attendees, outcome=a.outcome,
                                   decisions=list(a.decisions), next_steps=steps, uid=a.uid,
                                   made_by=a.made_by))
        return records

    def _tickets(self) -> list[dict]:
        records = []
        for t in self._all(Ticket):
            contact = self.contacts.get(t.contact_id)
            implied = contact.company_id if contact else None
            records.append(_record(
                ref=t.ref, contact=self.contact_key(t.contact_id),
                company=self.company_name(t.company_id) if t.company_id != implied else None,
                subject=t.subject, description=t.description, status=t.status, priority=t.priority, kind=t.kind,
                opened=utc_iso(t.opened_at), closed=utc_iso(t.closed_at), owner=self.owner_name(t.owner_id),
                made_by=t.made_by,
            ))
        return records

    def _services(self) -> list[dict]:
        return [_record(company=self.company_name(s.company_id), name=s.name, status=s.status,
                        start=utc_iso(s.start_at), end=utc_iso(s.end_at), owner=s.owner, made_by=s.made_by)
                for s in self._all(Service)]

    def _success_criteria(self) -> list[dict]:
        return [_record(company=self.company_name(c.company_id), metric=c.metric, target=c.target, status=c.status,
                        made_by=c.made_by) for c in self._all(SuccessCriterion)]

    def _notes(self) -> list[dict]:
        return [_record(contact=self.contact_key(n.contact_id), company=self.company_name(n.company_id), text=n.text,
                        at=utc_iso(n.written_at), author=n.author) for n in self._all(Note)]

    def _handovers(self) -> list[dict]:
        return [_record(**{"contact": self.contact_key(h.contact_id), "company": self.company_name(h.company_id),
                           "from": self.owner_name(h.from_member_id), "to": self.owner_name(h.to_member_id),
                           "at": utc_iso(h.handed_at), "steps_moved": h.steps_moved or None, "made_by": h.made_by})
                for h in self._all(Handover)]


def _amount(value: float | None) -> int | float | None:
    """A contract amount as written in a file: 120000 rather than 120000.0."""
    return int(value) if value is not None and value == int(value) else value


def _record(**values) -> dict:
    """The fields that have a value, in the given order (empty lists and mappings left out)."""
    return {key: value for key, value in values.items() if value not in (None, "", [], {})}


# -- records -> file contents ----------------------------------------------------------------------


def to_yaml(sections: dict[str, list[dict]], written_at: datetime) -> str:
    """The sections as one YAML document that `custview import` reads, with a short header."""
    import yaml

    counts = ", ".join(f"{len(records)} {kind}" for kind, records in sections.items())
    header = (f"# custview export, {utc_iso(written_at.replace(microsecond=0))}: {counts}.\n"
              f"# Times are UTC. Bring it back with: custview import {EXPORT_NAME}.yaml\n")
    parts = [yaml.dump({kind: records}, Dumper=_exact_dumper(), sort_keys=False, allow_unicode=True, width=100)
             for kind, records in sections.items()]
    return header + "\n" + "\n".join(parts)


# YAML reads these as line breaks wherever they stand unescaped, so a text holding one goes in
# double quotes, where the emitter writes them as escapes (\N, \L, \P).
_YAML_LINE_BREAKS = ("\x85", "\u2028", "\u2029")


@cache
def _exact_dumper():
    """A safe YAML dumper that writes every text so that it reads back exactly the same."""
    import yaml

    class ExactDumper(yaml.SafeDumper):
        pass

    def represent_text(dumper, text: str):
        style = '"' if any(mark in text for mark in _YAML_LINE_BREAKS) else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)

    ExactDumper.add_representer(str, represent_text)
    return ExactDumper


def to_json(sections: dict[str, list[dict]]) -> str:
    """The sections as one JSON object with the same structure as the YAML export."""
    return json.dumps(sections, indent=2, ensure_ascii=False) + "\n"


def csv_columns(kind: str) -> tuple[str, ...]:
    """The columns of a kind's CSV file: its import fields, with preferences spread out and no stage history."""
    columns = []
    for name in FIELDS[kind]:
        if name == "preferences":
            columns += [f"preferred_{key}" for key in PREFERENCES]
        elif name not in ("stage_history", "made_by"):  # who made a record: YAML and JSON only
            columns.append(name)
    return tuple(columns)


def csv_row(kind: str, record: dict) -> list[str]:
    """One record as the cells of a CSV row, formula-guarded, in `csv_columns(kind)` order."""
    flat = dict(record)
    if kind == "contacts" and record.get("stage_history"):
        flat["stage_since"] = record["stage_history"][-1]["at"]  # the history itself has no column
    for key, value in record.get("preferences", {}).items():
        flat[f"preferred_{key}"] = value
    people, steps = record.get("attendees", []), record.get("next_steps", [])
    flat["attendees"] = list_cell([_attendee_text(p) for p in people] if all(map(_plain_attendee, people)) else people)
    flat["next_steps"] = list_cell([step["step"] for step in steps] if all(set(s) == {"step"} for s in steps)
                                   else steps)
    for key in ("topics", "decisions", "aliases", "merged"):
        flat[key] = list_cell(record.get(key, []))
    if "arr" in record:
        flat["arr"] = "true"  # as YAML writes it (only a recurring value has the field)
    return [guard_cell(str(flat.get(column) or "")) for column in csv_columns(kind)]


def _plain_attendee(person: dict) -> bool:
    """Whether an attendee reads back exactly from `who (role)` (or `who` alone): else the cell is JSON."""
    name, role = person["name"], person.get("role")
    if not is_plain_item(name):
        return False
    if role is None:
        return not name.endswith(")")
    return is_plain_item(role) and "(" not in role and ")" not in role


def _attendee_text(person: dict) -> str:
    return f"{person['name']} ({person['role']})" if person.get("role") else person["name"]


def to_csv(kind: str, records: list[dict]) -> str:
    """One kind's records as CSV text: a header row, then one row per record."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(csv_columns(kind))
    writer.writerows(csv_row(kind, record) for record in records)
    return buffer.getvalue()


def export_files(sections: dict[str, list[dict]], fmt: str, out_dir: Path, written_at: datetime) -> dict[Path, str]:
    """What to write where: file path -> text, for the chosen format.

    CSV gets one file per kind that has records: a file with a header and no rows says nothing,
    and importers rightly refuse one as probably the wrong file.
    """
    if fmt == "yaml":
        return {out_dir / f"{EXPORT_NAME}.yaml": to_yaml(sections, written_at)}
    if fmt == "json":
        return {out_dir / f"{EXPORT_NAME}.json": to_json(sections)}
    return {out_dir / f"{kind}.csv": to_csv(kind, records) for kind, records in sections.items() if records}


# -- writing files ---------------------------------------------------------------------------------


def write_export(reader: Reader, fmt: str = "yaml", kinds: tuple[str, ...] = KINDS, out_dir: str | Path = ".",
                 force: bool = False, now: datetime | None = None) -> ExportReport:
    """Export the chosen kinds to files in `out_dir` (created 0700 if missing); each file readable by its owner only.

    Existing files are never overwritten unless `force`; on any problem nothing is left half-written.
    """
    _check_choices(fmt, kinds)
    out = Path(out_dir).expanduser()
    sections = export_records(reader, kinds)
    contents = export_files(sections, fmt, out, now or datetime.now(timezone.utc))
    if out.exists() and not out.is_dir():
        raise UserError(f"{out}: exists and is not a folder")
    refuse_existing(contents, force)
    try:
        out.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as error:
        raise UserError(f"{out}: cannot create the folder ({error.strerror})") from None
    _write_all(contents)
    counts = {kind: len(records) for kind, records in sections.items()}
    return ExportReport(fmt, list(contents), counts, ambiguous_contacts(reader))


def _check_choices(fmt: str, kinds: tuple[str, ...]) -> None:
    problems = []
    if fmt not in FORMATS:
        problems.append(f"--format: unknown format {fmt!r} (expected one of: {', '.join(FORMATS)})")
    problems += [f"--kind: unknown kind {kind!r} (expected one of: {', '.join(KINDS)})"
                 for kind in kinds if kind not in KINDS]
    if problems:
        raise UserError(*problems)


def _write_all(contents: dict[Path, str]) -> None:
    """Write every file (CSV with a BOM, for spreadsheets): whole files or none."""
    write_private_files({path: text.encode("utf-8-sig" if path.suffix == ".csv" else "utf-8")
                         for path, text in contents.items()})
