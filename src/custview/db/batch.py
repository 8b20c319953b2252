"""Reads gathered to be sent together: on a PostgreSQL server one round trip for them all, on SQLite one by one.

A brief asks a dozen independent questions about one contact (their signals, tickets, notes…). Over a
network each question costs a round trip to the server; gathered in a `Batch`, they cost one:

    with reader.batch() as batch:
        signals = batch.rows_in(Signal, "contact_id", ids)
        notes = batch.rows_in(Note, "contact_id", ids)
    # here both lists are filled

Each method returns an empty list at once, filled when the block ends (`run`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from custview.db.dialect import results_of
from custview.db.read_rows import READ

# SQLite allows at least 32,766 parameters since 3.32; stay far below for older builds.
CHUNK = 500


def chunks(values: list, size: int = CHUNK) -> Iterator[list]:
    """`values` in slices of at most `size`."""
    for start in range(0, len(values), size):
        yield values[start:start + size]


def placeholders(values: list) -> str:
    """One "?" per value, separated by commas."""
    return ", ".join("?" * len(values))


def select(twin: type, where: str = "", order: str = "") -> str:
    """`SELECT columns FROM table [WHERE ...] [ORDER BY ...]` for one table's rows (`twin`: its row type)."""
    table = READ[twin]
    sql = f"SELECT {table.columns} FROM {table.name}"
    if where:
        sql += f" WHERE {where}"
    if order:
        sql += f" ORDER BY {order}"
    return sql


class Batch:
    """Statements waiting to be sent together, each with the list its rows go to."""

    def __init__(self, connection):
        self.connection = connection
        self.pending: list[tuple[str, tuple, list, Callable | None]] = []

    def __enter__(self) -> Batch:
        return self

    def __exit__(self, kind, error, trace) -> None:
        if kind is None:
            self.run()

    def query(self, sql: str, parameters: Iterable = (), build: Callable | None = None) -> list:
        """The rows of one statement (parameters marked "?"), each passed through `build` if given."""
        found: list = []
        self.pending.append((sql, tuple(parameters), found, build))
        return found

    def rows(self, twin: type, where: str = "", parameters: Iterable = (), order: str = "") -> list:
        """Rows of one table as twins (see `select`)."""
        return self.query(select(twin, where, order), parameters, READ[twin].build)

    def rows_in(self, twin: type, column: str, values: Iterable, order: str = "", where: str = "") -> list:
        """Rows whose `column` is one of `values` (and that meet `where`, if given), read in chunks, each in `order`."""
        found: list = []
        build = READ[twin].build
        condition = f"{where} AND " if where else ""
        for chunk in chunks(sorted(set(values))):
            self.pending.append((select(twin, f"{condition}{column} IN ({placeholders(chunk)})", order), tuple(chunk),
                                 found, build))
        return found

    def run(self) -> None:
        """Send every pending statement and fill each list with its rows."""
        pending, self.pending = self.pending, []
        if not pending:
            return
        results = results_of(self.connection, [(sql, parameters) for sql, parameters, _, _ in pending])
        for (_, _, found, build), rows in zip(pending, results):
            found.extend(map(build, rows) if build else rows)
