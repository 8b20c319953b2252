"""Every write: the SQLModel engine and sessions, and the changes commands make in one transaction.

Reads go through `custview.db.reader` (plain DB-API, no SQLAlchemy); the ORM reads only inside a
write transaction (importers, merging, forgetting). Usable without the CLI:

    from custview.db.writer import Store
    store = Store.open("book.db")
    store.set_stage(contact_id, "Buyer", utc_now())
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import event, func
from sqlalchemy.pool import QueuePool, SingletonThreadPool
from sqlmodel import Session, create_engine, select

from custview.config import who_writes
from custview.db import models, schema
from custview.db.dialect import driver_connection
from custview.db.import_history import undo_import
from custview.db.server import WRITERS_LOCK, ServerBook
from custview.db.connection import connect_for_writing, no_data_error
from custview.db.connection import resolve_db_path, user_data_dir  # noqa: F401 - where callers have found them
from custview.errors import UserError, record_id
from custview.db.models import Contact, StageChange
from custview.db.rows import CRITERION_STATUSES, SERVICE_STATUSES

if TYPE_CHECKING:
    from custview.db.forget import ForgetReport
    from custview.db.models import Ticket

# What `Store.set_status` can change: the table (built when first used), the column that names a row, the statuses.
STATUS_KINDS = {"service": ("Service", "name", SERVICE_STATUSES),
                "success criterion": ("SuccessCriterion", "metric", CRITERION_STATUSES)}


def _squashed(text: str) -> str:
    """A status written loosely ("At-Risk", "on_track") as the vocabulary writes it."""
    return " ".join(text.lower().replace("-", " ").replace("_", " ").split())


class Store:
    """A custview database to change: creates and upgrades it, hands out sessions, makes each change in one transaction."""

    def __init__(self, path: Path):
        self.path = path
        self._engine = None
        self._schema_ready = False

    @classmethod
    def open(cls, path: str | Path | None = None, *, new_records: bool = False) -> Store:
        """The store at `path` (or the resolved default location); nothing is created until a write."""
        return cls(resolve_db_path(path, new_records=new_records))

    @property
    def on_server(self) -> bool:
        """Whether the book lives on a PostgreSQL server (`--db postgresql://…`) rather than in a file."""
        return isinstance(self.path, ServerBook)

    def exists(self) -> bool:
        """Whether the database file (or the book's tables on a server) has been created yet."""
        return self.path.exists()

    def close(self) -> None:
        """Close every connection (SQLite then folds the write-ahead log into the file)."""
        if self._engine is not None:
            self._engine.dispose()

    def remove_files(self) -> None:
        """Close and delete this store's file and its -wal/-shm: only for a file no other process knows of."""
        self.close()
        if self.on_server:
            return
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)

    @property
    def engine(self):
        """The SQLAlchemy engine, configured for WAL and a busy timeout."""
        if self._engine is None and self.on_server:
            self._engine = create_engine("postgresql+psycopg://", creator=lambda: self.path.connect_raw(autocommit=False),
                                         poolclass=QueuePool)
            event.listen(self._engine, "begin", _one_writer_at_a_time)
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
        if not self.on_server and str(self.path) != ":memory:" and not self.path.exists():
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            # An empty file is a valid new SQLite database; SQLite gives -wal/-shm the same mode.
            os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
        self._prepare_schema()

    def _prepare_schema(self) -> None:
        """Once per store: refuse a newer file, upgrade an older one (after a backup), create tables in a new one."""
        if self._schema_ready:
            return
        if str(self.path) == ":memory:" or self._prepare_existing() is None:
            with self.engine.execution_options(write_lock=True).begin() as connection:
                schema.create_schema(connection)
        self._schema_ready = True

    def _prepare_existing(self) -> int | None:
        if self.on_server:
            from custview.db.schema import prepare_server

            return prepare_server(self.path)
        return schema.prepare_file(self.path)

    def require_data(self) -> None:
        """A clear error unless the database exists."""
        if not self.exists():
            raise no_data_error(self.path)

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session for a dry run of a write (merge or forget plans); a clear error if there is no database yet."""
        self.require_data()
        self._prepare_schema()
        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    @contextmanager
    def writing(self, *, rows_locked: bool = False) -> Iterator[Session]:
        """A session whose work is committed as one transaction, or rolled back entirely on any error.

        `rows_locked`: the change locks the rows it reads before it writes them (a contact, a ticket: `_contact`),
        so on a server it runs beside other such changes; an import, a merge, an undo wait for all of them.
        """
        self.ensure_schema()
        # Take the write lock at the start (waiting up to the busy timeout for another writer), so
        # a transaction that reads before it writes can never fail half-way with "database is locked".
        lock = "shared" if rows_locked else True
        with Session(self.engine.execution_options(write_lock=lock), expire_on_commit=False) as session:
            event.listen(session, "before_flush", _sign_changes)
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def log_appointment(self, contact_id: int, when: datetime, details, stage: str | None = None,
                        meeting_id: int | None = None):
        """Log a meeting's outcome onto the meeting meant (see `custview.db.meetings.log_meeting`), in one
        transaction, optionally moving the contact on the Value Path; returns a `Logged`."""
        from custview.dates import utc_now
        from custview.db.meetings import log_meeting

        with self.writing(rows_locked=True) as session:
            contact = self._contact(session, contact_id)
            logged = log_meeting(session, contact, when, details, utc_now(), meeting_id)
            if stage:
                logged.stage_change = record_stage_change(session, contact, stage, logged.appointment.scheduled_at,
                                                          "log")
            return logged

    def plan_meeting(self, contact_id: int, when: datetime, purpose: str, kind: str | None, attendees):
        """Put an upcoming meeting with a contact in the book; returns a `custview.db.meetings.Logged`."""
        from custview.db.meetings import plan_meeting

        with self.writing(rows_locked=True) as session:
            return plan_meeting(session, self._contact(session, contact_id), when, purpose, kind, tuple(attendees))

    def change_steps(self, change, *arguments):
        """Apply one of custview.db.meetings' step changes (mark_steps_done, reopen_step, edit_step) in a transaction."""
        self.require_data()
        with self.writing() as session:
            return change(session, *arguments)

    @staticmethod
    def _contact(session: Session, contact_id: int) -> Contact:
        """The contact, its row locked until the transaction ends (on a server: SQLite's lock is the whole file)."""
        contact = session.get(Contact, contact_id, with_for_update=True)
        if contact is None:
            raise UserError(f"No contact with id {contact_id}.")
        return contact

    def set_stage(self, contact_id: int, stage: str, when: datetime) -> StageChange | None:
        """Move a contact on the Value Path (kept in stage history); None if they are already there."""
        with self.writing(rows_locked=True) as session:
            return record_stage_change(session, self._contact(session, contact_id), stage, when, "manual")


    def close_ticket(self, key: str, when: datetime) -> tuple[Ticket, bool]:
        """Close a ticket found by its ref or number (#12); also says whether it was closed already."""
        from custview.db.models import Ticket

        self.require_data()
        with self.writing(rows_locked=True) as session:
            ticket = session.exec(select(Ticket).where(Ticket.ref == key).with_for_update()).first()
            number = record_id(key if key.startswith("#") else f"#{key}", "ticket")
            if ticket is None and number is not None:
                ticket = session.get(Ticket, number, with_for_update=True)
            if ticket is None:
                raise UserError(f"No ticket {key!r}: use the ref shown in the brief (e.g. T-1004) or its number (#12).")
            if ticket.status == "closed":
                return ticket, True
            ticket.status, ticket.closed_at = "closed", when
            session.add(ticket)
            return ticket, False

    def hand_over(self, to_id: int, from_id: int | None, when: datetime, contact_id: int | None = None,
                  company_id: int | None = None, apply: bool = True):
        """Hand a contact or an account to member `to_id`, in one transaction (see `custview.db.handovers`);
        without `apply`, only what it would change."""
        from custview.db.handovers import plan_handover

        with self.writing() if apply else self.reading() as session:
            return plan_handover(session, to_id, from_id, contact_id, company_id, when, apply)
    def set_status(self, kind: str, key: str, status: str, company_id: int | None = None) -> tuple[object, str]:
        """Set the status of a service or a success criterion (`kind`), found by its number (#12) or its
        name or metric (at `company_id` when given); returns the row as it is now and its status before."""
        statuses = STATUS_KINDS[kind][2]
        wanted = next((s for s in statuses if _squashed(s) == _squashed(status)), None)
        if wanted is None:
            raise UserError(f"unknown {kind} status {status!r} (expected one of: {', '.join(statuses)})")
        self.require_data()
        with self.writing() as session:
            row = self._one_by_key(session, kind, key, company_id)
            before, row.status = row.status, wanted
            session.add(row)
            return row, before

    @staticmethod
    def _one_by_key(session: Session, kind: str, key: str, company_id: int | None):
        """The one service or success criterion `key` (#12, or a name/metric) names; UserError otherwise."""
        table, label, _ = STATUS_KINDS[kind]
        model = getattr(models, table)
        number = record_id(key, kind)
        if number is None and key.strip().isdigit():
            number = record_id(f"#{key.strip()}", kind)
        if number is not None:
            found = [row] if (row := session.get(model, number)) else []
        else:
            query = select(model).where(func.lower(getattr(model, label)) == key.strip().lower())
            if company_id is not None:
                query = query.where(model.company_id == company_id)
            found = session.exec(query.order_by(model.id)).all()
        if not found:
            raise UserError(f"No {kind} {key!r}: use its number (#12, shown by `custview show company`) or its "
                            f"{label} as written.")
        if len(found) > 1:
            raise UserError(f"{len(found)} {kind} records are called {key!r}: use the number (" +
                            ", ".join(f"#{row.id}" for row in found) + ") or --company.")
        return found[0]

    def undo_import(self, run_id: int, when: datetime) -> dict[str, dict[str, int]]:
        """Undo one import in one transaction (see `undo_import`); what was removed and restored per table."""
        with self.writing() as session:
            return undo_import(driver_connection(session), run_id, when)

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
        from custview.db.forget import backups_holding, forget

        with self.reading() as session:
            report = forget(session, contact_id, remove=False)
            contact = session.get(Contact, contact_id)
        if not self.on_server:
            report.backups = [str(path) for path in backups_holding(self.path, contact.name, contact.email)]
        return report

    def forget_contact(self, contact_id: int) -> ForgetReport:
        """Delete a contact and everything that belongs only to them, in one transaction (see `forget`).

        The freed space is overwritten (secure_delete), the write-ahead log folded in and emptied, and
        the space handed back to the disk when the book allows it (incremental vacuum).
        """
        from custview.db.forget import backups_holding, forget

        with self.writing() as session:
            contact = session.get(Contact, contact_id)
            email = contact.email if contact else None
            if self.on_server:  # the server reuses freed space itself (VACUUM); nothing to hand back
                report = forget(session, contact_id, remove=True)
                report.space_kept = False
                return report
            connection = session.connection().connection.driver_connection
            connection.execute("PRAGMA secure_delete = ON")
            try:
                report = forget(session, contact_id, remove=True)
            finally:
                connection.execute("PRAGMA secure_delete = OFF")
        report.backups = [str(path) for path in backups_holding(self.path, report.name, email)]
        report.space_kept = not self._hand_back_freed_space()
        return report

    def _hand_back_freed_space(self) -> bool:
        """Fold the write-ahead log into the file and empty it; vacuum the free pages if the book allows it."""
        if str(self.path) == ":memory:":
            return True
        connection = connect_for_writing(self.path)
        try:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            if connection.execute("PRAGMA auto_vacuum").fetchone()[0] != 2:
                return False
            connection.execute("PRAGMA incremental_vacuum")
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            return True
        finally:
            connection.close()


def _one_writer_at_a_time(connection) -> None:
    """On a server, a write transaction waits for the one before it, as SQLite's write lock makes it do;
    changes that lock their own rows (`Store.writing(rows_locked=True)`: a log, a stage move) share the lock
    and run side by side, and every other write waits for them.

    An import gives new rows their ids itself (the import history keeps them as one range per table, which
    undo-import removes) and finds existing records by their natural keys from an index it reads once:
    two imports, or an import and a log, must not interleave. Reads never wait.
    """
    lock = connection.get_execution_options().get("write_lock", False)
    if lock:
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock{'_shared' if lock == 'shared' else ''}"
                                   f"({WRITERS_LOCK})")


# Changes to these columns alone move a row along with others (a merge, a hand-over, a backdated stage
# move): they do not make whoever caused them the row's author.
REFERENCE_COLUMNS = frozenset({"contact_id", "company_id", "appointment_id", "owner_id", "kept_id", "previous_stage"})


def _sign_changes(session: Session, _context, _instances) -> None:
    """Every row a command writes that keeps its maker (`made_by`) records who wrote it: last write wins."""
    from sqlalchemy import inspect

    who = None
    for row in (*session.new, *session.dirty):
        if not hasattr(row, "made_by"):
            continue
        if row not in session.new:
            changed = {a.key for a in inspect(row).attrs if a.history.has_changes()}
            if changed <= REFERENCE_COLUMNS | {"made_by"}:
                continue
        row.made_by = who = who or who_writes()


def _begin_transaction(connection) -> None:
    immediate = connection.get_execution_options().get("write_lock", False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def record_stage_change(
    session: Session, contact: Contact, stage: str, when: datetime, source: str
) -> StageChange | None:
    """Move a contact to `stage` as of `when`, placed in date order in their stage history; None if they were
    already there then.

    A backdated move goes between the moves around it (the next one now starts from it); the contact's
    current stage is always that of the latest move by date.
    """
    changes = session.exec(select(StageChange).where(StageChange.contact_id == contact.id)
                           .order_by(StageChange.changed_at, StageChange.id)).all()
    before = [c for c in changes if c.changed_at <= when]
    after = [c for c in changes if c.changed_at > when]
    stage_then = before[-1].stage if before else after[0].previous_stage if after else contact.stage
    if stage_then == stage:
        return None
    change = StageChange(contact_id=contact.id, stage=stage, previous_stage=stage_then, changed_at=when, source=source)
    if after:
        after[0].previous_stage = stage
        session.add(after[0])
    else:
        contact.stage, contact.stage_since = stage, when
        session.add(contact)
    session.add(change)
    return change
