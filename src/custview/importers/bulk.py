"""Loading signals by the million: `executemany` speed inside the import's own transaction."""

from __future__ import annotations

import json
from datetime import datetime

from sqlmodel import Session

from custview.dates import stored_time

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
        return (contact_id, kind, title, topics_json, stored_time(occurred_at), detail, source)

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
