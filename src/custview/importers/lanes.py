"""The fast lane for contacts and tickets from CSV exports: plainly good, plainly new rows straight to table rows.

What signals have (`custview.importers.bulk`), for the other big exports. Rows are taken a batch at
a time; what they refer to is resolved for the whole batch from the import's index and a few
queries (`TableRows.prefetch`, `preload`); a row that is plainly good and plainly new becomes a
table row without a SourceRecord, a Fields or a query of its own. Any row in doubt (something to
report, a record the book has already, a shared name, a new owner, a requester not in the book)
goes through `write(record)`, which checks it field by field: the lane changes the speed of an
import, never its outcome, and its rows count, warn and fail exactly as they would there.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from itertools import islice

from custview.db.rows import TICKET_KINDS, TICKET_PRIORITIES, TICKET_STATUSES
from custview.importers.fields import LONG_TEXT_FIELDS, MAX_DATE_TEXT, MAX_LONG_TEXT, MAX_TEXT, ONE_LINE_FIELDS, option_named
from custview.importers.resolve import email_in, name_from_email
from custview.importers.tables import stored
from custview.printable import LINE_BREAKS, has_line_break

ROWS_PER_BATCH = 1_000
DATES_REMEMBERED = 20_000
CONTACT_LANE_FIELDS = frozenset(("name", "email", "phone", "title", "company", "buying_role", "stage", "context",
                                 "owner"))
# The columns of the rows the contacts lane adds (as tuples: see `TableRows.plain_adder`).
CONTACT_COLUMNS = ("id", "name", "email", "phone", "title", "buying_role", "context", "company_id", "owner_id", "stage",
                   "stage_since", "name_derived")
STAGE_CHANGE_COLUMNS = ("id", "contact_id", "stage", "changed_at", "source")
_LINE_BREAK = re.compile("[" + "".join(LINE_BREAKS) + "]")
TICKET_LANE_FIELDS = frozenset(("ref", "contact", "requester", "company", "subject", "description", "status",
                                "priority", "kind", "topics", "opened", "closed", "owner"))


def plain_fields(data: dict, allowed: frozenset) -> bool:
    """Whether every field is an allowed one holding stripped, non-empty text (a list of such for `topics`)
    within the limits, without NUL, names on one line: what needs no field-by-field check.

    Checked on all the texts at once (joined with NUL, which no good text holds): a few C-speed
    scans per row instead of a handful of tests per field."""
    if not allowed.issuperset(data):
        return False
    texts = list(data.values())
    if "topics" in data:
        topics = data["topics"]
        if topics.__class__ is not list:
            return False
        texts.remove(topics)
        texts += topics
    try:
        joined = "\x00".join(texts)
    except TypeError:  # not all texts
        return False
    if (not all(texts) or joined.count("\x00") != len(texts) - 1 or list(map(str.strip, texts)) != texts
            or _LINE_BREAK.search(joined) and has_line_break("\x00".join(data[key] for key in ONE_LINE_FIELDS
                                                                          if key in data))):
        return False
    return len(joined) <= MAX_TEXT or all(
        len(text) <= (MAX_LONG_TEXT if key in LONG_TEXT_FIELDS else MAX_TEXT) for key, text in data.items()
        if key != "topics") and all(len(topic) <= MAX_TEXT for topic in data.get("topics") or ())


def batches(rows: Iterable, size: int = ROWS_PER_BATCH) -> Iterator[list]:
    """The rows in lists of `size`."""
    rows = iter(rows)
    while batch := list(islice(rows, size)):
        yield batch


class RowLanes:
    """The contacts and tickets lanes of `RecordWriter` (which provides write, index, tables, members, counts)."""

    def write_export_rows(self, export, rows: Iterable[tuple[int, list[str]]]) -> None:
        """Write a CSV export's rows (line, cells), the plainly good and new ones through the kind's fast lane."""
        lane = {"contacts": self._contacts_batch, "tickets": self._tickets_batch}.get(export.kind)
        fields = export.fields
        for batch in batches(rows):
            if lane is None:
                self.write_many([export.record(line, cells) for line, cells in batch])
            else:
                lane([(line, cells, fields(cells)) for line, cells in batch], export)

    def _count_created(self, kind: str, created: int) -> None:
        if created:
            self.counts[kind]["created"] += created
            self.tables.rows_written(created)

    # -- contacts -------------------------------------------------------------------------------

    def _contacts_batch(self, read: list[tuple[int, list[str], dict | None]], export) -> None:
        """Write a batch of contact rows: each plainly good row about someone the book does not know by email
        or name straight to a table row, any other through `write`, in the file's order."""
        index, tables, now = self.index, self.tables, self.now_stored
        emails, aliases, names, merged_names = index.emails, index.aliases, index.names, index.merged_names
        contacts, changes = tables["contact"], tables["stage_change"]
        new_contact, new_change, contact_id_for, change_id_for = (contacts.plain_adder(CONTACT_COLUMNS),
                                                                  changes.plain_adder(STAGE_CHANGE_COLUMNS),
                                                                  contacts.take_id, changes.take_id)
        stage_names, company_ids, failed_companies = self._stage_names, self._company_ids, self._failed_companies
        find_owner, created = self.members.find, 0
        for line, cells, data in read:
            if data is None or not plain_fields(data, CONTACT_LANE_FIELDS):
                self.write(export.record(line, cells))
                continue
            get = data.get
            name, email, company, owner, stage = get("name"), get("email"), get("company"), get("owner"), get("stage")
            if email:
                email = email.lower()
                doubt = "@" not in email or email in emails or email in aliases
            else:
                doubt = not name
            if not doubt and name:
                key = name.lower()
                doubt = key in names or (not email and key in merged_names)
            stage = "Audience" if stage is None else stage_names.get(stage) or self._stage_named(stage)
            company_id = (company_ids.get(company) or index.company_id(company)) if company else None
            owner_id = find_owner(owner) if owner else None
            if (doubt or stage is None or (owner and owner_id is None)
                    or (company and company_id is None and company.lower() in failed_companies)):
                self.write(export.record(line, cells))
                continue
            if company:
                if company_id is None:
                    company_id = self.implied_company(company)
                company_ids[company] = company_id
            contact_id, shown = contact_id_for(), name or name_from_email(email)
            if name:  # known to the index by neither email nor name (checked above): what add_contact would do
                if email:
                    emails[email] = contact_id
                names[key] = contact_id
            else:
                index.add_contact(contact_id, shown, email)
            new_contact((contact_id, shown, email, get("phone"), get("title"), get("buying_role"), get("context"),
                         company_id, owner_id, stage, now, 0 if name else 1))
            new_change((change_id_for(), contact_id, stage, now, "import"))
            created += 1
        self._count_created("contacts", created)

    # -- tickets --------------------------------------------------------------------------------

    def _tickets_batch(self, read: list[tuple[int, list[str], dict | None]], export) -> None:
        """Write a batch of ticket rows: the plainly good and new ones straight to table rows, any other through
        `write`, in the file's order."""
        self._prepare_tickets([data for _, _, data in read if data is not None])
        created = 0
        for line, cells, data in read:
            if data is not None and self._new_ticket(data, export):
                created += 1
            else:
                self.write(export.record(line, cells))
        self._count_created("tickets", created)

    def _prepare_tickets(self, rows: list[dict]) -> None:
        """Look up the batch's tickets by reference, and read the contacts they name, in a few queries."""
        self.tables["ticket"].prefetch("ref", [data["ref"] for data in rows if data.get("ref").__class__ is str])
        contact_of = self.index.contact_id
        self.tables["contact"].preload([contact_id for data in rows if data.get("contact").__class__ is str
                                        and (contact_id := contact_of(email_in(data["contact"]))) is not None])

    def _new_ticket(self, data: dict, export) -> bool:
        """Write a plainly good ticket with a new reference from a known contact; False if in doubt. Counted by
        the caller."""
        ref, subject, opened, contact = data.get("ref"), data.get("subject"), data.get("opened"), data.get("contact")
        if not (ref and subject and opened and contact) or not plain_fields(data, TICKET_LANE_FIELDS):
            return False
        found = self.index.matching(email_in(contact))
        company, owner, closed = data.get("company"), data.get("owner"), data.get("closed")
        company_id = self.index.company_id(company) if company else None
        owner_id = self.members.find(owner) if owner else None
        status = option_named(TICKET_STATUSES, data["status"]) if "status" in data else "open"
        priority = option_named(TICKET_PRIORITIES, data["priority"]) if "priority" in data else "normal"
        kind = option_named(TICKET_KINDS, data["kind"]) if "kind" in data else None
        if (len(found) != 1 or (owner and owner_id is None) or status is None or priority is None
                or (kind is None and "kind" in data) or len(opened) > MAX_DATE_TEXT
                or (closed and len(closed) > MAX_DATE_TEXT)
                or (company and company_id is None and company.lower() in self._failed_companies)
                or self.tables["ticket"].find(ref=ref) is not None):
            return False
        try:
            opened_at = self._stored_date(opened, export.mapping.read_date)
            closed_at = self._stored_date(closed, export.mapping.read_date) if closed else None
        except (ValueError, OverflowError):
            return False
        if company and company_id is None:
            company_id = self.implied_company(company)
        contact_id = found[0]
        values = {"ref": ref, "subject": subject, "status": status, "priority": priority, "kind": kind,
                  "opened_at": opened_at, "closed_at": closed_at, "contact_id": contact_id, "owner_id": owner_id,
                  "company_id": company_id or self.tables["contact"].get(contact_id)["company_id"]}
        if "description" in data:
            values["description"] = data["description"]
        if "topics" in data:
            values["topics"] = stored(data["topics"])
        self.tables["ticket"].insert_stored(values)
        return True

    def _stored_date(self, text: str, read_date) -> str:
        """An export's date as stored (ValueError if unreadable), remembered: exports repeat their dates."""
        found = self._dates.get(text)
        if found is None:
            if len(self._dates) >= DATES_REMEMBERED:
                self._dates.clear()
            found = self._dates[text] = stored(read_date(text))
        return found
