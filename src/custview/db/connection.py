"""Where the database lives, and how every SQLite connection to it is set up: the one place for pragmas.

Light on purpose (standard library only): the fast read path (`custview.db.reader`) uses it without
loading SQLAlchemy, and the store's engine uses the same settings.

The pragmas, and why each is chosen:

- `journal_mode=WAL` (writers): readers never wait for a writer and the writer never waits for
  readers, so a brief works while an import runs. It is stored in the file, so the first writer
  sets it once; readers do not need to (and a read-only connection could not).
- `auto_vacuum=INCREMENTAL` (writers): a new book can hand space freed by `forget` back to the disk
  (`PRAGMA incremental_vacuum`). It only takes effect in a file without tables, before WAL is set;
  on an existing book it changes nothing.
- `busy_timeout` (everyone): a second writer waits up to BUSY_TIMEOUT_SECONDS for the lock
  instead of failing at once with "database is locked".
- `foreign_keys=ON` (everyone): SQLite only checks REFERENCES when asked, per connection.
- `cache_size` (everyone): 32 MiB instead of SQLite's 2 MiB, so a book-wide read (attention over
  100,000 contacts) keeps the upper levels of every index in memory. Memory is taken only as pages
  are read, so a brief that touches a few pages costs nothing extra.
- `query_only=ON` (read-only paths): a brief can never change the data, whatever the code does.
- `synchronous=NORMAL` (bulk import only): in WAL mode a crash or power cut can lose the last
  transactions but never corrupts the file, and an import can simply be run again. It saves an
  fsync per transaction. Interactive writes keep the default (FULL): a logged call is never lost.
- `cache_size` for bulk import: 16 MiB. A load writes each page once and looks rows up through a few
  index pages, so a bigger cache only grows with the book being written (a 100,000-contact import
  peaked 13 MB higher at 32 MiB than at 16, for no less CPU): import memory stays flat.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from custview.db.server import ServerBook, is_server_url
from custview.errors import UserError

BUSY_TIMEOUT_SECONDS = 30

EVERY_CONNECTION = {
    "busy_timeout": BUSY_TIMEOUT_SECONDS * 1000,
    "foreign_keys": "ON",
    "cache_size": -32 * 1024,  # negative: KiB
}
WRITER = {"auto_vacuum": "INCREMENTAL", "journal_mode": "WAL"}  # in this order: see the module docstring
READ_ONLY = {"query_only": "ON"}
BULK_IMPORT = {"synchronous": "NORMAL", "cache_size": -16 * 1024}


def user_data_dir() -> Path:
    """The per-user folder custview keeps its data in (XDG on Linux)."""
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "custview"


DEMO_BOOK = "demo.db"


def resolve_db_path(explicit: str | Path | None = None, *, new_records: bool = False):
    """The database to use: the explicit path, else $CUSTVIEW_DB, else custview.db in the user data dir.

    A `postgresql://` URL names a book on a team server: a `custview.db.server.ServerBook`, not a Path.

    Until that default book exists, the demo book (made by `custview demo`) stands in for it, so the
    tour works right after the demo; commands that bring in new records (`new_records`: import, add
    contact/company) always start the user's own book instead, so their data never lands in the demo.
    """
    chosen = explicit or os.environ.get("CUSTVIEW_DB")
    if is_server_url(chosen):
        return ServerBook(chosen)
    if chosen:
        return Path(chosen).expanduser()
    default, demo = user_data_dir() / "custview.db", user_data_dir() / DEMO_BOOK
    if not new_records and not default.exists() and demo.exists():
        return demo
    return default


def no_data_error(path: Path) -> UserError:
    """The error for a database that has not been created yet, saying how to create one."""
    return UserError(f"No customer data yet at {path}: run 'custview import FILE' or 'custview demo' first.")


def pragmas_for(*, read_only: bool = False, bulk_import: bool = False) -> dict[str, object]:
    """The pragmas a connection gets for its purpose (see the module docstring for why)."""
    chosen = dict(EVERY_CONNECTION)
    chosen |= READ_ONLY if read_only else WRITER
    if bulk_import:
        chosen |= BULK_IMPORT
    return chosen


def configure(connection: sqlite3.Connection, *, read_only: bool = False, bulk_import: bool = False) -> None:
    """Apply the pragmas for this purpose to an open sqlite3 connection."""
    for name, value in pragmas_for(read_only=read_only, bulk_import=bulk_import).items():
        connection.execute(f"PRAGMA {name}={value}")


PURPOSES = ("read", "write", "bulk import", "inspect")


def connect(path: Path | str, purpose: str = "write") -> sqlite3.Connection:
    """The one place connections are opened (reader, writer, doctor, schema), set up for their purpose.

    "read" and "inspect" open an existing file only: SQLite would otherwise create a missing one.
    It is opened read-write rather than read-only, because a WAL reader may need to create the -shm
    file; a reader's query_only guarantees nothing is written. "inspect" (schema checks, upgrades,
    doctor, backups) sets no pragma, so a file that is not ours is not touched. A path is always
    the file it names, never parsed as a URL (`?`, `%` and `#` are ordinary characters in a file
    name). Transactions are begun explicitly (isolation_level=None).
    """
    if purpose not in PURPOSES:
        raise ValueError(f"unknown purpose {purpose!r}")
    if purpose in ("read", "inspect"):
        connection = _open_existing(Path(path))
    else:
        connection = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None,
                                     check_same_thread=False)
    if purpose != "inspect":
        configure(connection, read_only=purpose == "read", bulk_import=purpose == "bulk import")
    return connection


def connect_for_writing(path: Path | str, *, bulk_import: bool = False) -> sqlite3.Connection:
    """A connection for the writer (see `connect`)."""
    return connect(path, "bulk import" if bulk_import else "write")


@contextmanager
def writing_transaction(path: Path, *, bulk_import: bool = False) -> Iterator[sqlite3.Connection]:
    """A plain sqlite3 connection in one write transaction, the write lock taken at once: committed when the
    block ends, rolled back on any error. For writers that need no ORM (imports), so SQLAlchemy stays unloaded."""
    connection = connect_for_writing(path, bulk_import=bulk_import)
    try:
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield connection
            connection.execute("COMMIT")
        except BaseException:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise
    finally:
        connection.close()


def connect_for_reading(path: Path | ServerBook) -> sqlite3.Connection:
    """A read-only connection to an existing database; never creates the file (UserError if missing).

    On a server, a read-only session (a role with SELECT rights only can read) over psycopg.
    """
    if isinstance(path, ServerBook):
        from custview.db.schema import prepare_server

        connection = path.connect(read_only=True)  # one connection checks the version, then reads
        try:
            if prepare_server(path, connection) is None:
                raise no_data_error(path)
        except BaseException:
            connection.close()
            raise
        return connection
    if str(path) == ":memory:" or not path.exists():
        raise no_data_error(path)
    from custview.db.schema import prepare_file  # refuses a newer file, upgrades an older one (with a backup)

    if prepare_file(path) is None:
        raise no_data_error(path)
    return connect(path, "read")


def _open_existing(path: Path) -> sqlite3.Connection:
    """A connection to an existing database file (mode=rw, see `connect`); it also reads a book in a read-only folder.

    Where read-write fails because the folder (or file) cannot be written, the file is opened
    read-only; and if no write-ahead log is beside it either, as immutable: nobody can write it
    there, so nothing can change it while it is read.
    """
    uri = path.absolute().as_uri()
    connection = sqlite3.connect(f"{uri}?mode=rw", uri=True, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None,
                                 check_same_thread=False)
    try:
        connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return connection
    except sqlite3.OperationalError as error:
        connection.close()
        if "readonly" not in str(error) and "unable to open" not in str(error):
            raise
    log = Path(f"{path}-wal")
    options = "mode=ro" if log.exists() and log.stat().st_size else "mode=ro&immutable=1"
    return sqlite3.connect(f"{uri}?{options}", uri=True, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None,
                           check_same_thread=False)


def _busy_note(path: Path) -> Path:
    return path.with_name(f".{path.name}.busy")


@contextmanager
def holding(path: Path, command: str) -> Iterator[None]:
    """Leave a note beside the book, while a long write runs, saying what holds it since when (see `busy_error`)."""
    note = _busy_note(path)
    if _holder(note) is None:
        note.unlink(missing_ok=True)  # left by a process that is gone
    try:
        with open(os.open(note, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600), "w", encoding="utf-8") as file:
            json.dump({"command": command, "since": datetime.now(timezone.utc).isoformat(), "pid": os.getpid()}, file)
    except OSError:
        note = None  # another command's note, or a folder we cannot write: only a courtesy, never a failure
    try:
        yield
    finally:
        if note is not None:
            note.unlink(missing_ok=True)


def _holder(note: Path) -> dict | None:
    """What the note says holds the book, if the process that wrote it is still running."""
    try:
        held = json.loads(note.read_text(encoding="utf-8"))
        os.kill(int(held["pid"]), 0)
        return held
    except (OSError, ValueError, KeyError, TypeError):
        return None


def busy_error(path: Path) -> UserError:
    """The error for a write that waited for the book in vain: what holds it since when, and how long it waited."""
    waited = f"waited {BUSY_TIMEOUT_SECONDS} s"
    held = _holder(_busy_note(path))
    try:
        since = datetime.fromisoformat(held["since"]).astimezone()
        holder = f"an {held['command']} (process {held['pid']}) holds the book since {since:%H:%M:%S}"
    except (ValueError, KeyError, TypeError):
        holder = "another custview command holds the book"
    return UserError(f"{path}: {holder}; {waited}. Nothing was changed: try again when it has finished.")


def database_errors() -> tuple[type[Exception], ...]:
    """The exceptions a database that cannot be used raises: straight from sqlite3 or psycopg (the reader), or
    through SQLAlchemy (the writer), counted only once something has loaded it."""
    kinds: list[type[Exception]] = [sqlite3.DatabaseError]  # OperationalError is one
    if "sqlalchemy" in sys.modules:
        from sqlalchemy.exc import DatabaseError, OperationalError

        kinds += [DatabaseError, OperationalError]
    if "psycopg" in sys.modules:  # a team book's server (the reader's own connection)
        import psycopg

        kinds.append(psycopg.Error)
    return tuple(kinds)


def write_backup(path: Path, wanted: Path) -> Path:
    """Copy the database, while its write lock is held, to a new file readable by its owner only (the kept copy
    before an upgrade: `wanted`, or `wanted.2`… beside an earlier one)."""
    import shutil

    target = _free_name(wanted)
    wal = path.with_name(path.name + "-wal")
    descriptor = os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    if not wal.exists() or wal.stat().st_size == 0:
        with open(descriptor, "wb") as copy, open(path, "rb") as original:
            shutil.copyfileobj(original, copy)
            copy.flush()
            os.fsync(copy.fileno())
        return target
    os.close(descriptor)
    # A reader kept the log from being folded in: copy through SQLite, which reads log and file together.
    source, destination = connect(path, "inspect"), connect(target, "inspect")
    try:
        source.backup(destination)
    finally:
        destination.close()
        source.close()
    return target


def _free_name(wanted: Path) -> Path:
    """`wanted`, or `wanted.2`, `wanted.3`... if an earlier backup already has that name: never overwrite one."""
    candidate, number = wanted, 1
    while candidate.exists():
        number += 1
        candidate = wanted.with_name(f"{wanted.name}.{number}")
    return candidate
