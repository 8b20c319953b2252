"""Where the data lives: database location, engine and sessions, and the queries everything else uses.

Usable without the CLI:

    from custview.db.writer import Store
    store = Store.open("book.db")
    history = store.contact_history(store.find_contacts("Sarah Chen")[0].id)
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import and_, event, or_
from sqlalchemy.pool import QueuePool, SingletonThreadPool
from sqlmodel import Session, create_engine, select

from custview.db import schema
from custview.db.forget import ForgetReport, forget
from custview.db.import_history import ImportRunSummary, list_imports, undo_import
from custview.db.connection import BUSY_TIMEOUT_SECONDS, connect_for_writing, no_data_error
from custview.db.connection import resolve_db_path, user_data_dir  # noqa: F401 - where callers have found them
from custview.errors import UserError
from custview.db.history import AppointmentRecord, ContactHistory, ContactRow  # noqa: F401 - ditto
from custview.db.models import (
    Appointment,
    Attendee,
    Company,
    Contact,
    ContactAlias,
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
    def open(cls, path: str | Path | None = None, *, new_records: bool = False) -> Store:
        """The store at `path` (or the resolved default location); nothing is created until a write."""
        return cls(resolve_db_path(path, new_records=new_records))

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
            # The connection comes from custview.db.connection, not from a URL: SQLAlchemy would read
            # `?x=1` or `%41` in a file name as URL syntax and write to another file.
            memory = str(self.path) == ":memory:"
            self._engine = create_engine(
                "sqlite://", creator=lambda: connect_for_writing(self.path),
                poolclass=SingletonThreadPool if memory else QueuePool,
            )
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
