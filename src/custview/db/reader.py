"""The one read API: every read-only question commands ask, over DB-API 2.0 (sqlite3), no SQLAlchemy.

`custview brief` should answer in about the time it takes to start Python and Typer, and importing
SQLModel alone takes longer than that. So every read happens here, with the standard library's
sqlite3, and returns light read-only rows (named tuples built from the one declaration of columns,
`custview.db.rows`, which the SQLModel tables are built from too) in the containers of
`custview.db.history`. The ORM in `custview.db.writer` reads only inside its own write transactions.

Every query here is answered from an index (tests/test_query_plan.py checks the plans). Rows come
in a stable order: ties are broken by id. The SQL is portable; what is SQLite's own is named below.

    from custview.db.reader import Reader
    reader = Reader.open("book.db")
    history = reader.contact_history(reader.find_contacts("Sarah Chen")[0].id)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from custview.db.dialect import dialect_of
from custview.db.connection import connect_for_reading, resolve_db_path
from custview.db.contact_list import ContactLine, contact_filter, contact_lines, contains
from custview.db.batch import Batch
from custview.db.read_rows import READ, Appointment, Company, Contact, Member, SuccessCriterion, Ticket
from custview.errors import UserError

if TYPE_CHECKING:  # loaded by the questions that answer with them (a contact list needs none)
    from custview.db.history import AppointmentRecord, ContactHistory, ContactRow, ImportRunSummary, OpenStep
    from custview.db.owners import OwnedBy

# The SQL below is portable (DB-API 2.0, standard SQL), written with "?" for its parameters; what an
# engine spells its own way is in custview.db.dialect (a server connection translates the "?").


_NAMED = {"contact": "contact", "company": "company"}  # tables with a NOCASE name index


class Reader:
    """Read-only access to a custview database through sqlite3: the questions the fast commands ask.

    The same questions, answers and order as `custview.db.writer.Store` (find_contacts, suggest_names,
    contact_history, contact_histories, list_contacts, find_companies), with light rows.
    """

    def __init__(self, path: Path):
        self.path = path
        self._connection = None

    @classmethod
    def open(cls, path: str | Path | None = None) -> Reader:
        """The reader for `path` (or the resolved default location); nothing is opened until a query."""
        return cls(resolve_db_path(path))

    def exists(self) -> bool:
        """Whether the database file has been created yet."""
        return self.path.exists()

    @property
    def connection(self):
        """The read-only sqlite3 connection; a clear error if there is no database yet."""
        if self._connection is None:
            self._connection = connect_for_reading(self.path)
        return self._connection

    def close(self) -> None:
        """Close the connection (a new one is opened by the next query)."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def query(self, sql: str, parameters: Iterable = ()) -> list[tuple]:
        """Run one statement (parameters marked "?") through a DB-API cursor; the rows it returns."""
        cursor = self.connection.cursor()
        try:
            cursor.execute(sql, tuple(parameters))
            return cursor.fetchall() if cursor.description else []
        finally:
            cursor.close()

    def stream(self, sql: str, parameters: Iterable = (), batch: int = 500) -> Iterator[tuple]:
        """Like `query`, but the rows come a batch at a time as they are read: memory holds a batch, not the book."""
        cursor = self.connection.cursor()
        try:
            cursor.execute(sql, tuple(parameters))
            while rows := cursor.fetchmany(batch):
                yield from rows
        finally:
            cursor.close()

    def batch(self) -> Batch:
        """Reads to send together (one round trip on a server): see `custview.db.batch`."""
        return Batch(self.connection)

    def rows(self, twin: type, where: str = "", parameters: Iterable = (), order: str = "") -> list:
        """Rows of one table as twins: `SELECT columns FROM table [WHERE ...] [ORDER BY ...]`."""
        with self.batch() as batch:
            found = batch.rows(twin, where, parameters, order)
        return found

    def rows_in(self, twin: type, column: str, values: Iterable, order: str = "") -> list:
        """Rows whose `column` is one of `values` (looked up in chunks, each chunk in `order`)."""
        with self.batch() as batch:
            found = batch.rows_in(twin, column, values, order)
        return found

    # -- finding people and companies --------------------------------------------------------------

    def find_contacts(self, query: str) -> list[Contact]:
        """Contacts matching a name or email: exact (any case) matches if there are any, else partial ones."""
        text = query.strip()
        if not text:
            return []
        # One index search per way of naming them; "name = ? OR email = ? OR id IN (…)" would read every
        # contact on PostgreSQL (it cannot combine an OR with a subquery into index searches).
        exact = self.rows(Contact, "id IN (SELECT id FROM contact WHERE name = ? UNION ALL SELECT id FROM contact "
                                   "WHERE email = ? UNION ALL SELECT contact_id FROM contact_alias WHERE email = ?)",
                          (text, text, text), "name, id")
        if exact:
            return exact
        merged_into = self.rows(Contact, "id IN (SELECT kept_id FROM merge_record WHERE kind = 'contact' "
                                         "AND merged_name = ?)", (text,), "name, id")
        if merged_into:  # a duplicate merged away: the contact it became
            return merged_into
        pattern = contains(text)
        # A part of a name can be anywhere in it, so every contact is read: in table order, then sorted
        # (15 ms at 100,000 contacts), not in name-index order with a lookup per row (220 ms).
        sql = (f"SELECT {READ[Contact].columns} FROM contact {dialect_of(self.connection).in_storage_order} "
               "WHERE name LIKE ? ESCAPE '\\' OR email LIKE ? ESCAPE '\\' ORDER BY name, id")
        return [READ[Contact].build(row) for row in self.query(sql, (pattern, pattern))]

    def suggest_names(self, query: str, limit: int = 3, candidates: int = 5000) -> list[str]:
        """Contact names that look like a misspelling of `query`.

        Only names (or emails) starting with the query's first two letters are compared, read through
        the NOCASE indexes: a book of any size answers at once, and a slip in the first letters finds nothing.
        """
        import difflib  # only when nothing matched

        text = query.strip()
        if len(text) < 2:
            return []
        low, high = text[:2], text[0] + chr(ord(text[1]) + 1)
        names = self.query("SELECT name FROM contact WHERE name >= ? AND name < ? LIMIT ?", (low, high, candidates))
        names += self.query("SELECT name FROM contact WHERE email >= ? AND email < ? LIMIT ?", (low, high, candidates))
        by_lower = {name.lower(): name for (name,) in names}
        close = difflib.get_close_matches(text.lower(), list(by_lower), n=limit, cutoff=0.6)
        return [by_lower[name] for name in close]

    def names_starting(self, table: str, prefix: str, limit: int) -> list[str]:
        """Names of contacts or companies (`table`) that start with `prefix` in any case, by name index."""
        sql = f"SELECT name FROM {_NAMED[table]} WHERE name >= ? AND name < ? ORDER BY name LIMIT ?"
        return [name for (name,) in self.query(sql, (prefix, prefix + "\U0010ffff", limit))]

    def find_companies(self, query: str) -> list[Company]:
        """Companies matching a name, a domain or the name of a company merged into them (an alias): exact
        (any case) matches if there are any, else those whose name or alias contains the text."""
        text = query.strip()
        exact = self.rows(Company, "id IN (SELECT id FROM company WHERE name = ? UNION ALL SELECT id FROM company "
                                   "WHERE domain = ? UNION ALL SELECT company_id FROM company_alias WHERE name = ? "
                                   "UNION ALL SELECT company_id FROM company_alias WHERE domain = ?)",
                          (text,) * 4, "name, id")  # index searches, as in find_contacts
        if exact or not text:
            return exact
        pattern = contains(text)
        return self.rows(Company, "name LIKE ? ESCAPE '\\' OR id IN (SELECT company_id FROM company_alias "
                                  "WHERE name LIKE ? ESCAPE '\\')", (pattern, pattern), "name, id")

    def record(self, kind: str, record_id: int) -> Contact | Company | None:
        """The contact or company (`kind`) with this id, or None."""
        found = self.rows({"contact": Contact, "company": Company}[kind], "id = ?", (record_id,))
        return found[0] if found else None

    # -- our own people ------------------------------------------------------------------------------

    def members(self) -> list[Member]:
        """Our people, by team (those with none last), then name."""
        return self.rows(Member, order="team IS NULL, team, name, id")

    def find_member(self, name: str) -> Member | None:
        """The member with this name or email (any case; an old "Name (us)" is read as "Name"), or None."""
        from custview.names import without_us

        text = without_us(name)
        found = self.rows(Member, "name = ? OR email = ?", (text, text), "id") if text else []
        return found[0] if found else None

    def success_criteria(self, company_id: int) -> list[SuccessCriterion]:
        """The outcomes promised to one company at purchase, in the order they were recorded."""
        return self.rows(SuccessCriterion, "company_id = ?", (company_id,), "id")

    def list_companies(self, owned: OwnedBy | None = None) -> list[Company]:
        """Every company (only those `owned` names, if given), by name."""
        where, parameters = owned.condition("owner_id") if owned else ("", [])
        return self.rows(Company, where, parameters, order="name, id")

    def list_contacts(self, stage: str | None = None, company: str | None = None, search: str | None = None,
                      company_id: int | None = None, owned: OwnedBy | None = None) -> list[ContactRow]:
        """Contacts with their company, filtered by stage, company name (part) or id, free-text search and
        owner (`--owner`/`--team`)."""
        return list(self.contact_rows(stage, company, search, company_id, owned))

    def contact_rows(self, stage: str | None = None, company: str | None = None, search: str | None = None,
                     company_id: int | None = None, owned: OwnedBy | None = None,
                     ids: list[int] | None = None) -> Iterator[ContactRow]:
        """`list_contacts` (or only the contacts with these `ids`), by name, as the rows are read (memory holds a
        batch, not the book)."""
        from custview.db.history import ContactRow

        where, parameters = contact_filter(stage, company, search, company_id, owned, ids)
        contacts, companies = READ[Contact], READ[Company]
        sql = (f"SELECT {contacts.columns}, {companies.columns} FROM contact "
               f"LEFT JOIN company ON company.id = contact.company_id{where} ORDER BY contact.name, contact.id")
        split = len(contacts.column_names)
        return (ContactRow(contacts.build(row[:split]), companies.build(row[split:]) if row[split] is not None else None)
                for row in self.stream(sql, parameters))

    def contact_lines(self, **filters) -> Iterator[ContactLine]:
        """The contact list's lines (what it shows, not whole rows) for the filters of `contact_rows`, as read."""
        return contact_lines(self, **filters)

    # -- promises and imports ------------------------------------------------------------------------

    def open_next_steps(self, owner: str | None = None, owned: OwnedBy | None = None) -> Iterator[OpenStep]:
        """Next steps not done yet, soonest due first (those without a due date last), as they are read; only
        `owner`'s (a name as written) if given, or only those of the member or team `owned` names."""
        from custview.db.history import OpenStep

        sql = ("SELECT next_step.id, next_step.step, next_step.owner, next_step.due_at, contact.name, contact.email, "
               "company.name, appointment.purpose, appointment.scheduled_at FROM next_step "
               "JOIN appointment ON appointment.id = next_step.appointment_id "
               "JOIN contact ON contact.id = appointment.contact_id "
               "LEFT JOIN company ON company.id = contact.company_id "
               "WHERE next_step.done = 0 "  # "= 0", not "NOT done": searched in ix_next_step_open
               "{owned}ORDER BY next_step.due_at IS NULL, next_step.due_at, contact.name, next_step.id")
        condition, parameters = owned.condition("next_step.owner_id", "next_step.owner") if owned else ("", [])
        rows = self.stream(sql.format(owned=f"AND {condition} " if condition else ""), parameters)
        if owner:
            wanted = owner.strip().casefold()  # in Python: SQLite's lower() folds ASCII only
            rows = (row for row in rows if (row[2] or "").strip().casefold() == wanted)
        return map(OpenStep._make, rows)

    def import_history(self) -> list[ImportRunSummary]:
        """Every recorded import, newest first."""
        from custview.db.history import ImportRunSummary

        return [ImportRunSummary.of(row) for row in self.query(f"SELECT {', '.join(ImportRunSummary.COLUMNS)} "
                                                               "FROM import_run ORDER BY id DESC")]

    @contextmanager
    def snapshot(self) -> Iterator[Reader]:
        """Queries made inside see one consistent state of the book (one read transaction), e.g. for an export."""
        self.query("BEGIN")
        try:
            yield self
        finally:
            self.query("COMMIT")

    # -- histories ---------------------------------------------------------------------------------

    def list_tickets(self, unlinked: bool = False, open_only: bool = False) -> list[tuple[Ticket, str | None, str | None]]:
        """Tickets, newest first, each with its contact's and company's names; only those from requesters
        not in the book with `unlinked`, only open ones with `open_only`."""
        conditions = (["t.contact_id IS NULL", "(t.requester_email IS NOT NULL OR t.requester_name IS NOT NULL)"]
                      if unlinked else []) + (["t.status != 'closed'"] if open_only else [])
        columns = ", ".join(f"t.{column}" for column in Ticket._fields)
        sql = (f"SELECT {columns}, c.name, co.name FROM ticket AS t LEFT JOIN contact AS c ON c.id = t.contact_id "
               "LEFT JOIN company AS co ON co.id = t.company_id"
               + (f" WHERE {' AND '.join(conditions)}" if conditions else "") + " ORDER BY t.opened_at DESC, t.id DESC")
        build = READ[Ticket].build
        return [(build(row[:-2]), row[-2], row[-1]) for row in self.connection.execute(sql)]

    def contact_history(self, contact_id: int) -> ContactHistory:
        """Everything the briefing needs about one contact, in a handful of indexed queries."""
        contact = self.rows(Contact, "id = ?", (contact_id,))
        if not contact:
            raise UserError(f"No contact with id {contact_id}.")
        return self.histories(contact)[0]

    def contact_histories(self, stage: str | None = None, company: str | None = None,
                          company_id: int | None = None) -> list[ContactHistory]:
        """The histories of every contact matching the filters: e.g. everyone at an account (show company,
        timeline, the brief's account health)."""
        rows = self.list_contacts(stage=stage, company=company, company_id=company_id)
        return self.histories([row.contact for row in rows])

    def histories(self, contacts: list[Contact]) -> list[ContactHistory]:
        """The histories of these contacts, in their order, loaded together: a few queries per table, in two
        batches (`custview.db.histories`)."""
        from custview.db.histories import load_histories

        return load_histories(self, contacts)

    def planned_meetings(self, start: datetime, end: datetime, contact_id: int | None = None) -> list[AppointmentRecord]:
        """Meetings not logged yet (no outcome) from `start` to before `end`, in time order, with attendees and
        steps; only those `contact_id` owns or attends, if given."""
        from custview.dates import stored_time

        where = "outcome IS NULL AND scheduled_at >= ? AND scheduled_at < ?"
        parameters = [stored_time(start), stored_time(end)]
        if contact_id is not None:
            where += " AND (contact_id = ? OR id IN (SELECT appointment_id FROM attendee WHERE contact_id = ?))"
            parameters += [contact_id, contact_id]
        return self.appointment_records(self.rows(Appointment, where, parameters, "scheduled_at, id"))

    def appointment_records(self, appointments: Iterable[Appointment]) -> list[AppointmentRecord]:
        """Each appointment (in the order given) with its attendees and next steps."""
        from custview.db.histories import read_appointment_records

        return read_appointment_records(self, appointments)
