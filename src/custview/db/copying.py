"""`custview copy`: a whole book from one engine to the other (a file and a team server), row for row.

Every table is copied, the import history too, with every id kept: what refers to what, the
ranges undo-import removes, and the ids never given twice all stay as they were. The target
must be new (a file not there yet, or a server database without tables); it gets the current
schema first, and the copy is one transaction there: all of it, or nothing.
"""

from __future__ import annotations

import sqlite3

from custview.db.dialect import dialect_of, driver_connection
from custview.db.import_history import first_free_id
from custview.errors import UserError

CHUNK = 5_000


def copy_book(source, target) -> dict[str, int]:
    """Copy every row of `source` (a Store) into the new `target` (a Store); rows copied per table."""
    from custview.db.models import declare_all

    source.require_data()
    if target.exists():
        raise UserError(f"{target.path} already holds a book: copy only into a new file or an empty database; "
                        "nothing was copied.")
    source.ensure_schema()  # upgrades an older book first, as any command would
    copied: dict[str, int] = {}
    with source.engine.connect() as reading, target.writing() as session:
        writing = session.connection()
        tables = declare_all().sorted_tables
        for table in tables:
            copied[table.name] = 0
            result = reading.execution_options(yield_per=CHUNK).execute(table.select().order_by(table.c.id))
            for rows in result.partitions():
                writing.execute(table.insert(), [dict(row._mapping) for row in rows])
                copied[table.name] += len(rows)
        _keep_ids_never_given_twice(reading.connection.driver_connection, driver_connection(session),
                                    [table.name for table in tables])
    return copied


def _keep_ids_never_given_twice(source_driver, target, tables: list[str]) -> None:
    """The target goes on giving ids where the source stopped: past every id it ever gave, deleted rows' too."""
    from custview.db.dialect import ServerConnection

    source = source_driver if isinstance(source_driver, sqlite3.Connection) else ServerConnection(source_driver)
    for table in tables:
        highest = max(dialect_of(source).last_id_given(source, table), first_free_id(target, table) - 1)
        dialect_of(target).move_ids_past(target, table, highest)
