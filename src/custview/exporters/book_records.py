"""The book as export records (the import format), read a batch at a time: memory holds a batch, not the book.

Records refer to each other by natural keys, never by database ids: a contact by email when it
has one, else by name; a company by name; a member by name. Each kind's rows are read in id order
in one statement that joins in the names they refer to; what hangs off a contact or a meeting
(stage history, aliases, merges, attendees, next steps) is read for a batch of them at once.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime
from itertools import islice

from custview.dates import iso_utc, read_stored_time
from custview.db.batch import placeholders
from custview.db.read_rows import (READ, Appointment, Attendee, Company, CompanyAlias, Contact, ContactAlias, Handover,
                                   Member, MergeRecord, NextStep, Note, Service, Signal, StageChange,
                                   SuccessCriterion, Ticket, stored_list)
from custview.db.reader import Reader

_STORED_UTC = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d{6})?")  # custview.dates.stored_time's form

BATCH = 500  # contacts or meetings whose stage history, aliases, attendees… are read together

# How a record names a contact: their email, else their name (an empty email counts as none).
CONTACT_KEY = "COALESCE(NULLIF({0}.email, ''), {0}.name)"

TABLES = {"members": Member, "companies": Company, "contacts": Contact, "signals": Signal,
          "appointments": Appointment, "tickets": Ticket, "services": Service, "success_criteria": SuccessCriterion,
          "notes": Note, "handovers": Handover}


def utc_iso(moment: datetime | None) -> str | None:
    """A moment as ISO 8601 in UTC with a Z: 2026-11-24T15:00:00Z."""
    if moment is None:
        return None
    text = moment.isoformat()  # the reader's moments are in UTC: the quick way (a third of the time)
    return text[:-6] + "Z" if text.endswith("+00:00") else iso_utc(moment)


def stored_utc(text: str | None) -> str | None:
    """A moment as the book stores it (`2026-11-24 15:00:00.000000`, UTC) as `utc_iso` writes it
    (`2026-11-24T15:00:00Z`), by moving its characters; any other form through `datetime`."""
    if text is None:
        return None
    if _STORED_UTC.fullmatch(text):
        fraction = text[19:]
        return f"{text[:10]}T{text[11:19]}{'' if fraction == '.000000' else fraction}Z"
    return iso_utc(read_stored_time(text))


def amount(value: float | None) -> int | float | None:
    """A contract amount as written in a file: 120000 rather than 120000.0."""
    return int(value) if value is not None and value == int(value) else value


def record(**values) -> dict:
    """The fields that have a value, in the given order (empty lists and mappings left out)."""
    return {key: value for key, value in values.items() if value or value == 0}  # 0 and False have a value


def in_batches(items, size: int = BATCH) -> Iterator[list]:
    """`items` (any iterable) as lists of at most `size`."""
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


class BookRecords:
    """Builds each kind's records from the reader's rows, one record at a time. Use it inside
    `reader.snapshot()`, so that every kind and count comes from the same state of the book."""

    def __init__(self, reader: Reader):
        self.reader = reader
        self.member_names = {m.id: m.name for m in reader.rows(Member, order="id")}  # a team: a handful

    def count(self, kind: str) -> int:
        """How many records of this kind an export holds: one per row of its table."""
        return self.reader.query(f"SELECT count(*) FROM {READ[TABLES[kind]].name}")[0][0]

    def records(self, kind: str) -> Iterator[dict]:
        """The records of one kind, in id order."""
        return getattr(self, f"_{kind}")()

    def owner_name(self, member_id: int | None) -> str | None:
        """How a record refers to the member who owns it: their name."""
        return self.member_names.get(member_id)

    def _joined(self, twin: type, joins: str = "", *named: str) -> Iterator[tuple]:
        """Each row of `twin`'s table in id order, with the values `named` (SQL expressions) read beside it."""
        table = READ[twin]
        extra = "".join(f", {expression}" for expression in named)
        build, width = table.build, len(table.column_names)
        for row in self.reader.stream(f"SELECT {table.columns}{extra} FROM {table.name} {joins} "
                                      f"ORDER BY {table.name}.id"):
            yield build(row[:width]), *row[width:]

    def _by_contact(self, twin: type, twin_column: str, table: str) -> Iterator[tuple]:
        """`_joined` with the key of the contact in `twin_column` beside each row."""
        return self._joined(twin, f"LEFT JOIN contact ON contact.id = {table}.{twin_column}",
                            CONTACT_KEY.format("contact"))

    def _members(self) -> Iterator[dict]:
        for (m,) in self._joined(Member):
            yield record(name=m.name, email=m.email, team=m.team, role=m.role)

    @staticmethod
    def _merges(kind: str, ids: list[int], batch) -> list:
        """Who was merged into these contacts or companies (`kind`), oldest merge first (filled when `batch` runs)."""
        return batch.rows_in(MergeRecord, "kept_id", ids, "merged_at, id", where=f"merge_record.kind = '{kind}'")

    @staticmethod
    def _merged(merges: list) -> dict[int, list[dict]]:
        """Merge records as the list each kept contact or company carries."""
        merged = defaultdict(list)
        for m in merges:
            merged[m.kept_id].append(record(name=m.merged_name, email=m.merged_email, domain=m.merged_domain,
                                            at=utc_iso(m.merged_at)))
        return merged

    def _companies(self) -> Iterator[dict]:
        for companies in in_batches(self._joined(Company)):
            ids = [c.id for (c,) in companies]
            with self.reader.batch() as batch:
                found_aliases = batch.rows_in(CompanyAlias, "company_id", ids, "id")
                merges = self._merges("company", ids, batch)
            merged, aliases = self._merged(merges), defaultdict(list)
            for alias in found_aliases:
                aliases[alias.company_id].append(record(name=alias.name, domain=alias.domain) if alias.domain
                                                 else alias.name)
            for (c,) in companies:
                yield record(name=c.name, domain=c.domain, industry=c.industry, size=c.size, stage=c.stage,
                             health=c.health, summary=c.summary, status=c.status, renewal=utc_iso(c.renewal_at),
                             value=amount(c.contract_value), currency=c.contract_currency,
                             arr=c.contract_arr or None, ended=utc_iso(c.ended_at), end_reason=c.end_reason,
                             aliases=aliases[c.id], merged=merged[c.id], owner=self.owner_name(c.owner_id))

    def _contacts(self) -> Iterator[dict]:
        rows = self._joined(Contact, "LEFT JOIN company ON company.id = contact.company_id", "company.name")
        for contacts in in_batches(rows):
            ids = [c.id for c, _ in contacts]
            with self.reader.batch() as batch:
                changes = batch.rows_in(StageChange, "contact_id", ids, "changed_at, id")
                found_aliases = batch.rows_in(ContactAlias, "contact_id", ids, "id")
                merges = self._merges("contact", ids, batch)
            merged = self._merged(merges)
            history, aliases = defaultdict(list), defaultdict(list)
            for change in changes:
                history[change.contact_id].append(record(
                    stage=change.stage, at=utc_iso(change.changed_at), made_by=change.made_by,
                    source=None if change.source == "import" else change.source))
            for alias in found_aliases:
                aliases[alias.contact_id].append(alias.email)
            for c, company in contacts:
                preferences = record(channel=c.preferred_channel, time=c.preferred_time, tone=c.preferred_tone)
                yield record(name=c.name, email=c.email, phone=c.phone, title=c.title, company=company,
                             buying_role=c.buying_role, stage=c.stage,
                             stage_since=None if history[c.id] else utc_iso(c.stage_since),
                             stage_history=history[c.id], preferences=preferences, context=c.context,
                             aliases=aliases[c.id], merged=merged[c.id], owner=self.owner_name(c.owner_id))

    def _signals(self) -> Iterator[dict]:
        # The biggest table: its columns taken as stored, without making rows first (a third faster).
        rows = self.reader.stream(f"SELECT {CONTACT_KEY.format('contact')}, signal.kind, signal.title, signal.topics, "
                                  "signal.occurred_at, signal.detail, signal.source FROM signal "
                                  "LEFT JOIN contact ON contact.id = signal.contact_id ORDER BY signal.id")
        for contact, kind, title, topics, at, detail, source in rows:
            yield record(contact=contact, kind=kind, title=title, topics=stored_list(topics), at=stored_utc(at),
                         detail=detail, source=source)

    def _appointments(self) -> Iterator[dict]:
        for appointments in in_batches(self._by_contact(Appointment, "contact_id", "appointment")):
            ids = [a.id for a, _ in appointments]
            with self.reader.batch() as batch:
                attendees = batch.query(
                    f"SELECT {READ[Attendee].columns}, {CONTACT_KEY.format('contact')} FROM attendee "
                    "LEFT JOIN contact ON contact.id = attendee.contact_id "
                    f"WHERE attendee.appointment_id IN ({placeholders(ids)}) ORDER BY attendee.id", ids)
                steps = batch.rows_in(NextStep, "appointment_id", ids, "id")
            people, steps_of = defaultdict(list), defaultdict(list)
            width = len(READ[Attendee].column_names)
            for row in attendees:
                person = READ[Attendee].build(row[:width])
                people[person.appointment_id].append(record(name=row[width] or person.name, role=person.role))
            for s in steps:
                steps_of[s.appointment_id].append(record(step=s.step, owner=s.owner, due=utc_iso(s.due_at),
                                                         done=s.done or None, made_by=s.made_by))
            for a, contact in appointments:
                yield record(contact=contact, purpose=a.purpose, kind=a.kind, at=utc_iso(a.scheduled_at),
                             attendees=people[a.id], outcome=a.outcome, decisions=list(a.decisions),
                             next_steps=steps_of[a.id], uid=a.uid, made_by=a.made_by)

    def _tickets(self) -> Iterator[dict]:
        rows = self._joined(Ticket, "LEFT JOIN contact ON contact.id = ticket.contact_id "
                                    "LEFT JOIN company ON company.id = ticket.company_id",
                            CONTACT_KEY.format("contact"), "contact.company_id", "company.name")
        for t, contact, implied_company, company in rows:
            yield record(ref=t.ref, contact=contact, company=company if t.company_id != implied_company else None,
                         subject=t.subject, description=t.description, status=t.status, priority=t.priority,
                         kind=t.kind, opened=utc_iso(t.opened_at), closed=utc_iso(t.closed_at),
                         owner=self.owner_name(t.owner_id), made_by=t.made_by)

    def _services(self) -> Iterator[dict]:
        for s, company in self._joined(Service, "LEFT JOIN company ON company.id = service.company_id", "company.name"):
            yield record(company=company, name=s.name, status=s.status, start=utc_iso(s.start_at),
                         end=utc_iso(s.end_at), owner=s.owner, made_by=s.made_by)

    def _success_criteria(self) -> Iterator[dict]:
        for c, company in self._joined(SuccessCriterion, "LEFT JOIN company ON company.id = "
                                                         "success_criterion.company_id", "company.name"):
            yield record(company=company, metric=c.metric, target=c.target, status=c.status, made_by=c.made_by)

    def _notes(self) -> Iterator[dict]:
        rows = self._joined(Note, "LEFT JOIN contact ON contact.id = note.contact_id "
                                  "LEFT JOIN company ON company.id = note.company_id",
                            CONTACT_KEY.format("contact"), "company.name")
        for n, contact, company in rows:
            yield record(contact=contact, company=company, text=n.text, at=utc_iso(n.written_at), author=n.author)

    def _handovers(self) -> Iterator[dict]:
        rows = self._joined(Handover, "LEFT JOIN contact ON contact.id = handover.contact_id "
                                      "LEFT JOIN company ON company.id = handover.company_id",
                            CONTACT_KEY.format("contact"), "company.name")
        for h, contact, company in rows:
            yield record(**{"contact": contact, "company": company, "from": self.owner_name(h.from_member_id),
                            "to": self.owner_name(h.to_member_id), "at": utc_iso(h.handed_at),
                            "steps_moved": h.steps_moved or None, "made_by": h.made_by})


def ambiguous_contacts(reader: Reader) -> list[str]:
    """Warnings for contacts that an export can only name ambiguously (same name, no email).

    Two passes over the contacts' names and emails; memory holds only the names of contacts without email.
    """
    without_email: dict[str, str] = {}  # casefolded name -> the name as first written
    for name, in reader.stream("SELECT name FROM contact WHERE email IS NULL OR email = '' ORDER BY id"):
        without_email.setdefault(name.casefold(), name)
    if not without_email:
        return []
    names, is_an_email = defaultdict(int), set()
    for name, email in reader.stream("SELECT name, email FROM contact"):
        key = name.casefold()
        if key in without_email:
            names[key] += 1
        if email and email.casefold() in without_email:
            is_an_email.add(email.casefold())
    return [f"{names[key]} contacts are called {name!r} and at least one has no email: "
            "their records cannot be told apart when this export is imported (give them emails)"
            for key, name in without_email.items() if names[key] >= 2 or key in is_an_email]
