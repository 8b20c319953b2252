"""Each signal's evidence bits (`custview.evidence`), worked out in Python when signals are written: for the rows an
import writes, and once for every signal of a book kept before the bits were (schema 18)."""

from __future__ import annotations

import json

from custview.db.declared import add_declared_columns, add_declared_tables_and_indexes
from custview.db.dialect import dialect_of
from custview.evidence import evidence_of

FILL_BATCH = 20_000  # signals read and written at a time by the upgrade: memory holds a batch, not the book


class EvidenceCache:
    """`evidence_of` for rows about to be written, remembered for the values that recur (a million signals
    hold far fewer different titles and topics)."""

    def __init__(self):
        self.known: dict[tuple, int] = {}

    def of(self, kind: str, title: str, topics_json: str, topics: list[str] | None, detail: str | None) -> int:
        """The evidence bits of a signal: its topics as stored (JSON), and as a list if at hand."""
        key = (kind, title, topics_json, detail)
        bits = self.known.get(key)
        if bits is None:
            if len(self.known) > 10_000:
                self.known.clear()
            listed = json.loads(topics_json) if topics is None else topics
            bits = self.known[key] = evidence_of(kind, title, listed, detail)
        return bits

    def set_again(self, connection, rows: list[tuple]) -> None:
        """Store the bits of rows (id, kind, title, topics as stored, detail, bits stored) whose values changed."""
        fresh = [(bits, row[0]) for row in rows if (bits := self.of(*row[1:4], None, row[4])) != row[5]]
        if fresh:
            connection.executemany("UPDATE signal SET evidence = ? WHERE id = ?", fresh)


def fill_evidence(connection) -> None:
    """Set the bits of every signal (a DB-API connection, inside the upgrade's transaction), a batch at a time."""
    cache, last = EvidenceCache(), 0
    while rows := connection.execute("SELECT id, kind, title, topics, detail, evidence FROM signal WHERE id > ? "
                                     "ORDER BY id LIMIT ?", (last, FILL_BATCH)).fetchall():
        last = rows[-1][0]
        cache.set_again(connection, rows)


def add_signal_evidence(connection) -> None:
    """The upgrade step to schema 18: the column, every signal's bits, then their index (built once, not kept up to
    date row by row). A book taken back to an earlier version has the column already."""
    if "evidence" not in dialect_of(connection).column_names(connection, "signal"):
        add_declared_columns(connection, "signal", "evidence")
    fill_evidence(connection)
    add_declared_tables_and_indexes(connection)  # ix_signal_evidence_when
