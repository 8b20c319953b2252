"""Turn source records (from any file format) into rows: validate, resolve references, upsert.

Records refer to each other by natural keys: a contact by email or name, a company by name.
Every problem is collected with its file, line, record and field; the caller decides to roll back.
"""

from __future__ import annotations

import json
import re
import reprlib
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, SQLModel, select

from custview.dates import parse_when
from custview.errors import UserError
from custview.db.models import (
    APPOINTMENT_KINDS,
    HEALTH_LABELS,
    SERVICE_STATUSES,
    TICKET_KINDS,
    TICKET_PRIORITIES,
    TICKET_STATUSES,
    Appointment,
    Attendee,
    Company,
    CompanyAlias,
    Contact,
    ContactAlias,
    MergeRecord,
    NextStep,
    Note,
    Service,
    StageChange,
    Ticket,
)
from custview.names import clean_domain, company_key
from custview.sections import KINDS
from custview.stages import Stage
from custview.db.writer import exact_contacts, record_stage_change
from custview.importers.bulk import SignalBulkLoader

OUTCOMES = ("created", "updated", "unchanged")


@dataclass(slots=True)
class SourceRecord:
    """One record as read from a file, with where it came from for error messages.

    YAML records have an index in their section; CSV rows have none, but know the column each
    field came from (`columns`), how their tool writes dates (`read_date`) and their raw cells.
    """

    kind: str
    data: dict
    file: str
    index: int | None
    line: int
    key_lines: dict = field(default_factory=dict)
    columns: dict | None = None
    read_date: Callable[[str], datetime] | None = None
    raw: list[str] | None = None
    malformed: str | None = None

    def field_label(self, name: str) -> str:
        """What the user calls this field in their file: the column name for CSV rows."""
        return self.columns.get(name, name) if self.columns else name

    def label(self) -> str:
        """A few words that let a user recognise the record."""
        for key in ("name", "ref", "subject", "title", "purpose", "text"):
            value = self.data.get(key)
            if isinstance(value, str) and value.strip():
                text = value.strip()
                return text if len(text) <= 40 else text[:39] + "…"
        return ""

    def where(self, field_name: str | None = None) -> str:
        """`file:line: kind[index] (label)`, pointing at the field's own line when known.

        Records typed on the command line (line 0) are named by their source alone, e.g. "add contact".
        """
        if self.index is None:
            return f"{self.file}:{self.line}"
        label = self.label()
        if not self.line:
            return self.file + (f" ({label})" if label else "")
        line = self.key_lines.get(field_name, self.line) if field_name else self.line
        return f"{self.file}:{line}: {self.kind}[{self.index}]" + (f" ({label})" if label else "")


# Text longer than this is refused with a clear line rather than stored and shown: a name or a
# subject is never a page long, and a note of more than a few pages is a pasted document or a log.
MAX_TEXT = 1_000
MAX_LONG_TEXT = 10_000
LONG_TEXT_FIELDS = ("summary", "context", "description", "detail", "outcome", "text")
MAX_DATE_TEXT = 100


def preview(value) -> str:
    """A short repr of a value from a file for an error message, however big or deeply nested it is."""
    short = reprlib.Repr()
    short.maxlevel, short.maxlist, short.maxdict, short.maxstring, short.maxother = 1, 4, 4, 40, 40
    return short.repr(value)


def unreadable(path, error: OSError) -> UserError:
    """The one-line error for a file that cannot be read: missing, a folder, or refused."""
    if isinstance(error, FileNotFoundError):
        return UserError(f"{path}: no such file")
    if isinstance(error, IsADirectoryError):
        return UserError(f"{path}: is a folder, not a file")
    return UserError(f"{path}: cannot read ({error.strerror})")


def read_utf8_text(path) -> str:
    """A custview text file (YAML, JSON) as text; UserError if it is missing, unreadable or not UTF-8."""
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise UserError(f"{path}: not UTF-8 text ({error.reason} at byte {error.start})") from None
    except OSError as error:
        raise unreadable(path, error) from None


def records_from_sections(path, document: dict, section_line: Callable[[object], int], is_record: Callable,
                          describe: Callable[[object], str], record_words: str) -> list[SourceRecord]:
    """The records of a document made of sections of records (custview's YAML and JSON), in file order.

    UserError listing every structural problem: unknown sections, a section that is not a list, an
    item that is not a record (`record_words` says what one looks like in this format).
    """
    problems: list[str] = []
    records: list[SourceRecord] = []
    for section, items in document.items():
        line = section_line(section)
        if section not in KINDS:
            problems.append(f"{path}:{line}: unknown section {str(section)[:60]!r} (expected one of: {', '.join(KINDS)})")
        elif items is not None and not isinstance(items, list):
            problems.append(f"{path}:{line}: section {section!r} must be a list of records, found {describe(items)}")
        else:
            for index, item in enumerate(items or []):
                if not is_record(item):
                    problems.append(f"{path}:{line}: {section}[{index}]: expected a record ({record_words}), "
                                    f"found {describe(item)}")
                    continue
                records.append(SourceRecord(section, dict(item), str(path), index, item.line,
                                            dict(getattr(item, "key_lines", {}))))
    if problems:
        raise UserError(*problems)
    return records


class Fields:
    """Typed access to a record's fields that collects every problem instead of stopping at the first."""

    def __init__(self, record: SourceRecord, allowed: tuple[str, ...], now: datetime):
        self.record, self.now = record, now
        self.problems: list[str] = []
        self.refers_to_failed_record = False  # its problem was reported with that record
        self.new_company: str | None = None  # a company this export row implies (see RecordWriter.find_company)
        for key in record.data:
            if key not in allowed:
                self.problem(key, f"unknown field (expected one of: {', '.join(allowed)})")

    def problem(self, name: str, message: str) -> None:
        """Note a problem with field `name`."""
        self.problems.append(f"{self.record.where(name)}: {self.record.field_label(name)}: {message}")

    def has(self, name: str) -> bool:
        """Whether the record gives this field a value."""
        return self.record.data.get(name) not in (None, "")

    def text(self, name: str, required: bool = False) -> str | None:
        """A text field, stripped; numbers are taken as text."""
        return self.text_value(name, self.record.data.get(name), required)

    def text_value(self, name: str, value, required: bool) -> str | None:
        """A text value found inside field `name` (e.g. in a nested list)."""
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.problem(name, "missing (required)")
            return None
        if isinstance(value, bool) or isinstance(value, (dict, list)):
            self.problem(name, f"expected text, found {preview(value)} (put it in quotes)")
            return None
        text = str(value).strip()
        limit = MAX_LONG_TEXT if name in LONG_TEXT_FIELDS else MAX_TEXT
        if len(text) > limit:
            self.problem(name, f"too long: {len(text):,} characters (at most {limit:,})")
            return None
        if "\x00" in text:
            self.problem(name, "contains a NUL character (binary data, not text)")
            return None
        return text

    def texts(self, name: str) -> list[str]:
        """A list of text values; a single value counts as a list of one."""
        value = self.record.data.get(name)
        if value is None:
            return []
        items = value if isinstance(value, list) else [value]
        return [text for item in items if (text := self.text_value(name, item, False))]

    def when(self, name: str, required: bool = False, value=None) -> datetime | None:
        """A date/time field (ISO, human or relative like -3d), as naive UTC."""
        value = self.record.data.get(name) if value is None else value
        if value is None or value == "":
            if required:
                self.problem(name, "missing (required)")
            return None
        if isinstance(value, str) and len(value) > MAX_DATE_TEXT:
            self.problem(name, f"not a date: {len(value):,} characters long")
            return None
        try:
            if self.record.read_date and isinstance(value, str):
                return self.record.read_date(value)
            return parse_when(value, self.now)
        except ValueError as error:
            self.problem(name, str(error))
            return None
        except OverflowError:
            self.problem(name, f"date out of range: {preview(value)}")
            return None

    def choice(self, name: str, options: tuple[str, ...], default: str | None = None) -> str | None:
        """A value from a fixed set, matched without regard to case, spaces, dashes or underscores."""
        text = self.text(name)
        if text is None:
            return default
        wanted = squash(text)
        for option in options:
            if squash(option) == wanted:
                return option
        self.problem(name, f"unknown value {text!r} (expected one of: {', '.join(options)})")
        return default

    def stage(self, name: str, value=None) -> str | None:
        """A Value Path stage name."""
        text = self.text_value(name, self.record.data.get(name) if value is None else value, False)
        if text is None:
            return None
        try:
            return Stage.parse(text).value
        except ValueError as error:
            self.problem(name, str(error))
            return None

    def mapping(self, name: str, allowed: tuple[str, ...]) -> dict:
        """A nested mapping with known keys (e.g. preferences)."""
        value = self.record.data.get(name)
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.problem(name, "expected key: value pairs")
            return {}
        for key in value:
            if key not in allowed:
                self.problem(name, f"unknown key {key!r} (expected one of: {', '.join(allowed)})")
        return {key: self.text_value(name, value.get(key), False) for key in allowed if key in value}

    def items(self, name: str) -> list:
        """A list field whose items are mappings or plain values."""
        value = self.record.data.get(name)
        if value is None:
            return []
        if not isinstance(value, list):
            self.problem(name, "expected a list")
            return []
        return value


def squash(text: str) -> str:
    """A value reduced to its letters and digits in lower case, for forgiving comparisons."""
    return "".join(ch for ch in text.lower() if ch.isalnum())


_EMAIL_IN_TEXT = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
def _plain_signal(data: dict, allowed: tuple[str, ...]) -> bool:
    """Whether a record is a signal of plain, stripped text within the limits, needing no further checks."""
    def plain(value, limit: int = MAX_TEXT) -> bool:
        return isinstance(value, str) and value == value.strip() and value != "" and within_limits(value, limit)

    topics = data.get("topics", [])
    return (all(key in allowed for key in data) and all(plain(data.get(key)) for key in ("contact", "kind", "title", "at"))
            and isinstance(topics, list) and all(plain(topic) for topic in topics)
            and (data.get("detail") is None or plain(data["detail"], MAX_LONG_TEXT))
            and (data.get("source") is None or plain(data["source"])))


def within_limits(text: str, limit: int = MAX_TEXT) -> bool:
    """Whether a text is short enough and free of NUL characters to be stored without a problem."""
    return len(text) <= limit and "\x00" not in text


PROBLEM_LIMIT = 100  # problem lines shown for one import; the rest are counted


class RecordWriter:
    """Applies source records to an open session, counting created / updated / unchanged / rejected per kind.

    Give it records with companies and contacts before the records that refer to them (`KINDS`
    order), then call `finish`. Strict by default: any problem makes `finish` raise UserError
    with all of them. With `on_reject`, a bad record is skipped and handed to that callback.
    """

    def __init__(self, session: Session, now: datetime,
                 on_reject: Callable[[SourceRecord, list[str]], None] | None = None,
                 known_contacts_only: bool = False):
        self.session, self.now, self.on_reject = session, now, on_reject
        # Records naming several people (calendar events) without a known contact among them are
        # skipped and counted rather than reported.
        self.known_contacts_only = known_contacts_only
        self._events_without_contact: set[tuple[str, int]] = set()
        self.counts: dict[str, Counter] = {kind: Counter() for kind in KINDS}
        self.problems: list[str] = []
        self.problem_count = 0
        self.stage_changes: list[tuple[str, str | None, str]] = []  # (contact, from, to)
        self._failed_contacts: set[str] = set()
        self._failed_companies: set[str] = set()
        self._signals: SignalBulkLoader | None = None
        self._contact_ids: dict[str, int | None] | None = None
        self._companies: dict[tuple[str, str], int] | None = None
        self._contacts: dict[str, list[Contact | int]] | None = None
        self._record_problems: list[str] = []
        self._handlers = {"companies": self._company, "contacts": self._contact, "signals": self._signal,
                          "appointments": self._appointment, "tickets": self._ticket, "services": self._service,
                          "notes": self._note}

    def write(self, record: SourceRecord) -> None:
        """Validate and upsert one record; its problems are collected (or it is handed to on_reject)."""
        self._record_problems = []
        if record.malformed:
            self._note_problems([f"{record.where()}: {record.malformed}"])
            outcome = None
        elif isinstance(record.data.get("contact"), list) and not self._choose_known_contact(record):
            outcome = "skipped" if self.known_contacts_only else None
        else:
            handler = self._handlers[record.kind]
            with self.session.no_autoflush:
                outcome = handler(record)
            if record.kind != "signals":
                self.session.flush()
        if outcome and outcome != "staged":
            self.counts[record.kind][outcome] += 1
        elif outcome is None:
            self.counts[record.kind]["rejected"] += 1
            if self.on_reject:
                self.on_reject(record, self._record_problems
                               or [f"{record.where()}: refers to a record that was rejected"])

    def finish(self) -> dict[str, Counter]:
        """Write what is still staged; UserError listing the problems unless bad records are being skipped."""
        if self.problem_count and not self.on_reject:
            raise UserError(*self.problems, *self._more_problems())
        if self._signals is not None:
            created, updated, unchanged = self._signals.merge()
            self.counts["signals"] += Counter(created=created, updated=updated, unchanged=unchanged)
        return self.counts

    @property
    def signal_ids(self) -> tuple[int, int] | None:
        """The range of ids of the signals this import created, once finished."""
        return self._signals.created_ids if self._signals else None

    def _more_problems(self) -> list[str]:
        hidden = self.problem_count - len(self.problems)
        return [f"… and {hidden} more problem{'s' if hidden != 1 else ''}"] if hidden else []

    def _note_problems(self, problems: list[str]) -> None:
        self._record_problems.extend(problems)
        self.problem_count += len(problems)
        self.problems.extend(problems[: max(0, PROBLEM_LIMIT - len(self.problems))])

    # -- shared helpers ----------------------------------------------------------------------

    def _finish(self, fields: Fields) -> bool:
        self._note_problems(fields.problems)
        return not fields.problems and not fields.refers_to_failed_record

    def _upsert(self, existing: SQLModel | None, model: type[SQLModel], values: dict) -> tuple[SQLModel, str]:
        if existing is None:
            row = model(**values)
            self.session.add(row)
            self.session.flush()
            self._remember(row)
            return row, "created"
        changed = False
        for key, value in values.items():
            if getattr(existing, key) != value:
                setattr(existing, key, value)
                changed = True
        if changed:
            self.session.add(existing)
            self._remember(existing)
        return existing, "updated" if changed else "unchanged"

    def _remember(self, row: SQLModel) -> None:
        """Keep the lookup caches in step with a company or contact just written."""
        if isinstance(row, Company) and self._companies is not None:
            self._remember_company(row.id, row.name, row.domain)
        elif isinstance(row, Contact) and self._contacts is not None:
            self._remember_contact(row)

    def _fill_empty(self, row: SQLModel, values: dict) -> str:
        """Fill only the empty fields of `row`: a record that names a merged duplicate never overwrites the one kept."""
        changed = False
        for key, value in values.items():
            if value not in (None, "") and getattr(row, key) in (None, ""):
                setattr(row, key, value)
                changed = True
        if changed:
            self.session.add(row)
            self._remember(row)
        return "updated" if changed else "unchanged"

    def _first(self, query):
        return self.session.exec(query).first()

    def find_company(self, fields: Fields, name_field: str = "company", required: bool = False) -> Company | None:
        """The company a record refers to by name (forgiving "Inc."/"GmbH" and case); a problem if unknown.

        Rows of an export (CSV) may name a company we don't know yet: the export implies it, so it
        is noted in `fields.new_company` and created by `company_after_checks` once the row is good.
        """
        name = fields.text(name_field, required)
        if name is None:
            return None
        company = self._existing_company(name, None)
        if company is None and name.lower() not in self._failed_companies:
            if fields.record.index is None:
                fields.new_company = name
            else:
                fields.problem(name_field, f"unknown company {name!r} (add the company first)")
        return company

    def company_after_checks(self, fields: Fields, company: Company | None) -> Company | None:
        """The record's company, created now if the record named one we did not know (see find_company)."""
        if company is None and fields.new_company:
            company = self._existing_company(fields.new_company, None)  # an earlier row may have created it
            if company is None:
                company, _ = self._upsert(None, Company, {"name": fields.new_company})
                self.counts["companies"]["created"] += 1
        return company

    def _existing_company(self, name: str | None, domain: str | None) -> Company | None:
        """The company of this exact name, else of this domain, else of the same name without legal suffixes."""
        known = self._known_companies()
        keys = [("name", name.lower()) if name else None, ("domain", domain.lower()) if domain else None,
                ("key", company_key(name)) if name and company_key(name) else None]
        company_id = next((known[key] for key in keys if key in known), None)
        return self.session.get(Company, company_id) if company_id else None

    def _known_companies(self) -> dict[tuple[str, str], int]:
        """Company ids by ("domain" | "name" | "key", value), loaded once: imports look companies up per row."""
        if self._companies is None:
            self._companies = {}
            for company in self.session.exec(select(Company.id, Company.name, Company.domain)):
                self._remember_company(*company)
            for alias in self.session.exec(select(CompanyAlias.company_id, CompanyAlias.name, CompanyAlias.domain)):
                self._remember_company(*alias)  # merged duplicates: after the real ones, which win
        return self._companies

    def _remember_company(self, company_id: int, name: str, domain: str | None) -> None:
        known = self._companies
        known.setdefault(("name", name.lower()), company_id)
        if company_key(name):
            known.setdefault(("key", company_key(name)), company_id)
        if domain:
            known.setdefault(("domain", domain.lower()), company_id)

    def resolve_contact(self, reference: str) -> tuple[Contact | None, str | None]:
        """A contact by email or exact name (any case); or why it could not be found.

        A reference like "Sarah Chen (sarah@northwind.example)", as exports write associations, is
        resolved by the email in it.
        """
        email = _EMAIL_IN_TEXT.search(reference)
        if email and email.group(0) != reference:
            reference = email.group(0)
        found = exact_contacts(self.session, reference)
        if len(found) == 1:
            return found[0], None
        if len(found) > 1:
            return None, f"{len(found)} contacts are called {reference!r}: use the email instead"
        if reference.lower() in self._failed_contacts:
            return None, None
        return None, f"unknown contact {reference!r} (add the contact first, or use their email)"

    def _choose_known_contact(self, record: SourceRecord) -> bool:
        """Point a record that names several people (a calendar event's organiser and attendees, by
        email) at the first of them who is a known contact. False if none is: a problem, said once per
        event however many occurrences it has, unless such events are being skipped."""
        people = [str(person) for person in record.data["contact"]]
        refers_to_failed = False
        for reference in people:
            contact, why = self.resolve_contact(reference)
            if contact is not None:
                record.data["contact"] = reference
                return True
            refers_to_failed |= why is None  # a contact rejected earlier in this import: reported there
        if self.known_contacts_only or refers_to_failed:
            return False
        shown = ", ".join(people[:5]) + (", …" if len(people) > 5 else "")
        why = (f"none of the people at this event is a known contact ({shown}); add one first, or use "
               "--known-only to skip such events") if people else \
            "no attendees with an email, so no contact to link it to; use --known-only to skip such events"
        problem = f"{record.where('contact')}: {record.field_label('contact')}: {why}"
        if (record.file, record.line) in self._events_without_contact:
            self._record_problems = [problem]  # another occurrence of an event already reported
        else:
            self._events_without_contact.add((record.file, record.line))
            self._note_problems([problem])
        return False

    def find_contact(self, fields: Fields, name_field: str = "contact", required: bool = True) -> Contact | None:
        """The contact a record refers to; a problem if unknown or ambiguous."""
        reference = fields.text(name_field, required)
        if reference is None:
            return None
        contact, why = self.resolve_contact(reference)
        if why:
            fields.problem(name_field, why)
        elif contact is None:
            fields.refers_to_failed_record = True
        return contact

    # -- one handler per kind ------------------------------------------------------------------

    def _company(self, record: SourceRecord) -> str | None:
        f = Fields(record, ("name", "domain", "industry", "size", "stage", "health", "summary"), self.now)
        name = f.text("name", required=True)
        values = {"name": name}
        for key in ("domain", "industry", "size", "summary"):
            if f.has(key):
                values[key] = f.text(key)
        if values.get("domain"):
            values["domain"] = clean_domain(values["domain"])
        if f.has("stage"):
            values["stage"] = f.stage("stage")
        if f.has("health"):
            values["health"] = f.choice("health", HEALTH_LABELS)
        if not self._finish(f):
            if name:
                self._failed_companies.add(name.lower())
            return None
        existing = self._existing_company(name, values.get("domain"))
        if existing is not None:
            values["name"] = existing.name  # the name we know them by stays
            by_domain = values.get("domain") and values["domain"].lower() == (existing.domain or "").lower()
            if company_key(name) != company_key(existing.name) and not by_domain:
                return self._fill_empty(existing, values)  # named by a merged duplicate's name or domain
        return self._upsert(existing, Company, values)[1]

    def _contact(self, record: SourceRecord) -> str | None:
        allowed = ("name", "email", "phone", "title", "company", "buying_role", "stage", "stage_since",
                   "stage_history", "preferences", "context")
        f = Fields(record, allowed, self.now)
        name = f.text("name", required=True)
        email = f.text("email")
        if email is not None and "@" not in email:
            f.problem("email", f"{email!r} is not an email address")
        company = self.find_company(f)
        values = {"name": name}
        if email:
            values["email"] = email.lower()
        for key in ("phone", "title", "buying_role", "context"):
            if f.has(key):
                values[key] = f.text(key)
        preferences = f.mapping("preferences", ("channel", "time", "tone"))
        values.update({f"preferred_{key}": value for key, value in preferences.items()})
        history = self._stage_history(f)
        stage = f.stage("stage")
        stage_since = f.when("stage_since")
        if stage and history and history[-1][0] != stage:
            f.problem("stage", f"is {stage!r} but the last stage_history entry is {history[-1][0]!r}")
        if not self._finish(f):
            for key in (name, email):
                if key:
                    self._failed_contacts.add(key.lower())
            return None
        company = self.company_after_checks(f, company)
        if company:
            values["company_id"] = company.id
        existing = self._existing_contact(email, name, company)
        kept = self._merged_duplicate(email, name, company) if existing is None or email else None
        if kept is not None:  # the record is a duplicate merged away: it fills in the contact kept, no more
            values.pop("email", None)
            return self._fill_empty(kept, values)
        if existing is None:  # placed on the path in the same insert
            values["stage"] = stage or (history[-1][0] if history else "Audience")
            values["stage_since"] = history[-1][1] if history else (stage_since or self.now)
        contact, outcome = self._upsert(existing, Contact, values)
        stage_before = contact.stage
        moved = self._apply_stages(contact, history, stage, stage_since, placed=existing is not None)
        if existing is not None and contact.stage != stage_before:
            self.stage_changes.append((contact.name, stage_before, contact.stage))
        return "updated" if moved and outcome == "unchanged" else outcome

    def _stage_history(self, f: Fields) -> list[tuple[str, datetime]]:
        entries = []
        for item in f.items("stage_history"):
            if not isinstance(item, dict) or set(item) - {"stage", "at"} or not {"stage", "at"} <= set(item):
                f.problem("stage_history", "each entry needs exactly `stage` and `at`")
                continue
            stage, at = f.stage("stage_history", item["stage"]), f.when("stage_history", value=item["at"])
            if stage and at:
                entries.append((stage, at))
        return sorted(entries, key=lambda entry: entry[1])

    def _existing_contact(self, email: str | None, name: str, company: Company | None) -> Contact | None:
        """The contact with this email, else the one contact of this name (at this company) without another email."""
        known = self._known_contacts()
        if email and ("email", email.lower()) in known:
            return self.session.get(Contact, known[("email", email.lower())])
        candidates = [(contact_id, company_id, has_email) for contact_id, company_id, has_email
                      in known.get(("name", name.lower()), ())
                      if (company is None or company_id == company.id) and not (email and has_email)]
        return self.session.get(Contact, candidates[0][0]) if len(candidates) == 1 else None

    def _merged_duplicate(self, email: str | None, name: str, company: Company | None) -> Contact | None:
        """The contact a merged duplicate became, if this record names one: by its email, else by its name alone."""
        known = self._known_contacts()
        if email:
            kept_id = known.get(("alias", email.lower()))
            return self.session.get(Contact, kept_id) if kept_id else None
        kept = [self.session.get(Contact, i) for i in dict.fromkeys(known.get(("merged", name.lower()), ()))]
        kept = [c for c in kept if c is not None and (company is None or c.company_id in (None, company.id))]
        return kept[0] if len(kept) == 1 else None

    def _known_contacts(self) -> dict:
        """Contact ids by ("email", email) and [(id, company id, has email)] by ("name", name), loaded once.

        Duplicates merged away still lead to the contact kept: their emails (also as ("alias", email))
        and [kept ids] by ("merged", name).
        """
        if self._contacts is None:
            self._contacts = {}
            for contact in self.session.exec(select(Contact.id, Contact.name, Contact.email, Contact.company_id)):
                self._remember_contact(contact)
            for contact_id, email in self.session.exec(select(ContactAlias.contact_id, ContactAlias.email)):
                self._contacts.setdefault(("email", email.lower()), contact_id)  # merged duplicates' emails
                self._contacts[("alias", email.lower())] = contact_id
            merged = select(MergeRecord.kept_id, MergeRecord.merged_name).where(MergeRecord.kind == "contact")
            for contact_id, name in self.session.exec(merged):
                self._contacts.setdefault(("merged", name.lower()), []).append(contact_id)
        return self._contacts

    def _remember_contact(self, contact) -> None:
        known = self._contacts
        if contact.email:
            known[("email", contact.email.lower())] = contact.id
        same_name = [entry for entry in known.get(("name", contact.name.lower()), []) if entry[0] != contact.id]
        known[("name", contact.name.lower())] = [*same_name, (contact.id, contact.company_id, bool(contact.email))]

    def _apply_stages(self, contact: Contact, history, stage: str | None, stage_since, placed: bool) -> bool:
        """Bring stage history and current stage in line with the record; True if anything changed."""
        changed = False
        previous = None
        for entry_stage, at in history:
            known = self._first(
                select(StageChange).where(
                    StageChange.contact_id == contact.id, StageChange.stage == entry_stage, StageChange.changed_at == at
                )
            )
            if not known:
                self.session.add(StageChange(contact_id=contact.id, stage=entry_stage, previous_stage=previous,
                                             changed_at=at, source="import"))
                changed = True
            previous = entry_stage
        target = stage or (history[-1][0] if history else None) or (None if placed else "Audience")
        if target is None:
            return changed
        if history:
            since = history[-1][1]
        elif placed and contact.stage == target:
            since = stage_since or contact.stage_since
        else:
            if placed:
                record_stage_change(self.session, contact, target, stage_since or self.now, "import")
                return True
            since = stage_since or self.now
            self.session.add(StageChange(contact_id=contact.id, stage=target, changed_at=since, source="import"))
        if (contact.stage, contact.stage_since) != (target, since):
            contact.stage, contact.stage_since = target, since
            self.session.add(contact)
            changed = True
        return changed

    SIGNAL_FIELDS = ("contact", "kind", "title", "topics", "at", "detail", "source")

    def _signal(self, record: SourceRecord) -> str | None:
        """Signals are staged for the bulk loader (they come by the million); counted when it merges."""
        row = self._quick_signal(record) or self._checked_signal(record)
        if row is None:
            return None
        self._signal_loader().add(row)
        return "staged"

    def write_signal_rows(self, rows: Iterable[tuple[int, list[str]]], columns: dict[str, int],
                          read_date: Callable[[str], datetime],
                          to_record: Callable[[int, list[str]], SourceRecord]) -> None:
        """Signals straight from CSV cells (line, cells) whose columns map one to one onto fields.

        The fast lane for files of millions of rows: a plainly good row becomes a table row with no
        intermediate objects; any row in doubt goes through `write(to_record(line, cells))`, which
        gives the exact problem or handles the unusual case (a name instead of an email, a
        formula guard to undo).
        """
        if not {"contact", "kind", "title", "at"} <= set(columns):
            for line, cells in rows:
                self.write(to_record(line, cells))
            return
        contacts, loader = self._contact_index(), self._signal_loader()
        stage, topics_json = loader.pending.append, {}
        c, k, t, a = (columns[name] for name in ("contact", "kind", "title", "at"))
        tp, d, src = (columns.get(name) for name in ("topics", "detail", "source"))
        width = max(columns.values()) + 1
        for line, cells in rows:
            try:
                if len(cells) < width:
                    raise ValueError
                contact_id = contacts[cells[c].strip().lower()]
                kind, title, at = cells[k].strip().lower(), cells[t].strip(), read_date(cells[a])
                raw_topics = cells[tp] if tp is not None else ""
                detail = (cells[d].strip() or None) if d is not None else None
                source = (cells[src].strip() or None) if src is not None else None
                if (contact_id is None or not kind or not title or title[0] == "'" or kind[0] == "'"
                        or (detail and (detail[0] == "'" or not within_limits(detail, MAX_LONG_TEXT)))
                        or (source and (source[0] == "'" or not within_limits(source)))
                        or not within_limits(title) or not within_limits(kind) or not within_limits(raw_topics)):
                    raise ValueError  # let the checked path say what is wrong, or undo a formula guard
            except (KeyError, ValueError):
                self.write(to_record(line, cells))
                continue
            topics = topics_json.get(raw_topics)
            if topics is None:
                topics = topics_json[raw_topics] = json.dumps([i.strip() for i in raw_topics.split(";") if i.strip()])
            stage((contact_id, kind, title, topics, at.replace(tzinfo=None).isoformat(" ", "microseconds"),
                   detail, source))
            if len(loader.pending) >= loader.BATCH:
                loader.flush()
                if len(topics_json) > 10_000:
                    topics_json.clear()

    def _signal_loader(self) -> SignalBulkLoader:
        if self._signals is None:
            self._signals = SignalBulkLoader(self.session)
        return self._signals

    def _quick_signal(self, record: SourceRecord) -> tuple | None:
        """The row of a plainly well-formed signal, without the full checks; None when in any doubt."""
        data = record.data
        if not _plain_signal(data, self.SIGNAL_FIELDS):
            return None
        contact, kind, title, at = data.get("contact"), data.get("kind"), data.get("title"), data.get("at")
        contact_id = self._contact_index().get(contact.lower()) if contact else None
        if contact_id is None or not kind or not title or not at:
            return None
        try:
            moment = record.read_date(at) if record.read_date else datetime.fromisoformat(at)
        except ValueError:
            return None
        if moment.tzinfo is None and not record.read_date:
            moment = moment.astimezone()  # a YAML time without zone is the user's local time
        return self._signal_loader().row(contact_id, kind.lower(), title, data.get("topics", []), moment,
                                         data.get("detail"), data.get("source"))

    def _contact_index(self) -> dict[str, int | None]:
        """Contact ids by lower-case email and by name (None where a name is shared), built once."""
        if self._contact_ids is None:
            self._contact_ids = {}
            for contact_id, email, name in self.session.exec(select(Contact.id, Contact.email, Contact.name)):
                key = name.lower()
                self._contact_ids[key] = None if key in self._contact_ids else contact_id
                if email:
                    self._contact_ids[email.lower()] = contact_id
            for contact_id, email in self.session.exec(select(ContactAlias.contact_id, ContactAlias.email)):
                self._contact_ids.setdefault(email.lower(), contact_id)  # merged duplicates' emails
        return self._contact_ids

    def _checked_signal(self, record: SourceRecord) -> tuple | None:
        f = Fields(record, self.SIGNAL_FIELDS, self.now)
        contact = self.find_contact(f)
        kind, title = (f.text("kind", required=True) or "").lower(), f.text("title", required=True)
        topics, at = f.texts("topics"), f.when("at", required=True)
        detail, source = f.text("detail"), f.text("source")
        if not self._finish(f):
            return None
        return self._signal_loader().row(contact.id, kind, title, topics, at, detail, source)

    def _appointment(self, record: SourceRecord) -> str | None:
        allowed = ("contact", "purpose", "kind", "at", "attendees", "outcome", "decisions", "next_steps")
        f = Fields(record, allowed, self.now)
        contact = self.find_contact(f)
        values = {
            "purpose": f.text("purpose", required=True),
            "kind": f.choice("kind", APPOINTMENT_KINDS, "other"),
            "scheduled_at": f.when("at", required=True),
            "decisions": f.texts("decisions"),
        }
        if f.has("outcome"):
            values["outcome"] = f.text("outcome")
        attendees = self._attendees(f, contact)
        steps = self._next_steps(f)
        if not self._finish(f):
            return None
        values.update(contact_id=contact.id, company_id=contact.company_id)
        existing = self._first(
            select(Appointment).where(
                Appointment.contact_id == contact.id, Appointment.scheduled_at == values["scheduled_at"]
            )
        )
        appointment, outcome = self._upsert(existing, Appointment, values)
        details_changed = self._replace_children(appointment, Attendee, attendees, ("name", "role", "contact_id"))
        details_changed |= self._replace_children(appointment, NextStep, steps, ("step", "owner", "due_at", "done"))
        return "updated" if details_changed and outcome == "unchanged" else outcome

    def _attendees(self, f: Fields, primary: Contact | None) -> list[dict]:
        people = []
        for item in f.items("attendees"):
            if isinstance(item, str):
                name, _, role = item.partition(":")
                item = {"name": name, "role": role or None}
            if not isinstance(item, dict) or set(item) - {"name", "role"} or not item.get("name"):
                f.problem("attendees", "each attendee needs a `name` (and optionally a `role`)")
                continue
            name = f.text_value("attendees", item["name"], True)
            contact, _ = self.resolve_contact(name)
            people.append({"name": contact.name if contact else name,
                           "role": f.text_value("attendees", item.get("role"), False),
                           "contact_id": contact.id if contact else None})
        if primary and all(person["contact_id"] != primary.id for person in people):
            people.insert(0, {"name": primary.name, "role": primary.buying_role, "contact_id": primary.id})
        return people

    def _next_steps(self, f: Fields) -> list[dict]:
        steps = []
        for item in f.items("next_steps"):
            if isinstance(item, str):
                item = {"step": item}
            if not isinstance(item, dict) or set(item) - {"step", "owner", "due", "done"} or not item.get("step"):
                f.problem("next_steps", "each next step needs a `step` (and optionally `owner`, `due`, `done`)")
                continue
            done = item.get("done", False)
            if not isinstance(done, bool):
                f.problem("next_steps", f"done must be true or false, found {preview(done)}")
                continue
            steps.append({
                "step": f.text_value("next_steps", item["step"], True),
                "owner": f.text_value("next_steps", item.get("owner"), False),
                "due_at": f.when("next_steps", value=item["due"]) if item.get("due") not in (None, "") else None,
                "done": done,
            })
        return steps

    def _replace_children(self, appointment: Appointment, model, wanted: list[dict], keys: tuple[str, ...]) -> bool:
        current = self.session.exec(
            select(model).where(model.appointment_id == appointment.id).order_by(model.id)
        ).all()
        if [tuple(getattr(row, key) for key in keys) for row in current] == [tuple(w[k] for k in keys) for w in wanted]:
            return False
        for row in current:
            self.session.delete(row)
        for values in wanted:
            self.session.add(model(appointment_id=appointment.id, **values))
        return True

    def _ticket(self, record: SourceRecord) -> str | None:
        allowed = ("ref", "contact", "company", "subject", "description", "status", "priority", "kind",
                   "opened", "closed")
        f = Fields(record, allowed, self.now)
        contact = self.find_contact(f, required=False) if f.has("contact") else None
        company = self.find_company(f) if f.has("company") else None
        if not f.has("contact") and not f.has("company"):
            f.problem("contact", "missing: a ticket needs a contact or a company")
        values = {
            "ref": f.text("ref"),
            "subject": f.text("subject", required=True),
            "status": f.choice("status", TICKET_STATUSES, "open"),
            "priority": f.choice("priority", TICKET_PRIORITIES, "normal"),
            "kind": f.choice("kind", TICKET_KINDS),
            "opened_at": f.when("opened", required=True),
            "closed_at": f.when("closed"),
        }
        if f.has("description"):
            values["description"] = f.text("description")
        if not self._finish(f):
            return None
        values["contact_id"] = contact.id if contact else None
        company = self.company_after_checks(f, company)
        values["company_id"] = company.id if company else (contact.company_id if contact else None)
        if values["ref"]:
            key = select(Ticket).where(Ticket.ref == values["ref"])
        else:
            key = select(Ticket).where(
                Ticket.contact_id == values["contact_id"],
                Ticket.company_id == values["company_id"],
                Ticket.subject == values["subject"],
                Ticket.opened_at == values["opened_at"],
            )
        return self._upsert(self._first(key), Ticket, values)[1]

    def _service(self, record: SourceRecord) -> str | None:
        f = Fields(record, ("company", "name", "status", "start", "end", "owner"), self.now)
        company = self.find_company(f, required=True)
        values = {
            "name": f.text("name", required=True),
            "status": f.choice("status", SERVICE_STATUSES, "planned"),
            "start_at": f.when("start"),
            "end_at": f.when("end"),
            "owner": f.text("owner"),
        }
        if not self._finish(f):
            return None
        company = self.company_after_checks(f, company)
        values["company_id"] = company.id
        existing = self._first(select(Service).where(Service.company_id == company.id, Service.name == values["name"]))
        return self._upsert(existing, Service, values)[1]

    def _note(self, record: SourceRecord) -> str | None:
        f = Fields(record, ("contact", "company", "text", "at", "author"), self.now)
        contact = self.find_contact(f, required=False) if f.has("contact") else None
        company = self.find_company(f) if f.has("company") else None
        if not f.has("contact") and not f.has("company"):
            f.problem("contact", "missing: a note belongs to a contact or a company")
        values = {"text": f.text("text", required=True), "written_at": f.when("at", required=True),
                  "author": f.text("author")}
        if not self._finish(f):
            return None
        values["contact_id"] = contact.id if contact else None
        company = self.company_after_checks(f, company)
        values["company_id"] = company.id if company else None
        existing = self._first(
            select(Note).where(
                Note.contact_id == values["contact_id"],
                Note.company_id == values["company_id"],
                Note.written_at == values["written_at"],
                Note.text == values["text"],
            )
        )
        return self._upsert(existing, Note, values)[1]
