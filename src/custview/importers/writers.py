"""Turn source records (from any file format) into rows: validate, resolve references, upsert, in batches.

Every record goes through the same checks (`custview.importers.fields`), finds what it refers to
through one index of the book's contacts and companies (`custview.importers.resolve`), and is
written with the rows of its batch (`custview.importers.tables`): one import of 100,000 rows is
a few hundred `executemany` calls, not 100,000 round trips. Every problem is collected with its
file, line, record and field; the caller decides to roll back.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime

from custview.errors import UserError
from custview.importers.activity import ActivityWriting
from custview.importers.bulk import SignalBulkLoader, SignalWriting
from custview.importers.fields import Fields
from custview.importers.lanes import RowLanes
from custview.importers.members import MemberWriting
from custview.importers.people import PeopleWriting
from custview.importers.records import KINDS, SourceRecord
from custview.importers.resolve import BookIndex, email_in
from custview.importers.tables import Tables, stored

PROBLEM_LIMIT = 100  # problem lines shown for one import; the rest are counted
WARNING_LIMIT = 20
# The column records of a kind are mostly found by (their own reference), looked up a batch at a time.
FOUND_BY = {"tickets": ("ticket", "ref"), "appointments": ("appointment", "uid")}
LOOKUP_BATCH = 1_000


class RecordWriter(RowLanes, MemberWriting, PeopleWriting, SignalWriting, ActivityWriting):
    """Applies source records through a DB-API connection in its write transaction, counting created / updated /
    unchanged / rejected per kind.

    Give it records with companies and contacts before the records that refer to them (`KINDS`
    order), then call `finish`. Strict by default: any problem makes `finish` raise UserError
    with all of them. With `on_reject`, a bad record is skipped and handed to that callback.
    """

    def __init__(self, connection, now: datetime,
                 on_reject: Callable[[SourceRecord, list[str]], None] | None = None,
                 known_contacts_only: bool = False, dry_run: bool = False):
        self.connection = connection
        self.now, self.on_reject = now, on_reject
        self.dry_run = dry_run  # its work is thrown away: `finish` skips what only a kept book needs
        self.now_stored = stored(now)
        self._stage_names: dict[str, str | None] = {}
        # Records naming several people (calendar events) without a known contact among them are
        # skipped and counted rather than reported.
        self.known_contacts_only = known_contacts_only
        self.tables = Tables(self.connection)
        self._index: BookIndex | None = None
        self._events_without_contact: set[tuple[str, int]] = set()
        self.counts: dict[str, Counter] = {kind: Counter() for kind in KINDS}
        self.problems: list[str] = []
        self.problem_count = 0
        self.warnings: list[str] = []
        self.warning_count = 0
        self.linked_tickets = 0
        self.stage_changes: list[tuple[str, str | None, str]] = []  # (contact, from, to)
        self._failed_contacts: set[str] = set()
        self._failed_companies: set[str] = set()
        self._company_ids: dict[str, int] = {}  # the companies the contacts lane found, by the text naming them
        self._dates: dict[str, str] = {}  # dates the tickets lane read, as stored, by their text
        self._signals: SignalBulkLoader | None = None
        self._record_problems: list[str] = []
        self._handlers = {"members": self._member, "companies": self._company, "contacts": self._contact, "signals": self._signal,
                          "appointments": self._appointment, "tickets": self._ticket, "services": self._service,
                          "success_criteria": self._success_criterion, "notes": self._note,
                          "handovers": self._handover}

    @property
    def index(self) -> BookIndex:
        """The book's contacts and companies, loaded at the first record that needs them."""
        if self._index is None:
            self._index = BookIndex(self.connection)
        return self._index

    def write(self, record: SourceRecord) -> None:
        """Validate and upsert one record; its problems are collected (or it is handed to on_reject)."""
        self._record_problems = []
        if record.malformed:
            self._note_problems([f"{record.where()}: {record.malformed}"])
            outcome = None
        elif isinstance(record.data.get("contact"), list) and not self._choose_known_contact(record):
            outcome = "skipped" if self.known_contacts_only else None
        else:
            outcome = self._handlers[record.kind](record)
            self.tables.row_written()
        if outcome and outcome != "staged":
            self.counts[record.kind][outcome] += 1
        elif outcome is None:
            self.counts[record.kind]["rejected"] += 1
            if self.on_reject:
                self.on_reject(record, self._record_problems
                               or [f"{record.where()}: refers to a record that was rejected"])

    def write_many(self, records: list[SourceRecord]) -> None:
        """Write records of one kind (see `write`), what they refer to looked up for all of them at once."""
        for start in range(0, len(records), LOOKUP_BATCH):
            batch = records[start:start + LOOKUP_BATCH]
            if batch and (found_by := FOUND_BY.get(batch[0].kind)):
                table, column = found_by
                self.tables[table].prefetch(column, [value.strip() for record in batch
                                                     if (value := record.data.get(column)).__class__ is str])
            for record in batch:
                self.write(record)

    def finish(self) -> dict[str, Counter]:
        """Write what is still waiting; UserError listing the problems unless bad records are being skipped.

        A dry run, whose work is thrown away, does not rebuild the indexes dropped for the load
        unless linking earlier tickets to their contacts needs them."""
        if self.problem_count and not self.on_reject:
            raise UserError(*self.problems, *self._more(self.problem_count, self.problems, "problem"))
        self.tables.flush()
        if self._signals is not None:
            created, updated, unchanged = self._signals.merge()
            self.counts["signals"] += Counter(created=created, updated=updated, unchanged=unchanged)
        self.tables.finish(rebuild_indexes=not self.dry_run or self._unlinked_tickets())
        self.linked_tickets = self._link_tickets()
        if self.counts["members"]["created"]:
            self.link_new_members()
        self.warnings.extend(self._more(self.warning_count, self.warnings, "warning"))
        return self.counts

    def note_warning(self, warning: str) -> None:
        """Something the user should know about a record that was imported all the same."""
        self.warning_count += 1
        if len(self.warnings) < WARNING_LIMIT:
            self.warnings.append(warning)

    @staticmethod
    def _more(count: int, shown: list[str], noun: str) -> list[str]:
        hidden = count - len(shown)
        return [f"… and {hidden:,} more {noun}{'s' if hidden != 1 else ''}"] if hidden > 0 else []

    def _note_problems(self, problems: list[str]) -> None:
        self._record_problems.extend(problems)
        self.problem_count += len(problems)
        self.problems.extend(problems[: max(0, PROBLEM_LIMIT - len(self.problems))])

    def _finish(self, fields: Fields) -> bool:
        self._note_problems(fields.problems)
        return not fields.problems and not fields.refers_to_failed_record

    def _unlinked_tickets(self) -> bool:
        """Whether the book has tickets kept unlinked, with their requester's email."""
        return bool(self.connection.execute("SELECT EXISTS (SELECT 1 FROM ticket WHERE contact_id IS NULL "
                                            "AND requester_email IS NOT NULL)").fetchone()[0])

    def _link_tickets(self) -> int:
        """Link the book's unlinked tickets to the contacts their requesters' emails now belong to."""
        found = ("coalesce((SELECT id FROM contact WHERE email = ticket.requester_email), "
                 "(SELECT contact_id FROM contact_alias WHERE email = ticket.requester_email))")
        return self.connection.execute(
            f"UPDATE ticket SET contact_id = {found}, company_id = coalesce(company_id, "
            f"(SELECT company_id FROM contact WHERE id = {found})) "
            f"WHERE contact_id IS NULL AND requester_email IS NOT NULL AND {found} IS NOT NULL").rowcount

    # -- what records refer to -------------------------------------------------------------------

    def lookup_contact(self, reference: str) -> tuple[list[int], bool]:
        """The contacts an email or whole name (any case) means, and whether it names one rejected earlier."""
        reference = email_in(reference)
        found = self.index.matching(reference)
        return found, not found and reference.lower() in self._failed_contacts

    def resolve_contact(self, reference: str) -> tuple[int | None, str | None]:
        """A contact's id by email or exact name (any case); or why it could not be found (None: reported already).

        A reference like "Sarah Chen (sarah@northwind.example)", as exports write associations, is
        resolved by the email in it.
        """
        found, failed_before = self.lookup_contact(reference)
        if len(found) == 1:
            return found[0], None
        if found:
            return None, f"{len(found)} contacts are called {email_in(reference)!r}: use the email instead"
        if failed_before:
            return None, None
        return None, f"unknown contact {email_in(reference)!r} (add the contact first, or use their email)"

    def find_contact(self, fields: Fields, name_field: str = "contact", required: bool = True) -> int | None:
        """The id of the contact a record refers to; a problem if unknown or ambiguous."""
        reference = fields.text(name_field, required)
        if reference is None:
            return None
        contact_id, why = self.resolve_contact(reference)
        if why:
            fields.problem(name_field, why)
        elif contact_id is None:
            fields.refers_to_failed_record = True
        return contact_id

    def _choose_known_contact(self, record: SourceRecord) -> bool:
        """Point a record that names several people (a calendar event's organiser and attendees, by
        email) at the first of them who is a known contact. False if none is: a problem, said once per
        event however many occurrences it has, unless such events are being skipped."""
        people = [str(person) for person in record.data["contact"]]
        refers_to_failed = False
        for reference in people:
            contact_id, why = self.resolve_contact(reference)
            if contact_id is not None:
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
