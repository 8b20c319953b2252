"""Schema versions: which version a database file is at, and the steps that bring an older one up to date.

A database records its version in SQLite's `PRAGMA user_version`. Files made before versions were
recorded have user_version 0: with custview's tables in them they are version 1, the first schema.

Standard library only at import time, so that the fast read path can check a file cheaply.

Opening a file (see `prepare_file`):
- a file from a newer custview, or a SQLite file that is not custview's, is refused and left untouched;
- an older file is first copied beside itself (`custview.db.bak-1`, readable by its owner only),
  then upgraded in place, in one transaction, step by step;
- a new, empty file is given the current schema by the store (`create_schema`).

A book on a PostgreSQL server keeps its version in a one-row table, `custview_schema` (see
`server_version` and `custview.db.server_schema`); a database with other tables but no version table
is not a custview book and is left as it is. It is upgraded by the same steps, in one transaction, without a backup
file (the server's own backups are the team's).

To change the schema: change models.py, add a step to MIGRATIONS that brings an existing book from
the previous version to the new one, and raise CURRENT_VERSION to match. A step gets a DB-API
connection ("?" parameters) inside the upgrade's transaction: sqlite3, or on a server a
`custview.db.dialect.ServerConnection`. Every step after SERVER_FIRST_VERSION runs on BOTH engines,
so write it with the helpers that compile models.py for the connection's engine (`custview.db.declared`):
`add_declared_columns(connection, "contact", "owner_id")` for new columns and
`add_declared_tables_and_indexes(connection)` for new tables and indexes (a book at the current
version is never altered, so a new table or index needs a step too). Hand-written SQL that differs
per engine branches on `dialect_of(connection)` (`.name` is "sqlite" or "postgresql").
"""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from custview.db.calendar_uids import UNIQUE_UID_VERSION, before_the_steps
from custview.db.connection import connect, write_backup
from custview.db.dialect import POSTGRESQL, dialect_of
from custview.db.declared import add_declared_columns, add_declared_tables_and_indexes
from custview.db.signal_evidence import add_signal_evidence
from custview.db.server_schema import VERSION_TABLE, create_server_schema, install_import_triggers
from custview.errors import UserError

# "cust": lets custview (and tools like `file`) tell a custview database from any other SQLite file.
APPLICATION_ID = int.from_bytes(b"cust", "big")


def _identify_and_complete(connection: sqlite3.Connection) -> None:
    connection.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    add_declared_tables_and_indexes(connection)


def _add_requesters_and_derived_names(connection: sqlite3.Connection) -> None:
    for table, column in (("contact", "name_derived BOOLEAN NOT NULL DEFAULT 0"),
                          ("ticket", "topics JSON NOT NULL DEFAULT '[]'"),
                          ("ticket", 'requester_email VARCHAR COLLATE "NOCASE"'),
                          ("ticket", "requester_name VARCHAR")):
        connection.execute(f"ALTER TABLE {table} ADD COLUMN {column}")


def _index_book_wide_figures(connection: sqlite3.Connection) -> None:
    connection.execute("DROP INDEX IF EXISTS ix_signal_contact_when")  # now holds the kind as well
    add_declared_tables_and_indexes(connection)


def _add_meeting_identity_and_done_at(connection: sqlite3.Connection) -> None:
    connection.execute("ALTER TABLE appointment ADD COLUMN uid VARCHAR")
    connection.execute("ALTER TABLE next_step ADD COLUMN done_at DATETIME")
    add_declared_tables_and_indexes(connection)  # ix_appointment_uid, ix_appointment_when


def _add_commercial_context(connection: sqlite3.Connection) -> None:
    for column in ("status VARCHAR", "renewal_at DATETIME", "contract_value FLOAT", "contract_currency VARCHAR",
                   "contract_arr BOOLEAN NOT NULL DEFAULT 0", "ended_at DATETIME", "end_reason VARCHAR"):
        connection.execute(f"ALTER TABLE company ADD COLUMN {column}")


def never_reuse_ids(connection: sqlite3.Connection) -> None:
    """Rebuild every table with AUTOINCREMENT, each sequence starting past every id ever used.

    Ids used before (then deleted) are known from the import history's ranges; none is given again.
    Foreign keys are not enforced on the upgrade's connection, so tables can be dropped and renamed.
    """
    from sqlalchemy.dialects import sqlite as sqlite_dialect
    from sqlalchemy.schema import CreateTable

    from custview.db.models import declare_all

    dialect = sqlite_dialect.dialect()
    existing = _table_names(connection)
    # Built from today's models: tables and columns that later steps add are left for those steps.
    tables = [table for table in declare_all().sorted_tables if table.name in existing]
    for table in tables:
        old_columns = {row[1] for row in connection.execute(f'PRAGMA table_info("{table.name}")')}
        kept = [column for column in table.columns if column.name in old_columns]
        create = _without_columns(str(CreateTable(table).compile(dialect=dialect)),
                                  [column.name for column in table.columns if column.name not in old_columns])
        connection.execute(create.replace(f"CREATE TABLE {table.name} ", f"CREATE TABLE {table.name}_rebuilt ", 1))
        columns = ", ".join(f'"{column.name}"' for column in kept)
        connection.execute(f'INSERT INTO "{table.name}_rebuilt" ({columns}) SELECT {columns} FROM "{table.name}"')
        connection.execute(f'DROP TABLE "{table.name}"')
        connection.execute(f'ALTER TABLE "{table.name}_rebuilt" RENAME TO "{table.name}"')
    for table in tables:
        highest = connection.execute(
            f'SELECT max((SELECT coalesce(max(id), 0) FROM "{table.name}"), (SELECT coalesce(max(coalesce('
            f"last_row_id, row_id)), 0) FROM import_change WHERE table_name = ?))", (table.name,)).fetchone()[0]
        connection.execute("DELETE FROM sqlite_sequence WHERE name = ?", (table.name,))
        connection.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", (table.name, highest))
    add_declared_tables_and_indexes(connection)


def _without_columns(create: str, names: list[str]) -> str:
    """A CREATE TABLE statement (one column or constraint per line) without the lines of these columns."""
    if not names:
        return create
    lines = [line for line in create.splitlines()
             if not any(line.strip().startswith((f"{name} ", f'"{name}" ')) for name in names)]
    lines = [line for line in lines if not any(f"({name})" in line and "FOREIGN KEY" in line for name in names)]
    body = "\n".join(lines)
    return body.replace(", \n)", " \n)").replace(",\n)", "\n)")


def _add_members_and_owners(connection) -> None:
    add_declared_tables_and_indexes(connection)  # the member table
    engine = dialect_of(connection)
    for table, column in (("company", "owner_id"), ("contact", "owner_id"), ("ticket", "owner_id"),
                          ("service", "owner_id"), ("next_step", "owner_id"), ("attendee", "member_id")):
        if column in engine.column_names(connection, table):
            continue  # a table an earlier step had to create is made with today's columns
        if engine is POSTGRESQL:
            add_declared_columns(connection, table, column)
        else:  # with its reference, as a new book has it
            connection.execute(f"ALTER TABLE {table} ADD COLUMN {column} INTEGER REFERENCES member (id)")
    add_declared_tables_and_indexes(connection)  # ix_contact_owner_id, ix_company_owner_id


def _add_who_made_it(connection, tables=("stage_change", "appointment", "next_step", "handover", "merge_record",
                                          "import_run")) -> None:
    """Who wrote each row: made_by (and undone_by on imports); a table an earlier step made has them already."""
    engine = dialect_of(connection)
    for table in tables:
        existing = engine.column_names(connection, table)
        wanted = ("made_by", "undone_by") if table == "import_run" else ("made_by",)
        add_declared_columns(connection, table, *(column for column in wanted if column not in existing))


def _replacing(old_index: str) -> Callable[[object], None]:
    """A step that drops `old_index` for the declared index that takes its place (unique, or with a column more)."""
    def step(connection) -> None:
        connection.execute(f"DROP INDEX IF EXISTS {old_index}")
        add_declared_tables_and_indexes(connection)
    return step


@dataclass(frozen=True)
class Migration:
    """One step: brings a file at version `to_version - 1` to `to_version`."""

    to_version: int
    summary: str
    apply: Callable[[sqlite3.Connection], None]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(2, "the file names itself as custview's (application id) and has every table and index "
                 "models.py declares", _identify_and_complete),
    Migration(3, "import history (import_run, import_change) for `custview imports` and `undo-import`",
              add_declared_tables_and_indexes),
    Migration(4, "contact and company aliases and merge records (contact_alias, company_alias, merge_record) "
                 "for `custview merge`", add_declared_tables_and_indexes),
    Migration(5, "email-only contacts (contact.name_derived); tickets from requesters not in the book "
                 "(ticket.requester_email, requester_name) and their topics", _add_requesters_and_derived_names),
    Migration(6, "indexes for the book-wide views (attention, stage suggest): signals by contact, moment and kind; "
                 "open tickets; next steps not done", _index_book_wide_figures),
    Migration(7, "commercial context on companies (status, renewal, contract value and currency, ARR, "
                 "end date and reason) for `custview companies`", _add_commercial_context),
    Migration(8, "planned meetings keep their calendar UID (appointment.uid) and kept promises the day they "
                 "were kept (next_step.done_at)", _add_meeting_identity_and_done_at),
    Migration(9, "ids are never given twice (AUTOINCREMENT), so undo-import removes only the rows it created",
              never_reuse_ids),
    Migration(10, "success criteria on companies (success_criterion): the outcomes promised at purchase, "
                  "each with a metric, a target and a status", add_declared_tables_and_indexes),
    Migration(11, "our own people (member: name, email, team, role) and owners on contacts, companies, tickets, "
                  "services and next steps (owner_id); attendees who are ours (attendee.member_id)",
              _add_members_and_owners),
    Migration(12, "hand-overs recorded (handover: who handed a contact or an account to whom, when) for "
                  "`custview handoff --to` and the timeline", add_declared_tables_and_indexes),
    Migration(13, "who did what: the member (or OS user) who wrote a stage change, a meeting, a next step, a "
                  "hand-over or a merge, and who ran and undid each import (made_by, undone_by)", _add_who_made_it),
    Migration(14, "who closed a ticket or last set a service's or a success criterion's status (made_by)",
              lambda connection: _add_who_made_it(connection, ("ticket", "service", "success_criterion"))),
    Migration(UNIQUE_UID_VERSION, "a calendar UID names one meeting (unique appointment.uid): two imports of one "
                                  "calendar at once add each event once", _replacing("ix_appointment_uid")),
    Migration(16, "meetings indexed by company and moment, for each account's latest meeting (`custview companies`)",
              _replacing("ix_appointment_company_id")),
    Migration(17, "contacts indexed by stage and name (`contacts --stage`), and two-way signals (email, event, office "
                  "hours) in an index of their own, for each account's latest conversation",
              _replacing("ix_contact_stage")),
    Migration(18, "each signal says what the readiness rules count it as (signal.evidence), so `stage suggest` "
                  "finds who shows enough evidence from an index", add_signal_evidence),
    Migration(19, "the evidence `stage suggest` quotes is read from an index of the signals that are evidence "
                  "(SQLite), not row by row across the signal table", add_declared_tables_and_indexes),
    Migration(20, "contacts indexed by company and stage, for each account's people and furthest stage "
                  "(`custview companies`)", _replacing("ix_contact_company_id")),
)
CURRENT_VERSION = MIGRATIONS[-1].to_version
FIRST_VERSION = 1
# Books on a server began at this version: the steps up to it are SQLite's alone, every later one runs on both.
SERVER_FIRST_VERSION = 9


def backup_path(path: Path, version: int) -> Path:
    """Where the copy of a database is kept before it is upgraded from `version`."""
    return path.with_name(f"{path.name}.bak-{version}")


def file_version(connection: sqlite3.Connection, path: Path) -> int | None:
    """The schema version of an open database file; None for a new, empty one.

    Raises UserError for a file from a newer custview or one that is not a custview database.
    Reads only: the file is left exactly as it was.
    """
    try:
        version = connection.execute("PRAGMA user_version").fetchone()[0]
        application_id = connection.execute("PRAGMA application_id").fetchone()[0]
        tables = _table_names(connection)
    except sqlite3.DatabaseError as error:
        raise UserError(f"cannot use the database at {path}: {error}") from None
    if application_id not in (0, APPLICATION_ID) or (tables and "contact" not in tables) or (
            not tables and version):
        raise UserError(f"{path} is not a custview database; nothing was changed. Pick another file with --db.")
    if not tables:
        return None
    if version > CURRENT_VERSION:
        raise UserError(
            f"{path} was made by a newer custview (schema version {version}; this one knows up to "
            f"{CURRENT_VERSION}); nothing was changed. Upgrade custview to use it."
        )
    return max(version, FIRST_VERSION)


def prepare_file(path: Path) -> int | None:
    """Make an existing database file usable by this custview: refuse it, or upgrade it if it is older.

    Says so on stderr, in one line, when it upgrades. Returns the file's version (None while it
    has no tables yet: the store then creates them with `create_schema`).
    """
    try:
        connection = connect(path, "inspect")
    except sqlite3.DatabaseError as error:
        raise UserError(f"cannot use the database at {path}: {error}") from None
    try:
        version = file_version(connection, path)
        if version is None or version == CURRENT_VERSION:
            return version
        try:
            notice = _upgrade(connection, path)
        except (sqlite3.DatabaseError, OSError) as error:
            raise UserError(f"cannot upgrade {path} from schema version {version} to {CURRENT_VERSION}: "
                            f"{error}; the database was not changed.") from None
    finally:
        connection.close()
    if notice:
        sys.stderr.write(notice + "\n")
    return CURRENT_VERSION


def _upgrade(connection: sqlite3.Connection, path: Path) -> str | None:
    # Fold the write-ahead log into the file so that it alone holds the whole database and a plain
    # copy of it is an exact backup; then take the write lock so nobody changes it meanwhile.
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.execute("BEGIN IMMEDIATE")
    try:
        version = file_version(connection, path)  # another process may have upgraded it meanwhile
        if version == CURRENT_VERSION:
            connection.execute("ROLLBACK")
            return None
        backup = write_backup(path, backup_path(path, version))
        notes = before_the_steps(connection, version)
        for step in MIGRATIONS:
            if step.to_version > version:
                step.apply(connection)
        connection.execute(f"PRAGMA user_version = {CURRENT_VERSION}")
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    return "\n".join([*notes, f"note: upgraded {path} from schema version {version} to {CURRENT_VERSION}; "
                                f"the previous file is kept as {backup}"])



def server_version(connection, book) -> int | None:
    """The schema version of the book on a server; None while the database has no tables (a book to create).

    UserError for a database that is not custview's, or one from a newer custview; reads only.
    """
    from psycopg.errors import UndefinedTable

    try:  # a book's version at once: one round trip (a reader's start-up)
        version = connection.execute(f"SELECT max(version) FROM {VERSION_TABLE}").fetchone()[0]
    except UndefinedTable:
        if not POSTGRESQL.table_names(connection):
            return None
        raise UserError(f"{book} is not a custview database (it has other tables); nothing was changed. "
                        "Point --db at an empty database or a custview book.") from None
    if version > CURRENT_VERSION:
        raise UserError(f"{book} was made by a newer custview (schema version {version}; this one knows up to "
                        f"{CURRENT_VERSION}); nothing was changed. Upgrade custview to use it.")
    return version


def prepare_server(book, connection=None) -> int | None:
    """Refuse or upgrade the book on a server, as `schema.prepare_file` does a file; its version (None: empty).

    On `connection` when given (left open), else on a connection of its own.
    """
    own = connection is None
    connection = book.connect() if own else connection
    try:
        version = server_version(connection, book)
        if version is None or version == CURRENT_VERSION:
            return version
        _upgrade_server(connection, book)
    finally:
        if own:
            connection.close()
    sys.stderr.write(f"note: upgraded {book} from schema version {version} to {CURRENT_VERSION}\n")
    return CURRENT_VERSION


def _upgrade_server(connection, book) -> None:
    """The steps since the book's version, in one transaction, the version table locked meanwhile."""
    connection.execute("BEGIN READ WRITE")  # also on a reader's read-only connection
    try:
        connection.execute(f"LOCK TABLE {VERSION_TABLE} IN ACCESS EXCLUSIVE MODE")
        version = server_version(connection, book)  # another laptop may have upgraded it meanwhile
        notes = before_the_steps(connection, version)
        for step in MIGRATIONS:
            if step.to_version > max(version, SERVER_FIRST_VERSION):
                step.apply(connection)
        install_import_triggers(connection)  # on tables a step added too
        connection.execute(f"UPDATE {VERSION_TABLE} SET version = ?", (CURRENT_VERSION,))
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    sys.stderr.writelines(note + "\n" for note in notes)


def create_schema(connection) -> None:
    """Give an empty database the current schema and version (a SQLAlchemy connection, in a transaction)."""
    from custview.db.models import declare_all

    metadata = declare_all()
    if connection.dialect.name == "postgresql":
        return create_server_schema(connection, CURRENT_VERSION)
    if connection.exec_driver_sql("SELECT count(*) FROM sqlite_master WHERE type = 'table'").scalar():
        return
    metadata.create_all(connection)
    connection.exec_driver_sql(f"PRAGMA application_id = {APPLICATION_ID}")
    connection.exec_driver_sql(f"PRAGMA user_version = {CURRENT_VERSION}")


def _table_names(connection: sqlite3.Connection) -> set[str]:
    return {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
