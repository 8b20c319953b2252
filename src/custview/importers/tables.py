"""Rows written by an import in batches: `executemany` speed, bounded memory, inside the import's transaction.

The import gives each new row its id itself (the next free one: it holds the write lock), so a row
can be referred to before it reaches the database; rows wait in a batch, which is written with one
`executemany` per table once BATCH rows are waiting (parents before children). Values are kept in
their stored form (times as `stored_time` text, lists as JSON), so comparing a row with what a file
says is comparing what the database would hold. SQLModel still defines the tables.

Into a table that is empty when the import starts, rows go in with the table's indexes dropped,
and the indexes are built once at the end: far cheaper than keeping them up to date row by row.
Contacts and companies are found through the import's own index (`custview.importers.resolve`);
a table searched by SQL gets its indexes back before the first search (`find`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from functools import lru_cache

from custview.dates import stored_time
from custview.db.dialect import SQLITE, dialect_of
from custview.db.import_history import first_free_id
from custview.errors import UserError

# Parents before children: a batch is written in this order, so every reference it holds is valid.
TABLE_ORDER = ("member", "company", "contact", "contact_alias", "company_alias", "merge_record", "stage_change",
               "appointment", "attendee", "next_step", "ticket", "service", "success_criterion", "note",
               "handover")
INDEXES_REBUILT = ("company", "contact", "stage_change", "ticket")
# Searches that a unique constraint's own index serves while the other indexes are dropped for a load.
SERVED_WHILE_LOADING = {"ticket": {"ref"}}
# The column sets rows are found by (besides contacts and companies, which the import's index finds).
KEYS = {
    "stage_change": (("contact_id", "stage", "changed_at"),),
    "appointment": (("contact_id", "scheduled_at", "purpose"), ("uid",)),
    "ticket": (("ref",), ("contact_id", "company_id", "subject", "opened_at")),
    "service": (("company_id", "name"),),
    "success_criterion": (("company_id", "metric"),),
    "note": (("contact_id", "company_id", "written_at", "text"),),
    "handover": (("contact_id", "company_id", "to_member_id", "handed_at"),),
    "company_alias": (("company_id", "name"),),
    "merge_record": (("kind", "kept_id", "merged_name", "merged_at"),),
}
# The natural keys a unique index keeps one of: a new row is written with INSERT ... ON CONFLICT DO NOTHING.
NATURAL_KEYS = {"contact": "email", "contact_alias": "email", "ticket": "ref", "appointment": "uid"}
BATCH = 5_000
PREFETCH_CHUNK = 500  # values per look-up query (SQLite before 3.32 takes at most 999 parameters)
# What a new row holds in a NOT NULL column the record says nothing about (as SQLModel would store it).
DEFAULTS = {"topics": "[]", "decisions": "[]", "name_derived": 0, "done": 0, "contract_arr": 0}


def stored(value):
    """A value as the database stores it (see the module docstring)."""
    if value is None or value.__class__ is str:
        return value
    if isinstance(value, datetime):
        return stored_time(value)
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, list) and all(item.__class__ is str for item in value):
        return _list_json(tuple(value))
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return value


@lru_cache(maxsize=1 << 12)  # a file's rows share a handful of topic lists
def _list_json(items: tuple) -> str:
    return json.dumps(list(items))


class TableRows:
    """One table's new and changed rows, waiting to be written; and its rows as stored, by id."""

    def __init__(self, connection, table: str):
        self.connection, self.table = connection, table
        self.dialect = dialect_of(connection)
        self.columns = self.dialect.column_names(connection, table)
        self.next_id = first_free_id(connection, table)
        self.first_new_id = self.next_id
        self.inserts: dict[int, dict] = {}
        self.updates: dict[int, dict] = {}
        self.keys: dict[tuple, int] = {}  # the waiting new rows by each of their KEYS
        self.looked_up: dict[tuple, int | None] = {}  # keys `prefetch` asked the table about, until the next flush
        self.loaded: dict[int, dict] = {}  # rows `preload` read, until the next flush
        self.plain: list[tuple] = []  # new rows a fast lane made, as tuples of `plain_columns` (id first)
        self.plain_columns: tuple[str, ...] = ()
        self._keyed = False
        self.key_sets = tuple(tuple(sorted(columns)) for columns in KEYS.get(table, ()))  # as `find` orders them
        self.template = {column: DEFAULTS.get(column) for column in self.columns}
        self.rebuild: list[str] = []
        empty = connection.execute(f'SELECT NOT EXISTS (SELECT 1 FROM "{table}")').fetchone()[0]
        if table in INDEXES_REBUILT and empty and self.dialect is SQLITE:
            self.rebuild = self._drop_indexes()
        self._select = f'SELECT {", ".join(self.columns)} FROM "{table}" WHERE id = ?'

    def get(self, row_id: int) -> dict | None:
        """The row with this id as it stands in this import (waiting changes included), or None."""
        row = self.inserts.get(row_id) or self.updates.get(row_id) or self.loaded.get(row_id)
        if row is None and self.plain:
            self._adopt_plain()
            row = self.inserts.get(row_id)
        if row is None:
            found = self.connection.execute(self._select, (row_id,)).fetchone()
            row = dict(zip(self.columns, found)) if found else None
        return row

    def insert(self, values: dict) -> int:
        """Add a new row (values in any form, see `stored`); its id."""
        row_id = self.next_id
        self.next_id += 1
        row = self.template.copy()
        for key, value in values.items():
            row[key] = value if value is None or value.__class__ is str else stored(value)
        row["id"] = row_id
        self.inserts[row_id] = row
        if self._keyed:
            self._register(row)
        return row_id

    def insert_stored(self, values: dict) -> int:
        """Add a new row whose values are already in their stored form (see `stored`); its id."""
        row_id = self.next_id
        self.next_id += 1
        row = self.template | values
        row["id"] = row_id
        self.inserts[row_id] = row
        if self._keyed:
            self._register(row)
        return row_id

    def take_id(self) -> int:
        """The id for a new row a lane is about to add with `plain_adder`."""
        row_id = self.next_id
        self.next_id += 1
        return row_id

    def plain_adder(self, columns: tuple[str, ...]) -> Callable[[tuple], None]:
        """What adds a new row as a tuple of `columns`' values in stored form, the id (from `take_id`) first: the
        fast lanes' way, with no dict per row. Written with the others; `get` and `find` see it too."""
        if self.plain and columns != self.plain_columns:
            self._adopt_plain()
        self.plain_columns = columns
        return self.plain.append  # the list is emptied in place when written, never replaced

    def _adopt_plain(self) -> None:
        """Turn the lanes' tuples into ordinary waiting rows, for the code that reads and changes rows."""
        for values in self.plain:
            row = self.template | dict(zip(self.plain_columns, values))
            self.inserts[row["id"]] = row
            if self._keyed:
                self._register(row)
        self.plain.clear()

    def preload(self, row_ids: list[int]) -> None:
        """Read these rows with a few queries, so that `get` finds them in memory until the next flush."""
        wanted = list({row_id for row_id in row_ids if row_id not in self.inserts and row_id not in self.updates
                       and row_id not in self.loaded})
        for start in range(0, len(wanted), PREFETCH_CHUNK):
            chunk = wanted[start:start + PREFETCH_CHUNK]
            marks = ", ".join("?" for _ in chunk)
            for found in self.connection.execute(
                    f'SELECT {", ".join(self.columns)} FROM "{self.table}" WHERE id IN ({marks})', chunk):
                row = dict(zip(self.columns, found))
                self.loaded[row["id"]] = row

    def _register(self, row: dict) -> None:
        for columns in self.key_sets:
            self.keys.setdefault(tuple([(column, row[column]) for column in columns]), row["id"])

    def find(self, **key) -> int | None:
        """The id of the first row with these values (`KEYS` lists the sets an index serves), or None."""
        if self.rebuild and not key.keys() <= SERVED_WHILE_LOADING.get(self.table, set()):
            self._build_indexes()  # searching needs them: build them now
        if self.plain:
            self._adopt_plain()
        if not self._keyed:  # waiting rows are keyed from the first search on
            for row in self.inserts.values():
                self._register(row)
            self._keyed = True
        stored_key = tuple(sorted([(column, stored(value)) for column, value in key.items()]))
        found = self.keys.get(stored_key)
        if found is None and stored_key in self.looked_up:
            return self.looked_up[stored_key]
        if found is None:
            condition = " AND ".join(f'"{column}" IS NULL' if value is None else f'"{column}" = ?'
                                     for column, value in stored_key)
            row = self.connection.execute(f'SELECT id FROM "{self.table}" WHERE {condition} ORDER BY id LIMIT 1',
                                          [value for _, value in stored_key if value is not None]).fetchone()
            found = row[0] if row else None
        return found

    def prefetch(self, column: str, values: list[str]) -> None:
        """Ask the table once which of these values of `column` (a key of its own, see `KEYS`) it holds,
        so that `find` by that column answers from memory until the next flush: a batch of records
        is resolved with a few queries, not one each."""
        if self.rebuild and column not in SERVED_WHILE_LOADING.get(self.table, ()):
            self._build_indexes()
        wanted = list(dict.fromkeys(value for value in values
                                    if value is not None and ((column, value),) not in self.keys))
        for start in range(0, len(wanted), PREFETCH_CHUNK):
            chunk = wanted[start:start + PREFETCH_CHUNK]
            self.looked_up.update((((column, value),), None) for value in chunk)
            marks = ", ".join("?" for _ in chunk)
            for row_id, value in self.connection.execute(
                    f'SELECT min(id), "{column}" FROM "{self.table}" WHERE "{column}" IN ({marks}) GROUP BY "{column}"',
                    chunk):
                self.looked_up[((column, value),)] = row_id

    def update(self, row_id: int, values: dict, fill_only: bool = False) -> bool:
        """Change a row's values; whether anything changed. With `fill_only`, only its empty fields."""
        row = self.get(row_id)
        changed = False
        for key, value in values.items():
            value = stored(value)
            if row[key] != value and (not fill_only or (value not in (None, "") and row[key] in (None, ""))):
                row[key] = value
                changed = True
        if changed and row_id not in self.inserts:
            self.updates[row_id] = row
        return changed

    def is_new(self, row_id: int) -> bool:
        """Whether this import created the row."""
        return row_id >= self.first_new_id

    def waiting(self) -> int:
        """How many rows wait to be written."""
        return len(self.inserts) + len(self.updates) + len(self.plain)

    def flush(self) -> None:
        """Write the waiting rows: new ones with one `executemany` (another for the lanes' tuples), changed ones
        with another."""
        if self.plain:
            key = None if self.rebuild else NATURAL_KEYS.get(self.table)
            written = self.connection.executemany(self.dialect.insert_new(self.table, self.plain_columns, key),
                                                  self.plain)
            if written.rowcount != len(self.plain):
                self._adopt_plain()
                self._refuse_taken_keys(key)
            self.dialect.move_ids_past(self.connection, self.table, max(row[0] for row in self.plain))
            self.plain.clear()
        if self.inserts:
            key = None if self.rebuild else NATURAL_KEYS.get(self.table)  # its unique index is dropped for the load
            written = self.connection.executemany(self.dialect.insert_new(self.table, self.columns, key),
                                                  [tuple(row.values()) for row in self.inserts.values()])
            if written.rowcount != len(self.inserts):
                self._refuse_taken_keys(key)
            self.dialect.move_ids_past(self.connection, self.table, max(self.inserts))
            self.inserts.clear()
            self.keys.clear()
            self.looked_up.clear()
            self._keyed = False
        if self.updates:
            settings = ", ".join(f'"{column}" = ?' for column in self.columns if column != "id")
            self.connection.executemany(f'UPDATE "{self.table}" SET {settings} WHERE id = ?',
                                        [(*(row[c] for c in self.columns if c != "id"), row["id"])
                                         for row in self.updates.values()])
            self.updates.clear()
        self.loaded.clear()

    def _refuse_taken_keys(self, key: str) -> None:
        """Another writer (one that did not wait for the import) added a row with a key this import was adding."""
        ours = [row[key] for row in self.inserts.values() if row[key] is not None]
        taken = "(one of this import's)"
        for start in range(0, len(ours), PREFETCH_CHUNK):
            chunk = ours[start:start + PREFETCH_CHUNK]
            found = self.connection.execute(f'SELECT id, "{key}" FROM "{self.table}" WHERE "{key}" IN '
                                            f'({", ".join("?" for _ in chunk)})', chunk).fetchall()
            taken = next((repr(value) for row_id, value in found if row_id not in self.inserts), taken)
        raise UserError(f"another writer added a {self.table.replace('_', ' ')} with the {key} {taken} while this "
                        "import ran; nothing was imported: run the import again.")

    def finish(self) -> None:
        """Write what waits and build the indexes dropped at the start."""
        self.flush()
        self._build_indexes()

    def _build_indexes(self) -> None:
        for sql in self.rebuild:
            self.connection.execute(sql)
        self.rebuild = []

    def _drop_indexes(self) -> list[str]:
        indexes = self.connection.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
            (self.table,)).fetchall()
        for name, _ in indexes:
            self.connection.execute(f'DROP INDEX "{name}"')
        return [sql for _, sql in indexes]


class Tables:
    """Every table an import writes, flushed together in `TABLE_ORDER` once a batch is full."""

    def __init__(self, connection):
        self.connection = connection
        self._tables: dict[str, TableRows] = {}
        self._records = 0

    def __getitem__(self, table: str) -> TableRows:
        if table not in self._tables:
            self._tables[table] = TableRows(self.connection, table)
        return self._tables[table]

    def row_written(self) -> None:
        """Call after each record: writes the batch when it is full."""
        self._records += 1
        if self._records % 500 == 0 and sum(rows.waiting() for rows in self._tables.values()) >= BATCH:
            self.flush()

    def rows_written(self, count: int) -> None:
        """Call after a batch of records written without `row_written`: writes the batch when it is full."""
        self._records += count
        if sum(rows.waiting() for rows in self._tables.values()) >= BATCH:
            self.flush()

    def flush(self) -> None:
        """Write every waiting row, parents first."""
        for table in TABLE_ORDER:
            if table in self._tables:
                self._tables[table].flush()

    def children(self, table: str, parent_column: str, parent_id: int) -> list[dict]:
        """The rows of `table` that belong to one parent, oldest first (waiting rows are written first)."""
        rows = self[table]
        if rows.waiting():
            self.flush()
        found = self.connection.execute(f'SELECT {", ".join(rows.columns)} FROM "{table}" WHERE "{parent_column}" = ? '
                                        "ORDER BY id", (parent_id,)).fetchall()
        return [dict(zip(rows.columns, row)) for row in found]

    def delete_children(self, table: str, parent_column: str, parent_id: int) -> None:
        """Delete the rows of `table` that belong to one parent (after `children`, which wrote the waiting ones)."""
        self.connection.execute(f'DELETE FROM "{table}" WHERE "{parent_column}" = ?', (parent_id,))

    def finish(self, rebuild_indexes: bool = True) -> None:
        """Write every waiting row and rebuild the indexes dropped for the load (unless told not to)."""
        self.flush()
        for table in TABLE_ORDER:
            if table in self._tables and rebuild_indexes:
                self._tables[table].finish()
