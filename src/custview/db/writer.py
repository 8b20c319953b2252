"""Where the data lives: database location, engine and sessions, and the queries everything else uses.

Usable without the CLI:

    from custview.db.writer import Store
    store = Store.open("book.db")
    history = store.contact_history(store.find_contacts("Sarah Chen")[0].id)
"""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import and_, delete, event, func, or_, update
from sqlmodel import Session, create_engine, select

from custview.db import schema
from custview.db.connection import BUSY_TIMEOUT_SECONDS, configure, no_data_error
from custview.db.connection import resolve_db_path, user_data_dir  # noqa: F401 - where callers have found them
from custview.errors import UserError
from custview.db.history import AppointmentRecord, ContactHistory, ContactRow  # noqa: F401 - ditto
from custview.db.models import (
    Appointment,
    Attendee,
    Company,
    Contact,
    ContactAlias,
    ImportChange,
    MergeRecord,
    NextStep,
    Note,
    Service,
    Signal,
    StageChange,
    Ticket,
)

class Store:
    """A custview database: opens it, hands out sessions and answers the questions commands ask."""

    def __init__(self, path: Path):
        self.path = path
        self._engine = None
        self._schema_ready = False

    @classmethod
    def open(cls, path: str | Path | None = None) -> Store:
        """The store at `path` (or the resolved default location); nothing is created until a write."""
        return cls(resolve_db_path(path))

    def exists(self) -> bool:
        """Whether the database file has been created yet."""
        return self.path.exists()

    def remove_new_file(self) -> None:
        """Delete the database file (and its -wal/-shm) this store has just created: a write failed before any data."""
        if self._engine is not None:
            self._engine.dispose()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)

    @property
    def engine(self):
        """The SQLAlchemy engine, configured for WAL and a busy timeout."""
        if self._engine is None:
            self._engine = create_engine(
                f"sqlite:///{self.path}", connect_args={"timeout": BUSY_TIMEOUT_SECONDS}
            )
            event.listen(self._engine, "connect", _configure_connection)
            event.listen(self._engine, "begin", _begin_transaction)
        return self._engine

    def ensure_schema(self) -> None:
        """Create the database file (readable by its owner only), its folders and its tables if missing."""
        if str(self.path) != ":memory:" and not self.path.exists():
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            # An empty file is a valid new SQLite database; SQLite gives -wal/-shm the same mode.
            os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
        self._prepare_schema()

    def _prepare_schema(self) -> None:
        """Once per store: refuse a newer file, upgrade an older one (after a backup), create tables in a new one."""
        if self._schema_ready:
            return
        if str(self.path) == ":memory:" or schema.prepare_file(self.path, BUSY_TIMEOUT_SECONDS) is None:
            with self.engine.execution_options(write_lock=True).begin() as connection:
                schema.create_schema(connection)
        self._schema_ready = True

    def require_data(self) -> None:
        """A clear error unless the database exists."""
        if not self.exists():
            raise no_data_error(self.path)

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session for queries; a clear error if there is no database yet."""
        self.require_data()
        self._prepare_schema()
        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """A session whose work is committed as one transaction, or rolled back entirely on any error."""
        self.ensure_schema()
        # Take the write lock at the start (waiting up to the busy timeout for another writer), so
        # a transaction that reads before it writes can never fail half-way with "database is locked".
        with Session(self.engine.execution_options(write_lock=True), expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    # -- queries -------------------------------------------------------------------------------

    def find_contacts(self, query: str) -> list[Contact]:
        """Contacts matching a name or email: exact (any case) matches if there are any, else partial ones."""
        with self.reading() as session:
            return find_contacts(session, query)

    def suggest_names(self, query: str, limit: int = 3) -> list[str]:
        """Contact names that look like a misspelling of `query`."""
        with self.reading() as session:
            names = session.exec(select(Contact.name)).all()
        by_lower = {name.lower(): name for name in names}
        close = difflib.get_close_matches(query.lower(), list(by_lower), n=limit, cutoff=0.6)
        return [by_lower[name] for name in close]

    def contact_history(self, contact_id: int) -> ContactHistory:
        """Load everything the briefing needs about one contact, in a handful of indexed queries."""
        with self.reading() as session:
            return load_contact_history(session, contact_id)

    def contact_histories(self, stage: str | None = None, company: str | None = None,
                          company_id: int | None = None) -> list[ContactHistory]:
        """The histories of every contact matching the filters, for book-wide views like attention."""
        rows = self.list_contacts(stage=stage, company=company, company_id=company_id)
        with self.reading() as session:
            return [load_contact_history(session, row.contact.id) for row in rows]

    def find_companies(self, query: str) -> list[Company]:
        """Companies matching a name: exact (any case) if there is one, else partial matches."""
        with self.reading() as session:
            text = query.strip()
            exact = session.exec(select(Company).where(Company.name == text)).all()
            if exact or not text:
                return list(exact)
            pattern = _contains(text)
            return list(session.exec(select(Company).where(Company.name.like(pattern, escape="\\")).order_by(Company.name)).all())

    def list_contacts(
        self, stage: str | None = None, company: str | None = None, search: str | None = None,
        company_id: int | None = None,
    ) -> list[ContactRow]:
        """Contacts with their company, filtered by stage, company name (part) or id, and free-text search."""
        with self.reading() as session:
            query = select(Contact, Company).join(Company, isouter=True)
            if company_id is not None:
                query = query.where(Contact.company_id == company_id)
            if stage:
                query = query.where(Contact.stage == stage)
            if company:
                query = query.where(Company.name.like(_contains(company), escape="\\"))
            if search:
                pattern = _contains(search)
                query = query.where(
                    or_(
                        Contact.name.like(pattern, escape="\\"),
                        Contact.email.like(pattern, escape="\\"),
                        Contact.title.like(pattern, escape="\\"),
                    )
                )
            rows = session.exec(query.order_by(Contact.name, Contact.id)).all()
            return [ContactRow(contact, company) for contact, company in rows]


    def log_appointment(
        self,
        contact_id: int,
        purpose: str,
        kind: str,
        when: datetime,
        outcome: str | None,
        decisions: list[str],
        next_steps: list[dict],
        attendees: list[tuple[str, str | None]],
        stage: str | None = None,
    ) -> tuple[AppointmentRecord, StageChange | None]:
        """Save an appointment with a contact (and optionally move them on the Value Path) in one transaction.

        `next_steps` are dicts with step, owner, due_at; attendees are (name, role) pairs, linked to
        a contact when the name or email matches exactly one. The contact is always an attendee.
        """
        with self.writing() as session:
            contact = session.get(Contact, contact_id)
            if contact is None:
                raise UserError(f"No contact with id {contact_id}.")
            appointment = Appointment(contact_id=contact.id, company_id=contact.company_id, purpose=purpose,
                                      kind=kind, scheduled_at=when, outcome=outcome, decisions=decisions)
            session.add(appointment)
            session.flush()
            people = [Attendee(appointment_id=appointment.id, contact_id=contact.id, name=contact.name,
                               role=contact.buying_role)]
            for name, role in attendees:
                matches = exact_contacts(session, name)
                linked = matches[0] if len(matches) == 1 else None
                if linked and linked.id == contact.id:
                    people[0].role = role or people[0].role
                    continue
                people.append(Attendee(appointment_id=appointment.id, contact_id=linked.id if linked else None,
                                       name=linked.name if linked else name, role=role))
            steps = [NextStep(appointment_id=appointment.id, **step) for step in next_steps]
            session.add_all(people + steps)
            change = record_stage_change(session, contact, stage, when, "log") if stage else None
            session.flush()
            return AppointmentRecord(appointment, people, steps), change


    def set_stage(self, contact_id: int, stage: str, when: datetime) -> StageChange | None:
        """Move a contact on the Value Path (kept in stage history); None if they are already there."""
        with self.writing() as session:
            contact = session.get(Contact, contact_id)
            if contact is None:
                raise UserError(f"No contact with id {contact_id}.")
            return record_stage_change(session, contact, stage, when, "manual")


    def close_ticket(self, key: str, when: datetime) -> tuple[Ticket, bool]:
        """Close a ticket found by its ref or number (#12); also says whether it was closed already."""
        self.require_data()
        with self.writing() as session:
            ticket = session.exec(select(Ticket).where(Ticket.ref == key)).first()
            number = key.lstrip("#")
            if ticket is None and number.isdigit():
                ticket = session.get(Ticket, int(number))
            if ticket is None:
                raise UserError(f"No ticket {key!r}: use the ref shown in the brief (e.g. T-1004) or its number (#12).")
            if ticket.status == "closed":
                return ticket, True
            ticket.status, ticket.closed_at = "closed", when
            session.add(ticket)
            return ticket, False

    def open_next_steps(self, owner: str | None = None) -> list[OpenStep]:
        """Next steps not done yet, soonest due first (those without a due date last); only `owner`'s if given."""
        with self.reading() as session:
            return open_next_steps(session, owner)

    def import_history(self) -> list[ImportRunSummary]:
        """Every recorded import, newest first."""
        with self.reading() as session:
            return list_imports(session.connection().connection.driver_connection)

    def undo_import(self, run_id: int, when: datetime) -> dict[str, dict[str, int]]:
        """Undo one import in one transaction (see `undo_import`); what was removed and restored per table."""
        with self.writing() as session:
            return undo_import(session.connection().connection.driver_connection, run_id, when)

    def company_with_histories(self, company_id: int) -> tuple[Company, list[ContactHistory]]:
        """A company and the histories of all its contacts."""
        with self.reading() as session:
            company = session.get(Company, company_id)
        return company, self.contact_histories(company_id=company_id)

    def record(self, kind: str, record_id: int) -> Contact | Company | None:
        """The contact or company (`kind`) with this id, or None."""
        with self.reading() as session:
            return session.get({"contact": Contact, "company": Company}[kind], record_id)

    def list_companies(self) -> list[Company]:
        """Every company, by name."""
        with self.reading() as session:
            return list(session.exec(select(Company).order_by(Company.name, Company.id)).all())

    def merge_plan(self, kind: str, kept_id: int, other_id: int):
        """What merging contact or company (`kind`) `other_id` into `kept_id` would do, changing nothing."""
        from custview.dates import utc_now
        from custview.db.merging import merge_records

        with self.reading() as session:
            return merge_records(session, kind, kept_id, other_id, utc_now(), apply=False)

    def merge(self, kind: str, kept_id: int, other_id: int, when: datetime):
        """Merge a duplicate contact or company into the one kept, in one transaction (see custview.db.merging)."""
        from custview.db.merging import merge_records

        with self.writing() as session:
            return merge_records(session, kind, kept_id, other_id, when, apply=True)

    def forget_plan(self, contact_id: int) -> ForgetReport:
        """What `forget_contact` would remove, counted without changing anything (to show before asking)."""
        with self.reading() as session:
            return forget(session, contact_id, remove=False)

    def forget_contact(self, contact_id: int) -> ForgetReport:
        """Delete a contact and everything that belongs only to them, in one transaction (see `forget`)."""
        with self.writing() as session:
            return forget(session, contact_id, remove=True)


def _configure_connection(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None  # transactions are begun by _begin_transaction
    configure(dbapi_connection)  # the pragmas, and why, are in custview.db.connection


def _begin_transaction(connection) -> None:
    immediate = connection.get_execution_options().get("write_lock", False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _contains(text: str) -> str:
    escaped = text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def find_contacts(session: Session, query: str) -> list[Contact]:
    """Contacts matching a name or email: exact (any case) matches if there are any, else partial ones."""
    text = query.strip()
    if not text:
        return []
    exact = exact_contacts(session, text) or merged_into(session, text)
    if exact:
        return exact
    pattern = _contains(text)
    partial = session.exec(
        select(Contact)
        .where(or_(Contact.name.like(pattern, escape="\\"), Contact.email.like(pattern, escape="\\")))
        .order_by(Contact.name, Contact.id)
    ).all()
    return list(partial)


def exact_contacts(session: Session, name_or_email: str) -> list[Contact]:
    """Contacts whose whole name or email (or an email kept from a merged duplicate) is `name_or_email`, in any case."""
    text = name_or_email.strip()
    alias = select(ContactAlias.contact_id).where(ContactAlias.email == text)
    query = (select(Contact).where(or_(Contact.name == text, Contact.email == text, Contact.id.in_(alias)))
             .order_by(Contact.name, Contact.id))
    return list(session.exec(query).all())


def merged_into(session: Session, name: str) -> list[Contact]:
    """The contacts that duplicates with this whole name (any case) were merged into."""
    kept = select(MergeRecord.kept_id).where(MergeRecord.kind == "contact", MergeRecord.merged_name == name.strip())
    return list(session.exec(select(Contact).where(Contact.id.in_(kept)).order_by(Contact.name, Contact.id)).all())


def load_contact_history(session: Session, contact_id: int) -> ContactHistory:
    """Everything about one contact from an open session (see `Store.contact_history`)."""
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise UserError(f"No contact with id {contact_id}.")
    company = session.get(Company, contact.company_id) if contact.company_id else None
    return ContactHistory(
        contact=contact,
        company=company,
        stage_changes=list(
            session.exec(
                select(StageChange)
                .where(StageChange.contact_id == contact_id)
                .order_by(StageChange.changed_at, StageChange.id)
            ).all()
        ),
        signals=list(
            session.exec(
                select(Signal).where(Signal.contact_id == contact_id).order_by(Signal.occurred_at.desc(), Signal.id.desc())
            ).all()
        ),
        appointments=_appointments_with(session, contact_id),
        tickets=_tickets_for(session, contact),
        notes=_notes_for(session, contact),
        colleagues=_colleagues_of(session, contact),
        services=_services_of(session, contact.company_id),
        merges=_merges_of(session, contact),
    )


def _appointments_with(session: Session, contact_id: int) -> list[AppointmentRecord]:
    attended = select(Attendee.appointment_id).where(Attendee.contact_id == contact_id)
    appointments = session.exec(
        select(Appointment)
        .where(or_(Appointment.contact_id == contact_id, Appointment.id.in_(attended)))
        .order_by(Appointment.scheduled_at.desc(), Appointment.id.desc())
    ).all()
    return attach_appointment_details(session, appointments)


def attach_appointment_details(session: Session, appointments: Sequence[Appointment]) -> list[AppointmentRecord]:
    """Pair each appointment with its attendees and next steps."""
    records = {a.id: AppointmentRecord(a) for a in appointments}
    if records:
        for attendee in session.exec(
            select(Attendee).where(Attendee.appointment_id.in_(records)).order_by(Attendee.id)
        ).all():
            records[attendee.appointment_id].attendees.append(attendee)
        for step in session.exec(
            select(NextStep).where(NextStep.appointment_id.in_(records)).order_by(NextStep.id)
        ).all():
            records[step.appointment_id].next_steps.append(step)
    return list(records.values())


def _tickets_for(session: Session, contact: Contact) -> list[Ticket]:
    mine = Ticket.contact_id == contact.id
    condition = or_(mine, Ticket.company_id == contact.company_id) if contact.company_id else mine
    return list(session.exec(select(Ticket).where(condition).order_by(Ticket.opened_at.desc(), Ticket.id.desc())).all())


def _notes_for(session: Session, contact: Contact) -> list[Note]:
    mine = Note.contact_id == contact.id
    condition = or_(mine, Note.company_id == contact.company_id) if contact.company_id else mine
    return list(session.exec(select(Note).where(condition).order_by(Note.written_at.desc(), Note.id.desc())).all())


def _colleagues_of(session: Session, contact: Contact) -> list[Contact]:
    if not contact.company_id:
        return []
    return list(
        session.exec(
            select(Contact)
            .where(Contact.company_id == contact.company_id, Contact.id != contact.id)
            .order_by(Contact.name, Contact.id)
        ).all()
    )


def _merges_of(session: Session, contact: Contact) -> list[MergeRecord]:
    """The duplicates merged into this contact and into their company, oldest first."""
    condition = and_(MergeRecord.kind == "contact", MergeRecord.kept_id == contact.id)
    if contact.company_id:
        condition = or_(condition, and_(MergeRecord.kind == "company", MergeRecord.kept_id == contact.company_id))
    return list(session.exec(select(MergeRecord).where(condition).order_by(MergeRecord.merged_at, MergeRecord.id)).all())


def _services_of(session: Session, company_id: int | None) -> list[Service]:
    if not company_id:
        return []
    return list(session.exec(select(Service).where(Service.company_id == company_id).order_by(Service.id)).all())


def record_stage_change(
    session: Session, contact: Contact, stage: str, when: datetime, source: str
) -> StageChange | None:
    """Move a contact to `stage` as of `when`, keeping the move in stage history; None if already there."""
    if contact.stage == stage:
        return None
    change = StageChange(
        contact_id=contact.id, stage=stage, previous_stage=contact.stage, changed_at=when, source=source
    )
    contact.stage, contact.stage_since = stage, when
    session.add(contact)
    session.add(change)
    return change


FORGET_KINDS = ("contact", "signals", "stage_changes", "notes", "tickets", "appointments", "appointment_attendees",
                "appointment_next_steps", "attendance_elsewhere", "aliases", "merges")


@dataclass
class OpenStep:
    """A promise still to keep: the next step, whose it is, and the meeting and contact it came from."""

    id: int
    step: str
    owner: str | None
    due_at: datetime | None
    contact: str
    contact_email: str | None
    company: str | None
    appointment: str
    met_at: datetime


def open_next_steps(session: Session, owner: str | None = None) -> list[OpenStep]:
    """Open next steps with their contact and meeting (see `Store.open_next_steps`)."""
    query = (
        select(NextStep, Appointment, Contact, Company)
        .join(Appointment, NextStep.appointment_id == Appointment.id)
        .join(Contact, Appointment.contact_id == Contact.id)
        .join(Company, Contact.company_id == Company.id, isouter=True)
        .where(NextStep.done == False)  # noqa: E712 - SQL, not Python truth
        .order_by(NextStep.due_at.is_(None), NextStep.due_at, Contact.name, NextStep.id)
    )
    wanted = owner.strip().casefold() if owner else None  # in Python: SQLite's lower() folds ASCII only
    return [OpenStep(step.id, step.step, step.owner, step.due_at, contact.name, contact.email,
                     company.name if company else None, appointment.purpose, appointment.scheduled_at)
            for step, appointment, contact, company in session.exec(query).all()
            if wanted is None or (step.owner or "").strip().casefold() == wanted]


@dataclass
class ForgetReport:
    """What forgetting a contact removes: a count per kind of record, and the tickets kept for their company."""

    name: str
    company: str | None
    removed: dict[str, int]
    tickets_unlinked: int

    @property
    def total(self) -> int:
        """How many records are removed in all."""
        return sum(self.removed.values())


def forget(session: Session, contact_id: int, remove: bool) -> ForgetReport:
    """Count (and, if `remove`, delete) a contact and everything that belongs only to them.

    Removed: their signals, stage history and notes; their tickets that belong to no company; the
    appointments where they are the main contact, with those appointments' attendees and next
    steps; their place among the attendees of anyone else's appointments (linked to them, or
    unlinked with exactly their name); the emails and records of duplicates merged into them. Kept: company records, other people's appointments, and
    their tickets that belong to a company, which stay with the company, no longer linked to them.
    """
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise UserError(f"No contact with id {contact_id}.")
    company = session.get(Company, contact.company_id) if contact.company_id else None
    theirs = select(Appointment.id).where(Appointment.contact_id == contact_id)
    is_them = or_(Attendee.contact_id == contact_id, and_(Attendee.contact_id.is_(None), Attendee.name == contact.name))
    parts = {  # children before parents: the foreign keys are enforced
        "appointment_next_steps": (NextStep, NextStep.appointment_id.in_(theirs)),
        "appointment_attendees": (Attendee, Attendee.appointment_id.in_(theirs)),
        "attendance_elsewhere": (Attendee, and_(Attendee.appointment_id.not_in(theirs), is_them)),
        "appointments": (Appointment, Appointment.contact_id == contact_id),
        "signals": (Signal, Signal.contact_id == contact_id),
        "stage_changes": (StageChange, StageChange.contact_id == contact_id),
        "notes": (Note, Note.contact_id == contact_id),
        "tickets": (Ticket, and_(Ticket.contact_id == contact_id, Ticket.company_id.is_(None))),
        "aliases": (ContactAlias, ContactAlias.contact_id == contact_id),
        "merges": (MergeRecord, and_(MergeRecord.kind == "contact", MergeRecord.kept_id == contact_id)),
    }
    kept_tickets = and_(Ticket.contact_id == contact_id, Ticket.company_id.is_not(None))
    counts = {kind: _count(session, model, where) for kind, (model, where) in parts.items()}
    removed = {"contact": 1, **{kind: counts[kind] for kind in FORGET_KINDS[1:]}}
    report = ForgetReport(contact.name, company.name if company else None, removed,
                          _count(session, Ticket, kept_tickets))
    if remove:
        for model, where in [*parts.values(), (Contact, Contact.id == contact_id)]:
            _forget_import_history(session, model, where)
        for model, where in parts.values():
            session.exec(delete(model).where(where).execution_options(synchronize_session=False))
        session.exec(update(Ticket).where(kept_tickets).values(contact_id=None)
                     .execution_options(synchronize_session=False))
        session.exec(delete(Contact).where(Contact.id == contact_id).execution_options(synchronize_session=False))
        session.expunge_all()
    return report


def _forget_import_history(session: Session, model, where) -> None:
    """Drop what the import history kept of the rows about to be deleted (their values are personal data)."""
    session.exec(delete(ImportChange).where(
        ImportChange.table_name == model.__tablename__, ImportChange.last_row_id.is_(None),
        ImportChange.row_id.in_(select(model.id).where(where))).execution_options(synchronize_session=False))


def _count(session: Session, model, where) -> int:
    return session.exec(select(func.count()).select_from(model).where(where)).one()


# -- bulk loading ------------------------------------------------------------------------------

SIGNAL_KEY = ("contact_id", "kind", "title", "occurred_at")


class SignalBulkLoader:
    """Loads many signals inside a writing session at `executemany` speed, without one ORM object per row.

    Into an empty `signal` table, rows go straight in with its indexes dropped, which are rebuilt
    once at the end (far cheaper than keeping them up to date row by row); repeats within the
    load are then removed, the last one winning. Otherwise rows are staged in a temporary table
    and merged with set-based statements: new keys (contact, kind, title, time) are inserted,
    known ones with changed topics/detail/source updated. SQLModel still defines the table.
    """

    COLUMNS = ("contact_id", "kind", "title", "topics", "occurred_at", "detail", "source")
    BATCH = 20_000

    def __init__(self, session: Session):
        self.connection = session.connection().connection.driver_connection
        self.pending: list[tuple] = []
        self.loaded = 0
        self._topics_json: dict[tuple, str] = {}
        run = self.connection.execute
        self.direct = run("SELECT NOT EXISTS (SELECT 1 FROM signal)").fetchone()[0]
        self.first_id = run("SELECT coalesce(max(id), 0) + 1 FROM signal").fetchone()[0]
        self.created_ids: tuple[int, int] | None = None  # the range of ids of the signals it created
        if self.direct:
            self.indexes = self._drop_indexes()
            self.target = "signal"
        else:
            run("CREATE TEMP TABLE IF NOT EXISTS signal_import (seq INTEGER PRIMARY KEY, contact_id, kind, title, "
                "topics, occurred_at, detail, source)")
            run("DELETE FROM signal_import")
            self.target = "signal_import"

    def row(self, contact_id: int, kind: str, title: str, topics: list[str], occurred_at: datetime,
            detail: str | None, source: str | None) -> tuple:
        """A signal as the loader takes it, stored exactly the way the ORM would store it."""
        key = tuple(topics)
        topics_json = self._topics_json.get(key)
        if topics_json is None:
            if len(self._topics_json) > 10_000:
                self._topics_json.clear()
            topics_json = self._topics_json[key] = json.dumps(topics)
        return (contact_id, kind, title, topics_json, _stored_time(occurred_at), detail, source)

    def add(self, row: tuple) -> None:
        """Stage one signal row (see `row`)."""
        self.pending.append(row)
        if len(self.pending) >= self.BATCH:
            self.flush()

    def flush(self) -> None:
        """Write the rows staged so far (done every BATCH rows; callers adding in bulk may call it)."""
        self.connection.executemany(
            f"INSERT INTO {self.target} ({', '.join(self.COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?, ?)", self.pending
        )
        self.loaded += len(self.pending)
        self.pending.clear()

    def merge(self) -> tuple[int, int, int]:
        """Finish the load; (created, updated, unchanged). `created_ids` then holds the new rows' id range."""
        self.flush()
        counts = self._finish_direct() if self.direct else self._merge_staged()
        last_id = self.connection.execute("SELECT coalesce(max(id), 0) FROM signal").fetchone()[0]
        if last_id >= self.first_id:
            self.created_ids = (self.first_id, last_id)
        return counts

    def _finish_direct(self) -> tuple[int, int, int]:
        run = self.connection.execute
        for sql in self.indexes:
            run(sql)
        key = " AND ".join(f"later.{column} = signal.{column}" for column in SIGNAL_KEY)
        # Only rows sharing contact and time can repeat: find those few groups on the index first.
        repeats = run(
            "DELETE FROM signal WHERE id >= :first AND (contact_id, occurred_at) IN (SELECT contact_id, occurred_at "
            "FROM signal WHERE id >= :first GROUP BY contact_id, occurred_at HAVING count(*) > 1) "
            f"AND EXISTS (SELECT 1 FROM signal AS later WHERE {key} AND later.id > signal.id)",
            {"first": self.first_id},
        ).rowcount
        return self.loaded - repeats, 0, repeats

    def _merge_staged(self) -> tuple[int, int, int]:
        run = self.connection.execute
        key = " AND ".join(f"s.{column} = i.{column}" for column in SIGNAL_KEY)
        latest = "SELECT max(seq) FROM signal_import GROUP BY contact_id, kind, title, occurred_at"
        updated = run(
            "UPDATE signal AS s SET topics = i.topics, detail = coalesce(i.detail, s.detail), "
            "source = coalesce(i.source, s.source) "
            f"FROM (SELECT * FROM signal_import WHERE seq IN ({latest})) AS i WHERE {key} "
            "AND (s.topics IS NOT i.topics OR coalesce(i.detail, s.detail) IS NOT s.detail "
            "OR coalesce(i.source, s.source) IS NOT s.source)"
        ).rowcount
        columns = ", ".join(self.COLUMNS)
        created = run(
            f"INSERT INTO signal ({columns}) SELECT {columns} FROM signal_import AS i WHERE seq IN ({latest}) "
            f"AND NOT EXISTS (SELECT 1 FROM signal AS s WHERE {key}) ORDER BY seq"
        ).rowcount
        run("DELETE FROM signal_import")
        return created, updated, self.loaded - created - updated

    def _drop_indexes(self) -> list[str]:
        indexes = self.connection.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'signal' AND sql IS NOT NULL"
        ).fetchall()
        for name, _ in indexes:
            self.connection.execute(f'DROP INDEX "{name}"')
        return [sql for _, sql in indexes]


# -- import history and undo ---------------------------------------------------------------------

IMPORT_TABLES = ("import_run", "import_change")


class ImportRecorder:
    """Records every row an import writes, with its values before and after, so the import can be undone.

    Temporary triggers on the import's own connection note each insert, update and delete while it
    runs (signals, which come by the million, are noted as one range of new ids instead).
    """

    def __init__(self, session: Session, started_at: datetime, files: list[dict], mapping: str | None):
        self.connection = session.connection().connection.driver_connection
        run = self.connection.execute
        self.run_id = run(
            "INSERT INTO import_run (started_at, files, mapping, counts) VALUES (?, ?, ?, '{}')",
            (_stored_time(started_at), json.dumps(files), mapping),
        ).lastrowid
        self.tables = _recorded_tables(self.connection)
        for table, columns in self.tables.items():
            self._create_triggers(table, columns)

    def _create_triggers(self, table: str, columns: list[str]) -> None:
        old_values = _json_of(columns, "OLD")
        note = f"INSERT INTO import_change (run_id, table_name, row_id, action, before) VALUES ({self.run_id}, '{table}'"
        events = {"update": f"{note}, OLD.id, 'updated', {old_values})"}
        if table != "signal":  # new signals are noted as a range; imports never delete existing ones
            events["insert"] = f"{note}, NEW.id, 'created', NULL)"
            events["delete"] = f"{note}, OLD.id, 'deleted', {old_values})"
        for change, statement in events.items():
            self.connection.execute(
                f'CREATE TEMP TRIGGER "custview_import_{table}_{change}" AFTER {change.upper()} ON main."{table}" '
                f"BEGIN {statement}; END"
            )

    def finish(self, counts: dict, signal_ids: tuple[int, int] | None) -> None:
        """Stop recording; note the new signals and every touched row's values as the import left them."""
        run = self.connection.execute
        self._drop_triggers()
        if signal_ids:
            run("INSERT INTO import_change (run_id, table_name, row_id, last_row_id, action) "
                "VALUES (?, 'signal', ?, ?, 'created')", (self.run_id, *signal_ids))
        for table, columns in self.tables.items():
            run(f'UPDATE import_change SET after = (SELECT {_json_of(columns, "t")} FROM main."{table}" AS t '
                f"WHERE t.id = import_change.row_id) WHERE run_id = ? AND table_name = ? AND last_row_id IS NULL",
                (self.run_id, table))
        run("UPDATE import_run SET counts = ? WHERE id = ?", (json.dumps(counts), self.run_id))

    def _drop_triggers(self) -> None:
        for (name,) in self.connection.execute(
                "SELECT name FROM sqlite_temp_master WHERE type = 'trigger' AND name LIKE 'custview_import_%'").fetchall():
            self.connection.execute(f'DROP TRIGGER temp."{name}"')



def _recorded_tables(connection) -> dict[str, list[str]]:
    names = [row[0] for row in connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
    return {name: [column[1] for column in connection.execute(f'PRAGMA table_info("{name}")')]
            for name in names if name not in IMPORT_TABLES}


def _json_of(columns: list[str], row: str) -> str:
    return "json_object(" + ", ".join(f"'{column}', {row}.\"{column}\"" for column in columns) + ")"


def _stored_time(moment: datetime) -> str:
    """A moment as the database stores it: UTC without zone, to the microsecond (a naive one is UTC already)."""
    if moment.tzinfo:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment.isoformat(" ", "microseconds")


@dataclass
class ImportRunSummary:
    """One recorded import, as `custview imports` lists it."""

    id: int
    started_at: datetime
    files: list[dict]
    mapping: str | None
    counts: dict
    undone_at: datetime | None


def list_imports(connection) -> list[ImportRunSummary]:
    """Every recorded import, newest first (a sqlite3 connection)."""
    rows = connection.execute(
        "SELECT id, started_at, files, mapping, counts, undone_at FROM import_run ORDER BY id DESC").fetchall()
    return [ImportRunSummary(row[0], _read_time(row[1]), json.loads(row[2]), row[3], json.loads(row[4]),
                             _read_time(row[5]) if row[5] else None) for row in rows]


def _read_time(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def undo_import(connection, run_id: int, now: datetime) -> dict[str, dict[str, int]]:
    """Remove what an import created and restore what it updated or deleted; counts per table and action.

    UserError naming the records if anything changed them since, or if later records depend on
    what it created. Runs inside the caller's transaction (a sqlite3 connection).
    """
    run = connection.execute
    found = run("SELECT undone_at FROM import_run WHERE id = ?", (run_id,)).fetchone()
    if found is None:
        raise UserError(f"no import {run_id} (see 'custview imports')")
    if found[0]:
        raise UserError(f"import {run_id} was already undone on {_read_time(found[0]):%d %b %Y %H:%M} UTC")
    tables = _recorded_tables(connection)
    _refuse_if_changed_since(connection, run_id, tables)
    run("PRAGMA defer_foreign_keys = ON")
    done: dict[str, dict[str, int]] = {}
    changes = run("SELECT table_name, row_id, last_row_id, action, before FROM import_change WHERE run_id = ? "
                  "ORDER BY id", (run_id,)).fetchall()
    first_seen: dict[tuple[str, int], tuple] = {}
    for table, row_id, last_row_id, action, before in changes:
        if last_row_id is not None:
            removed = run(f'DELETE FROM "{table}" WHERE id BETWEEN ? AND ?', (row_id, last_row_id)).rowcount
            _add(done, table, "removed", removed)
        else:
            first_seen.setdefault((table, row_id), (action, before))
    for (table, row_id), (action, before) in first_seen.items():
        if action == "created":
            _add(done, table, "removed", run(f'DELETE FROM "{table}" WHERE id = ?', (row_id,)).rowcount)
        else:
            _restore(connection, table, row_id, json.loads(before), tables[table])
            _add(done, table, "restored", 1)
    _refuse_if_left_dangling(connection, run_id)
    run("UPDATE import_run SET undone_at = ? WHERE id = ?", (_stored_time(now), run_id))
    return done


def _add(done: dict, table: str, outcome: str, count: int) -> None:
    if count:
        done.setdefault(table, {}).setdefault(outcome, 0)
        done[table][outcome] += count


def _restore(connection, table: str, row_id: int, values: dict, columns: list[str]) -> None:
    names = ", ".join(f'"{column}"' for column in columns)
    marks = ", ".join("?" for _ in columns)
    connection.execute(f'INSERT OR REPLACE INTO "{table}" ({names}) VALUES ({marks})',
                       [values.get(column) for column in columns])


def _refuse_if_changed_since(connection, run_id: int, tables: dict[str, list[str]]) -> None:
    problems = []
    for table, columns in tables.items():
        rows = connection.execute(
            f"SELECT DISTINCT c.row_id FROM import_change AS c LEFT JOIN main.\"{table}\" AS t ON t.id = c.row_id "
            f"WHERE c.run_id = ? AND c.table_name = ? AND c.last_row_id IS NULL AND c.after IS NOT "
            f"(CASE WHEN t.id IS NULL THEN NULL ELSE {_json_of(columns, 't')} END)", (run_id, table)).fetchall()
        problems.extend(f"{table} {row_id} ({_describe(connection, table, row_id)}) changed since import {run_id}"
                        for (row_id,) in rows)
    problems.extend(_later_changes_to_signals(connection, run_id))
    if problems:
        raise UserError(*problems, f"import {run_id} was not undone: undo the later changes first, or edit by hand")


def _later_changes_to_signals(connection, run_id: int) -> list[str]:
    """Signals in this run's ranges of new ids that a later import (not undone) changed or made anew."""
    found = connection.execute(
        "SELECT DISTINCT later.run_id FROM import_change AS mine JOIN import_change AS later "
        "ON later.table_name = 'signal' AND later.run_id > mine.run_id "
        "AND later.row_id <= mine.last_row_id AND coalesce(later.last_row_id, later.row_id) >= mine.row_id "
        "JOIN import_run AS run ON run.id = later.run_id AND run.undone_at IS NULL "
        "WHERE mine.run_id = ? AND mine.table_name = 'signal' AND mine.last_row_id IS NOT NULL", (run_id,)).fetchall()
    return [f"signals import {run_id} created were changed or replaced by import {later}" for (later,) in found]


def _refuse_if_left_dangling(connection, run_id: int) -> None:
    """Refuse if records made after the import point at rows it created (and undo would remove)."""
    created = {(table, row_id) for table, row_id in connection.execute(
        "SELECT table_name, row_id FROM import_change WHERE run_id = ? AND action = 'created'", (run_id,))}
    problems = []
    for table, row_id, parent, key_number in connection.execute("PRAGMA foreign_key_check").fetchall():
        column = next(key[3] for key in connection.execute(f'PRAGMA foreign_key_list("{table}")') if key[0] == key_number)
        (parent_id,) = connection.execute(f'SELECT "{column}" FROM "{table}" WHERE rowid = ?', (row_id,)).fetchone()
        if (parent, parent_id) in created:
            problems.append(f"{table} {row_id} ({_describe(connection, table, row_id)}) refers to "
                            f"{parent} {parent_id}, which import {run_id} created")
    if problems:
        raise UserError(*problems, f"import {run_id} was not undone: later records depend on what it created")


def _describe(connection, table: str, row_id: int) -> str:
    """A few words that let a user recognise a row: its name, subject or title when it has one."""
    columns = {column[1] for column in connection.execute(f'PRAGMA table_info("{table}")')}
    for column in ("name", "subject", "title", "purpose", "step", "stage", "text"):
        if column in columns:
            found = connection.execute(f'SELECT "{column}" FROM "{table}" WHERE id = ?', (row_id,)).fetchone()
            if found and found[0]:
                return str(found[0])[:40]
    return "now gone"
