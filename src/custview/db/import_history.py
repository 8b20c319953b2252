"""The import history: what every import wrote, before and after, so that it can be listed and undone."""

from __future__ import annotations

import json
from datetime import datetime

from custview.config import who_writes
from custview.dates import read_stored_time, stored_time
from custview.db.dialect import POSTGRESQL, SQLITE, dialect_of
from custview.errors import UserError, checked_id

IMPORT_TABLES = ("import_run", "import_change")
NOT_RECORDED = (*IMPORT_TABLES, "custview_schema")


class ImportRecorder:
    """Records every row an import writes, with its values before and after, so the import can be undone.

    The rows an import creates are noted as one range of ids per table: every id past the table's
    highest when the import began (it holds the write lock, so they are all its own). Temporary
    triggers on the import's own connection note each update and delete of the rows that were
    there before, with their values.
    """

    def __init__(self, connection, started_at: datetime, files: list[dict], mapping: str | None):
        self.connection = connection
        self.dialect = dialect_of(self.connection)
        run = self.connection.execute
        self.run_id = run(
            "INSERT INTO import_run (started_at, files, mapping, counts, made_by) VALUES (?, ?, ?, '{}', ?) RETURNING id",
            (stored_time(started_at), json.dumps(files), mapping, who_writes()),
        ).fetchone()[0]
        self.tables = _recorded_tables(self.connection)
        self.first_new_ids = {table: first_free_id(self.connection, table) for table in self.tables}
        if self.dialect is POSTGRESQL:
            self._switch_server_triggers(self.run_id)
            return
        for table, columns in self.tables.items():
            self._create_triggers(table, columns)

    def _switch_server_triggers(self, run_id: int | None) -> None:
        """On a server the triggers are always there (see server_schema); they note changes while the
        transaction says which run it is and where each table's new rows begin."""
        settings = [("custview.import_run", "" if run_id is None else str(run_id))]
        settings += [(f"custview.first_new_{table}", str(first)) for table, first in self.first_new_ids.items()]
        for name, value in settings:
            self.connection.execute("SELECT set_config(?, ?, true)", (name, value))

    def _create_triggers(self, table: str, columns: list[str]) -> None:
        old_values = SQLITE.row_json(columns, "OLD")
        note = f"INSERT INTO import_change (run_id, table_name, row_id, action, before) VALUES ({self.run_id}, '{table}'"
        for change in ("update", "delete"):
            self.connection.execute(
                f'CREATE TEMP TRIGGER "custview_import_{table}_{change}" AFTER {change.upper()} ON main."{table}" '
                f"WHEN OLD.id < {self.first_new_ids[table]} "
                f"BEGIN {note}, OLD.id, '{change}d', {old_values}); END"
            )

    def finish(self, counts: dict) -> None:
        """Stop recording; note the ranges of new rows and every changed row's values as the import left them."""
        run = self.connection.execute
        if self.dialect is POSTGRESQL:
            self._switch_server_triggers(None)
        else:
            self._drop_triggers()
        for table, first in self.first_new_ids.items():
            last = run(f"SELECT max(id) FROM {self.dialect.qualified(table)}").fetchone()[0]
            if last is not None and last >= first:
                run("INSERT INTO import_change (run_id, table_name, row_id, last_row_id, action) "
                    "VALUES (?, ?, ?, ?, 'created')", (self.run_id, table, first, last))
        for table, columns in self.tables.items():
            run(f'UPDATE import_change SET after = (SELECT {self.dialect.row_json(columns, "t")} '
                f"FROM {self.dialect.qualified(table)} AS t "
                f"WHERE t.id = import_change.row_id) WHERE run_id = ? AND table_name = ? AND last_row_id IS NULL",
                (self.run_id, table))
        run("UPDATE import_run SET counts = ? WHERE id = ?", (json.dumps(counts), self.run_id))

    def _drop_triggers(self) -> None:
        for (name,) in self.connection.execute(
                "SELECT name FROM sqlite_temp_master WHERE type = 'trigger' AND name LIKE 'custview_import_%'").fetchall():
            self.connection.execute(f'DROP TRIGGER temp."{name}"')



def first_free_id(connection, table: str) -> int:
    """The id a new row of `table` gets: past every row there is and every id an import ever created."""
    there = connection.execute(f"SELECT coalesce(max(id), 0) FROM {dialect_of(connection).qualified(table)}").fetchone()[0]
    created = connection.execute("SELECT coalesce(max(last_row_id), 0) FROM import_change WHERE table_name = ?",
                                 (table,)).fetchone()[0]
    return max(there, created) + 1


def _recorded_tables(connection) -> dict[str, list[str]]:
    dialect = dialect_of(connection)
    return {name: dialect.column_names(connection, name)
            for name in dialect.table_names(connection) if name not in NOT_RECORDED}


def undo_import(connection, run_id: int, now: datetime) -> dict[str, dict[str, int]]:
    """Remove what an import created and restore what it updated or deleted; counts per table and action.

    UserError naming the records if anything changed them since, or if later records depend on
    what it created. Runs inside the caller's transaction (a sqlite3 connection).
    """
    run = connection.execute
    found = run("SELECT undone_at FROM import_run WHERE id = ?", (checked_id(run_id, "import"),)).fetchone()
    if found is None:
        raise UserError(f"no import {run_id} (see 'custview imports')")
    if found[0]:
        raise UserError(f"import {run_id} was already undone on {read_stored_time(found[0]):%d %b %Y %H:%M} UTC")
    tables = _recorded_tables(connection)
    _refuse_if_changed_since(connection, run_id, tables)
    dialect = dialect_of(connection)
    if dialect is SQLITE:
        run("PRAGMA defer_foreign_keys = ON")
    # On a server every reference is checked at once: parents are restored first, children removed first.
    rank = {table: i for i, table in enumerate(_parents_first(dialect.foreign_keys(connection), tables))}
    done: dict[str, dict[str, int]] = {}
    changes = run("SELECT table_name, row_id, last_row_id, action, before FROM import_change WHERE run_id = ? "
                  "ORDER BY id", (run_id,)).fetchall()
    first_seen: dict[tuple[str, int], tuple] = {}
    for table, row_id, last_row_id, action, before in changes:
        if last_row_id is None:
            first_seen.setdefault((table, row_id), (action, before))
    removals = [(table, row_id, last_row_id) for table, row_id, last_row_id, _, _ in changes if last_row_id is not None]
    for (table, row_id), (action, before) in sorted(first_seen.items(), key=lambda item: rank[item[0][0]]):
        if action == "created":
            removals.append((table, row_id, row_id))
        else:
            _restore(connection, table, json.loads(before), tables[table])
            _add(done, table, "restored", 1)
    if dialect is POSTGRESQL:
        _refuse_if_left_dangling(connection, run_id)
    for table, first, last in sorted(removals, key=lambda removal: -rank[removal[0]]):
        removed = run(f'DELETE FROM "{table}" WHERE id BETWEEN ? AND ?', (first, last)).rowcount
        _add(done, table, "removed", removed)
    if dialect is SQLITE:
        _refuse_if_left_dangling(connection, run_id)
    # Reported as recorded: the ranges of created rows, then the single rows.
    reported = list(dict.fromkeys([table for table, _, last, _, _ in changes if last is not None]
                                  + [table for table, _ in first_seen]))
    done = {table: done[table] for table in sorted(done, key=reported.index)}
    # What the run wrote, with every value, is not needed once it is undone: keep only the summary.
    run("DELETE FROM import_change WHERE run_id = ?", (run_id,))
    run("UPDATE import_run SET undone_at = ?, undone_by = ? WHERE id = ?", (stored_time(now), who_writes(), run_id))
    return done


def _add(done: dict, table: str, outcome: str, count: int) -> None:
    if count:
        done.setdefault(table, {}).setdefault(outcome, 0)
        done[table][outcome] += count


def _restore(connection, table: str, values: dict, columns: list[str]) -> None:
    # A server's row_to_json gives lists and dicts as JSON, not as the text they are written as.
    connection.execute(dialect_of(connection).upsert_by_id(table, columns),
                       [json.dumps(value) if isinstance(value, (list, dict)) else value
                        for value in (values.get(column) for column in columns)])


def _parents_first(foreign_keys: list[tuple[str, str, str]], tables) -> list[str]:
    """The tables in an order where every table comes after those it refers to."""
    parents = {table: {parent for child, _, parent in foreign_keys if child == table and parent != table}
               for table in tables}
    ordered: list[str] = []
    while len(ordered) < len(parents):
        ready = sorted(table for table, needs in parents.items() if table not in ordered and needs <= set(ordered))
        ordered += ready or sorted(set(parents) - set(ordered))  # a cycle: any order will do
    return ordered


def _refuse_if_changed_since(connection, run_id: int, tables: dict[str, list[str]]) -> None:
    dialect = dialect_of(connection)
    problems = []
    for table, columns in tables.items():
        rows = connection.execute(
            f"SELECT DISTINCT c.row_id FROM import_change AS c LEFT JOIN {dialect.qualified(table)} AS t "
            f"ON t.id = c.row_id WHERE c.run_id = ? AND c.table_name = ? AND c.last_row_id IS NULL AND c.after "
            f"{dialect.is_not} (CASE WHEN t.id IS NULL THEN NULL ELSE {dialect.row_json(columns, 't')} END)",
            (run_id, table)).fetchall()
        problems.extend(f"{table} {row_id} ({_describe(connection, table, row_id)}) changed since import {run_id}"
                        for (row_id,) in rows)
    problems.extend(_later_changes_to_created(connection, run_id))
    if problems:
        raise UserError(*problems, f"import {run_id} was not undone: undo the later changes first, or edit by hand")


def _later_changes_to_created(connection, run_id: int) -> list[str]:
    """Rows in this run's ranges of new ids that a later import (not undone) changed or made anew."""
    found = connection.execute(
        "SELECT DISTINCT mine.table_name, later.run_id FROM import_change AS mine JOIN import_change AS later "
        "ON later.table_name = mine.table_name AND later.run_id > mine.run_id "
        "AND later.row_id <= mine.last_row_id AND coalesce(later.last_row_id, later.row_id) >= mine.row_id "
        "JOIN import_run AS run ON run.id = later.run_id AND run.undone_at IS NULL "
        "WHERE mine.run_id = ? AND mine.last_row_id IS NOT NULL ORDER BY mine.table_name", (run_id,)).fetchall()
    return [f"{table} rows import {run_id} created were changed or replaced by import {later}"
            for table, later in found]


def _refuse_if_left_dangling(connection, run_id: int) -> None:
    """Refuse if records made after the import point at rows it created (and undo would remove)."""
    created = _created_ranges(connection, run_id)
    problems = [f"{table} {row_id} ({_describe(connection, table, row_id)}) refers to "
                f"{parent} {parent_id}, which import {run_id} created"
                for table, row_id, parent, parent_id in _dangling(connection, created)]
    problems.extend(_merged_since(connection, run_id, created))
    if problems:
        raise UserError(*problems, f"import {run_id} was not undone: later records depend on what it created")


def _dangling(connection, created: dict[str, list[tuple[int, int]]]) -> list[tuple[str, int, str, int]]:
    """(table, id, parent table, parent id) of rows that refer to a row in the created ranges and are not in them.

    SQLite checks after the removal (its references are checked at commit); a server, before it.
    """
    if dialect_of(connection) is SQLITE:
        found = []
        for table, row_id, parent, key_number in connection.execute("PRAGMA foreign_key_check").fetchall():
            column = next(key[3] for key in connection.execute(f'PRAGMA foreign_key_list("{table}")')
                          if key[0] == key_number)
            (parent_id,) = connection.execute(f'SELECT "{column}" FROM "{table}" WHERE rowid = ?', (row_id,)).fetchone()
            if any(first <= parent_id <= last for first, last in created.get(parent, ())):
                found.append((table, row_id, parent, parent_id))
        return found
    found = []
    for table, column, parent in POSTGRESQL.foreign_keys(connection):
        for first, last in created.get(parent, ()):
            for row_id, parent_id in connection.execute(
                    f'SELECT id, "{column}" FROM "{table}" WHERE "{column}" BETWEEN ? AND ? ORDER BY id', (first, last)):
                if not any(mine <= row_id <= mine_last for mine, mine_last in created.get(table, ())):
                    found.append((table, row_id, parent, parent_id))
    return found


def _created_ranges(connection, run_id: int) -> dict[str, list[tuple[int, int]]]:
    """The ids an import created, per table, as (first, last) ranges."""
    created: dict[str, list[tuple[int, int]]] = {}
    for table, first, last in connection.execute(
            "SELECT table_name, row_id, coalesce(last_row_id, row_id) FROM import_change "
            "WHERE run_id = ? AND action = 'created'", (run_id,)):
        created.setdefault(table, []).append((first, last))
    return created


def _merged_since(connection, run_id: int, created: dict[str, list[tuple[int, int]]]) -> list[str]:
    """Duplicates merged, after the import, into records it created (`created`): undoing would lose both."""
    def made_by_the_import(table: str, row_id: int) -> bool:
        return any(first <= row_id <= last for first, last in created.get(table, ()))

    rows = connection.execute("SELECT id, kind, kept_id, merged_name FROM merge_record ORDER BY id").fetchall()
    return [f"{kind} {kept_id} ({_describe(connection, kind, kept_id)}) took in the duplicate {merged!r} "
            f"by a merge after import {run_id}" for merge_id, kind, kept_id, merged in rows
            if made_by_the_import(kind, kept_id) and not made_by_the_import("merge_record", merge_id)]


def _describe(connection, table: str, row_id: int) -> str:
    """A few words that let a user recognise a row: its name, subject or title when it has one."""
    columns = set(dialect_of(connection).column_names(connection, table))
    for column in ("name", "subject", "title", "purpose", "step", "stage", "text"):
        if column in columns:
            found = connection.execute(f'SELECT "{column}" FROM "{table}" WHERE id = ?', (row_id,)).fetchone()
            if found and found[0]:
                return str(found[0])[:40]
    return "now gone"
