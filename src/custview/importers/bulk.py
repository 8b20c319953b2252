"""Loading signals by the million: `executemany` speed inside the import's own transaction."""

from __future__ import annotations

import json
from datetime import datetime

from collections.abc import Callable, Iterable

from custview.dates import stored_time, within_calendar
from custview.db.batch import placeholders
from custview.db.dialect import SQLITE, dialect_of
from custview.db.signal_evidence import EvidenceCache
from custview.importers.fields import MAX_LONG_TEXT, MAX_TEXT, Fields, within_limits
from custview.importers.records import SourceRecord

SIGNAL_KEY = ("contact_id", "kind", "title", "occurred_at")


class SignalBulkLoader:
    """Loads many signals inside a writing session at `executemany` speed, without one ORM object per row.

    Into an empty `signal` table, rows go straight in with its indexes dropped, which are rebuilt
    once at the end (far cheaper than keeping them up to date row by row); repeats within the
    load are then removed, the last one winning. Otherwise rows are staged in a temporary table
    and merged with set-based statements: new keys (contact, kind, title, time) are inserted,
    known ones with changed topics/detail/source updated. SQLModel still defines the table.
    """

    COLUMNS = ("contact_id", "kind", "title", "topics", "occurred_at", "detail", "source", "evidence")
    BATCH = 20_000

    def __init__(self, connection):
        self.connection = connection
        self.pending: list[tuple] = []
        self.loaded = 0
        self._topics_json: dict[tuple, str] = {}
        self._evidence = EvidenceCache()
        run = self.connection.execute
        self.direct = run("SELECT NOT EXISTS (SELECT 1 FROM signal)").fetchone()[0]
        self.first_id = run("SELECT coalesce(max(id), 0) + 1 FROM signal").fetchone()[0]
        self.dialect = dialect_of(connection)
        if self.direct:
            self.indexes = self._drop_indexes() if self.dialect is SQLITE else []
            self.target = "signal"
        else:
            run(self.dialect.staged_signals)
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
        return (contact_id, kind, title, topics_json, stored_time(occurred_at), detail, source,
                self._evidence.of(kind, title, topics_json, topics, detail))

    def add(self, row: tuple) -> None:
        """Stage one signal row (see `row`)."""
        self.pending.append(row)
        if len(self.pending) >= self.BATCH:
            self.flush()

    def flush(self) -> None:
        """Write the rows staged so far (done every BATCH rows; callers adding in bulk may call it)."""
        self.connection.executemany(
            f"INSERT INTO {self.target} ({', '.join(self.COLUMNS)}) VALUES ({placeholders(self.COLUMNS)})", self.pending
        )
        self.loaded += len(self.pending)
        self.pending.clear()

    def merge(self) -> tuple[int, int, int]:
        """Finish the load; (created, updated, unchanged)."""
        self.flush()
        return self._finish_direct() if self.direct else self._merge_staged()

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
        changed = run(
            "UPDATE signal AS s SET topics = i.topics, detail = coalesce(i.detail, s.detail), "
            "source = coalesce(i.source, s.source) "
            f"FROM (SELECT * FROM signal_import WHERE seq IN ({latest})) AS i WHERE {key} "
            f"AND (CAST(s.topics AS TEXT) {self.dialect.is_not} CAST(i.topics AS TEXT) OR coalesce(i.detail, s.detail) {self.dialect.is_not} s.detail "
            f"OR coalesce(i.source, s.source) {self.dialect.is_not} s.source) "
            f"RETURNING {self._changed_values}"
        ).fetchall()
        self._evidence.set_again(self.connection, changed)
        updated = len(changed)
        columns = ", ".join(self.COLUMNS)
        created = run(
            f"INSERT INTO signal ({columns}) SELECT {columns} FROM signal_import AS i WHERE seq IN ({latest}) "
            f"AND NOT EXISTS (SELECT 1 FROM signal AS s WHERE {key}) ORDER BY seq"
        ).rowcount
        run("DELETE FROM signal_import")
        return created, updated, self.loaded - created - updated

    @property
    def _changed_values(self) -> str:
        """What an update returns of each row it changed (SQLite names the updated table's columns bare; PostgreSQL
        must say which table, the staged one having the same names)."""
        table = "" if self.dialect is SQLITE else "s."
        return ", ".join(f"{table}{column}" for column in ("id", "kind", "title", "topics", "detail", "evidence"))

    def _drop_indexes(self) -> list[str]:
        indexes = self.connection.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'signal' AND sql IS NOT NULL"
        ).fetchall()
        for name, _ in indexes:
            self.connection.execute(f'DROP INDEX "{name}"')
        return [sql for _, sql in indexes]


class SignalWriting:
    """The signals handler of `RecordWriter`: checked rows staged for the bulk loader, CSV cells straight in."""

    SIGNAL_FIELDS = ("contact", "kind", "title", "topics", "at", "detail", "source")

    def _signal(self, record: SourceRecord) -> str | None:
        """Signals are staged for the bulk loader (they come by the million); counted when it merges."""
        row = self._quick_signal(record) or self._checked_signal(record)
        if row is None:
            return None
        self._signal_loader().add(row)
        return "staged"

    def write_signal_rows(self, rows: Iterable[tuple[int, list[str]]], columns: dict[str, int],
                          read_date: Callable[[str], datetime],
                          to_record: Callable[[int, list[str]], SourceRecord]) -> None:
        """Signals straight from CSV cells (line, cells) whose columns map one to one onto fields.

        The fast lane for files of millions of rows: a plainly good row becomes a table row with no
        intermediate objects; any row in doubt goes through `write(to_record(line, cells))`, which
        gives the exact problem or handles the unusual case (a name instead of an email, a
        formula guard to undo).
        """
        if not {"contact", "kind", "title", "at"} <= set(columns):
            for line, cells in rows:
                self.write(to_record(line, cells))
            return
        contact_id_of, loader = self.index.contact_id, self._signal_loader()
        stage, topics_json, evidence = loader.pending.append, {}, loader._evidence.of
        c, k, t, a = (columns[name] for name in ("contact", "kind", "title", "at"))
        tp, d, src = (columns.get(name) for name in ("topics", "detail", "source"))
        width = max(columns.values()) + 1
        for line, cells in rows:
            try:
                if len(cells) < width:
                    raise ValueError
                contact_id = contact_id_of(cells[c].strip())
                kind, title, at = cells[k].strip().lower(), cells[t].strip(), read_date(cells[a])
                raw_topics = cells[tp] if tp is not None else ""
                detail = (cells[d].strip() or None) if d is not None else None
                source = (cells[src].strip() or None) if src is not None else None
                if (contact_id is None or not kind or not title or title[0] == "'" or kind[0] == "'"
                        or (detail and (detail[0] == "'" or not within_limits(detail, MAX_LONG_TEXT)))
                        or (source and (source[0] == "'" or not within_limits(source)))
                        or not within_limits(title) or not within_limits(kind) or not within_limits(raw_topics)
                        or raw_topics.lstrip().startswith("[")):
                    raise ValueError  # let the checked path say what is wrong, undo a formula guard, read JSON
            except (KeyError, ValueError):
                self.write(to_record(line, cells))
                continue
            topics = topics_json.get(raw_topics)
            if topics is None:
                listed = [i.strip() for i in raw_topics.split(";") if i.strip()]
                topics = topics_json[raw_topics] = (json.dumps(listed), listed)
            stage((contact_id, kind, title, topics[0], at.replace(tzinfo=None).isoformat(" ", "microseconds"),
                   detail, source, evidence(kind, title, *topics, detail)))
            if len(loader.pending) >= loader.BATCH:
                loader.flush()
                if len(topics_json) > 10_000:
                    topics_json.clear()

    def _signal_loader(self) -> SignalBulkLoader:
        if self._signals is None:
            self.tables.flush()  # the contacts the signals refer to are in the database first
            self._signals = SignalBulkLoader(self.connection)
        return self._signals

    def _quick_signal(self, record: SourceRecord) -> tuple | None:
        """The row of a plainly well-formed signal, without the full checks; None when in any doubt."""
        data = record.data
        if not _plain_signal(data, self.SIGNAL_FIELDS):
            return None
        contact, kind, title, at = data.get("contact"), data.get("kind"), data.get("title"), data.get("at")
        contact_id = self.index.contact_id(contact) if contact else None
        if contact_id is None or not kind or not title or not at:
            return None
        try:
            moment = record.read_date(at) if record.read_date else within_calendar(datetime.fromisoformat(at))
        except ValueError:
            return None
        if moment.tzinfo is None and not record.read_date:
            moment = moment.astimezone()  # a YAML time without zone is the user's local time
        return self._signal_loader().row(contact_id, kind.lower(), title, data.get("topics", []), moment,
                                         data.get("detail"), data.get("source"))

    def _checked_signal(self, record: SourceRecord) -> tuple | None:
        f = Fields(record, self.SIGNAL_FIELDS, self.now)
        contact_id = self.find_contact(f)
        kind, title = (f.text("kind", required=True) or "").lower(), f.text("title", required=True)
        topics, at = f.texts("topics"), f.when("at", required=True)
        detail, source = f.text("detail"), f.text("source")
        if not self._finish(f):
            return None
        return self._signal_loader().row(contact_id, kind, title, topics, at, detail, source)


def _plain_signal(data: dict, allowed: tuple[str, ...]) -> bool:
    """Whether a record is a signal of plain, stripped text within the limits, needing no further checks."""
    def plain(value, limit: int = MAX_TEXT) -> bool:
        return isinstance(value, str) and value == value.strip() and value != "" and within_limits(value, limit)

    topics = data.get("topics", [])
    return (all(key in allowed for key in data) and all(plain(data.get(key)) for key in ("contact", "kind", "title", "at"))
            and isinstance(topics, list) and all(plain(topic) for topic in topics)
            and (data.get("detail") is None or plain(data["detail"], MAX_LONG_TEXT))
            and (data.get("source") is None or plain(data["source"])))
