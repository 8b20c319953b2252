"""What differs between the two engines a book lives on, SQLite (a file) and PostgreSQL (a team server), in one place.

Every SQL statement custview writes by hand (the reader, the import's batches, the import history)
is written once, for DB-API with "?" parameters; `Dialect` holds what the engines spell differently:

- parameters: sqlite3 takes "?", psycopg "%s" (`ServerConnection` translates, once per statement);
- case-insensitive text: SQLite's NOCASE collation on names and emails; PostgreSQL's `citext` type,
  which compares, orders, indexes and LIKEs without case by itself (so `nocase` is empty there);
- the catalogue: `table_names` and `column_names` instead of sqlite_master and PRAGMA table_info;
- upserts: `INSERT OR REPLACE` against `INSERT ... ON CONFLICT (id) DO UPDATE`;
- identity: SQLite takes the ids an import gives; PostgreSQL's sequences must then be moved past them.

Stored values read the same on both: times as `stored_time` text (a loader gives PostgreSQL's
timestamptz, read in UTC, in that form), flags as 0/1 (SMALLINT there, see models.Flag), lists as JSON text.
Standard library only at import time: the reader uses this without loading SQLAlchemy.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Dialect:
    """How one engine spells what the hand-written SQL needs."""

    name: str
    nocase: str  # appended to a comparison of names or emails so that it ignores case
    in_storage_order: str  # after a table name: read the whole table in storage order, not through an index
    is_not: str  # "a <is_not> b": true when they differ, NULL counting as a value
    staged_signals: str  # the temporary table an import stages signals in (custview.importers.bulk)

    def as_text(self, column: str) -> str:
        """A column as text, for LIKE: a JSON column (topics) is text on SQLite already."""
        return column if self.name == "sqlite" else f"{column}::text"

    def moment(self, column: str) -> str:
        """A stored moment compared outside an index search: on SQLite without its column's numeric affinity
        (`+column`), which would otherwise try the other side as a number at every row (moments are text)."""
        return f"+{column}" if self.name == "sqlite" else column

    def beyond_ascii(self, expression: str) -> str:
        """A condition: the text holds a character outside printable ASCII (where lower() may differ from Python's)."""
        return f"{expression} GLOB '*[^ -~]*'" if self.name == "sqlite" else f"{expression} ~ '[^ -~]'"

    def one_of(self, column: str) -> str:
        """A condition: `column` is one of the values given as ONE parameter (`as_values`), however many."""
        return f"{column} IN (SELECT value FROM json_each(?))" if self.name == "sqlite" else f"{column} = ANY(?)"

    def as_values(self, values: list[int]):
        """Numbers as the one parameter `one_of` takes."""
        return json.dumps(values) if self.name == "sqlite" else list(values)

    def upsert_by_id(self, table: str, columns: list[str]) -> str:
        """A statement writing one whole row (parameters: every column, in order), replacing the row with its id."""
        names = ", ".join(f'"{column}"' for column in columns)
        marks = ", ".join("?" for _ in columns)
        if self.name == "sqlite":
            return f'INSERT OR REPLACE INTO "{table}" ({names}) VALUES ({marks})'
        updates = ", ".join(f'"{column}" = EXCLUDED."{column}"' for column in columns if column != "id")
        return f'INSERT INTO "{table}" ({names}) VALUES ({marks}) ON CONFLICT (id) DO UPDATE SET {updates}'

    def insert_new(self, table: str, columns: list[str], unique_key: str | None = None) -> str:
        """A statement adding one whole row (parameters: every column, in order). With `unique_key`, a column
        a unique index keeps one of, a row whose key another writer took meanwhile is left out
        (ON CONFLICT DO NOTHING: the same on both engines, SQLite >= 3.24) and the rowcount tells."""
        names = ", ".join(f'"{column}"' for column in columns)
        sql = f'INSERT INTO "{table}" ({names}) VALUES ({", ".join("?" for _ in columns)})'
        return f'{sql} ON CONFLICT ("{unique_key}") DO NOTHING' if unique_key else sql

    def qualified(self, table: str) -> str:
        """The book's own table, never a temporary one of the same name."""
        return f'main."{table}"' if self.name == "sqlite" else f'"{table}"'

    def row_json(self, columns: list[str], alias: str) -> str:
        """An expression: the row `alias` as JSON text (how the import history keeps a row's values)."""
        if self.name == "sqlite":
            return "json_object(" + ", ".join(f"'{column}', {alias}.\"{column}\"" for column in columns) + ")"
        return f"row_to_json({alias})::text"

    def table_names(self, connection) -> list[str]:
        """The tables of the book (custview's and any other), not the engine's own."""
        if self.name == "sqlite":
            sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
        else:
            sql = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
        return [row[0] for row in connection.execute(sql).fetchall()]  # SQLite: in the order they were made

    def column_names(self, connection, table: str) -> list[str]:
        """The columns of a table, in their order."""
        if self.name == "sqlite":
            return [row[1] for row in connection.execute(f'PRAGMA table_info("{table}")').fetchall()]
        return [row[0] for row in connection.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND table_name = ? ORDER BY ordinal_position", (table,)).fetchall()]

    def foreign_keys(self, connection) -> list[tuple[str, str, str]]:
        """Every reference between the book's tables: (table, column, the table it refers to)."""
        if self.name == "sqlite":
            return [(table, key[3], key[2]) for table in self.table_names(connection)
                    for key in connection.execute(f'PRAGMA foreign_key_list("{table}")').fetchall()]
        return [tuple(row) for row in connection.execute(
            "SELECT child.relname, attribute.attname, parent.relname FROM pg_constraint AS c "
            "JOIN pg_class AS child ON child.oid = c.conrelid JOIN pg_class AS parent ON parent.oid = c.confrelid "
            "JOIN pg_attribute AS attribute ON attribute.attrelid = c.conrelid AND attribute.attnum = c.conkey[1] "
            "WHERE c.contype = 'f' AND child.relnamespace = current_schema()::regnamespace").fetchall()]

    def last_id_given(self, connection, table: str) -> int:
        """The highest id the engine has given in `table`, even to a row deleted since (0: none yet)."""
        if self.name == "sqlite":
            found = connection.execute("SELECT seq FROM sqlite_sequence WHERE name = ?", (table,)).fetchone()
        else:
            found = connection.execute(f"SELECT pg_sequence_last_value(pg_get_serial_sequence('\"{table}\"', 'id'))"
                                       ).fetchone()
        return (found and found[0]) or 0

    def move_ids_past(self, connection, table: str, highest: int) -> None:
        """Make sure the next id the engine gives itself in `table` is past `highest` (ids are never given twice)."""
        if self.name == "sqlite" and highest:
            if not connection.execute("UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = ?",
                                      (highest, table)).rowcount:
                connection.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", (table, highest))
        if self.name == "postgresql" and highest:
            connection.execute(  # never moved back: ids are not given twice
                "SELECT setval(s::regclass, greatest(?, coalesce(pg_sequence_last_value(s::regclass), 0))) "
                f"FROM pg_get_serial_sequence('\"{table}\"', 'id') AS s", (highest,))


SQLITE = Dialect("sqlite", nocase=" COLLATE NOCASE", in_storage_order="NOT INDEXED", is_not="IS NOT",
                 staged_signals="CREATE TEMP TABLE IF NOT EXISTS signal_import (seq INTEGER PRIMARY KEY, "
                                "contact_id, kind, title, topics, occurred_at, detail, source, evidence)")
POSTGRESQL = Dialect("postgresql", nocase="", in_storage_order="", is_not="IS DISTINCT FROM",
                     staged_signals="CREATE TEMP TABLE IF NOT EXISTS signal_import (seq bigserial PRIMARY KEY, "
                                    "contact_id bigint, kind text, title text, topics json, occurred_at timestamp, "
                                    "detail text, source text, evidence integer)")


def dialect_of(connection) -> Dialect:
    """The dialect of a DB-API connection custview opened (sqlite3, or a ServerConnection)."""
    return POSTGRESQL if isinstance(connection, ServerConnection) else SQLITE


def driver_connection(session):
    """The DB-API connection under a SQLModel session, inside its transaction: sqlite3's, or a ServerConnection."""
    connection = session.connection().connection.driver_connection
    return connection if session.get_bind().dialect.name == "sqlite" else ServerConnection(connection)


def results_of(connection, statements: list[tuple[str, tuple]]) -> list[list[tuple]]:
    """The rows of each statement, in order: on a server sent together, one round trip for them all
    (psycopg's pipeline mode); on SQLite, one after another (a file has no round trips)."""
    if isinstance(connection, ServerConnection):
        return connection.results(statements)
    found = []
    for sql, parameters in statements:
        cursor = connection.execute(sql, parameters)
        found.append(cursor.fetchall() if cursor.description else [])
        cursor.close()
    return found


@lru_cache(maxsize=512)
def server_sql(sql: str, named: bool = False) -> str:
    """A statement written with "?" (or ":name") parameters, for psycopg ("%s" or "%(name)s"; a literal "%" doubled)."""
    sql = sql.replace("%", "%%")
    if named:
        return re.sub(r"(?<![:\w]):(\w+)", r"%(\1)s", sql)
    return sql.replace("?", "%s")


class ServerConnection:
    """A psycopg connection that speaks like sqlite3's: `execute(sql with ?, parameters)` returns a cursor.

    Its cursors read timestamps in custview's stored form and JSON as text, as sqlite3 gives them,
    so the reader's row builders and the import's comparisons work unchanged.
    """

    def __init__(self, connection, *, own: bool = False):
        """`own`: custview opened the connection for itself (not SQLAlchemy's, whose ORM reads datetimes):
        the loaders are set once on it instead of on each cursor."""
        if own:
            _read_as_stored(connection.adapters)
        self.raw, self.own = connection, own

    def cursor(self) -> _Cursor:
        """A cursor taking "?" parameters."""
        cursor = self.raw.cursor()
        if not self.own:
            _read_as_stored(cursor.adapters)
        return _Cursor(cursor)

    def execute(self, sql: str, parameters=()) -> _Cursor:
        """Run one statement; the cursor, to fetch from."""
        cursor = self.cursor()
        cursor.execute(sql, parameters)
        return cursor

    def executemany(self, sql: str, rows) -> _Cursor:
        """Run one statement for each row of parameters; the cursor (its rowcount: rows changed in all)."""
        cursor = self.cursor()
        cursor.executemany(sql, rows)
        return cursor

    def results(self, statements: list[tuple[str, tuple]]) -> list[list[tuple]]:
        """The rows of each statement, in order, all sent before the first answer is awaited (pipeline mode)."""
        if len(statements) == 1:
            cursors = [self.execute(*statements[0])]
        else:
            with self.raw.pipeline():
                cursors = [self.execute(sql, parameters) for sql, parameters in statements]
        return [cursor.fetchall() if cursor.description else [] for cursor in cursors]

    def close(self) -> None:
        """Close the server connection."""
        self.raw.close()


class _Cursor:
    def __init__(self, cursor):
        self.raw = cursor

    def execute(self, sql: str, parameters=()) -> _Cursor:
        if isinstance(parameters, dict):
            self.raw.execute(server_sql(sql, named=True), parameters)
        else:
            self.raw.execute(server_sql(sql), tuple(parameters) or None)
        return self

    def executemany(self, sql: str, rows) -> _Cursor:
        self.raw.executemany(server_sql(sql), rows)
        return self

    @property
    def description(self):
        return self.raw.description

    @property
    def rowcount(self) -> int:
        return self.raw.rowcount

    def fetchone(self):
        return self.raw.fetchone()

    def fetchmany(self, size: int) -> list:
        return self.raw.fetchmany(size)

    def fetchall(self) -> list:
        return self.raw.fetchall()

    def close(self) -> None:
        self.raw.close()

    def __iter__(self):
        return iter(self.raw)


def _read_as_stored(adapters) -> None:
    """Timestamps read in custview's stored form and JSON as text, as sqlite3 gives them."""
    from psycopg.types.string import TextLoader

    for name in ("timestamp", "timestamptz"):
        adapters.register_loader(name, _loader_class())
    adapters.register_loader("json", TextLoader)


def _stored_time_loader():
    from psycopg.adapt import Loader

    class StoredTimeLoader(Loader):
        """PostgreSQL's text for a moment ("2026-06-15 09:00:00.5+00": connections are in UTC) as stored_time
        writes it (UTC without zone, 6 decimals)."""

        def load(self, data) -> str:
            text = bytes(data).decode().removesuffix("+00")
            whole, _, fraction = text.partition(".")
            return f"{whole}.{fraction:0<6}"

    return StoredTimeLoader


@lru_cache(maxsize=1)
def _loader_class():
    return _stored_time_loader()
