"""One meeting per calendar UID (schema version 15): what the upgrade does with a book that holds repeats.

Before the unique index on appointment.uid, two imports of one calendar at the same moment could each add an
event. Upgrading such a book keeps every meeting: the earliest (lowest id) of each repeated UID keeps it, the
later ones lose it (they stay in the book, no longer tied to that calendar event), and the upgrade says which.
Standard library only at import time, as `custview.db.schema`.
"""

from __future__ import annotations

from custview.db.dialect import dialect_of

UNIQUE_UID_VERSION = 15
SHOWN = 10  # meetings named in the note; the rest are counted


def before_the_steps(connection, version: int) -> list[str]:
    """What an upgrade from `version` does before its steps (any of which may build today's unique indexes):
    notes saying what it changed."""
    return [note] if version < UNIQUE_UID_VERSION and (note := clear_repeated_uids(connection)) else []


def clear_repeated_uids(connection) -> str | None:
    """Take the UID from every meeting holding one an earlier meeting holds; a note saying which, or None."""
    if "uid" not in dialect_of(connection).column_names(connection, "appointment"):
        return None  # a book from before calendar UIDs: nothing can repeat
    repeats = [row[0] for row in connection.execute(
        "SELECT later.id FROM appointment AS later WHERE later.uid IS NOT NULL AND EXISTS (SELECT 1 FROM "
        "appointment AS earlier WHERE earlier.uid = later.uid AND earlier.id < later.id) ORDER BY later.id")]
    if not repeats:
        return None
    for row_id in repeats:
        connection.execute("UPDATE appointment SET uid = NULL WHERE id = ?", (row_id,))
    named = ", ".join(f"#{row_id}" for row_id in repeats[:SHOWN]) + (
        f" and {len(repeats) - SHOWN} more" if len(repeats) > SHOWN else "")
    return (f"note: meetings {named} held a calendar UID an earlier meeting holds; the earliest keeps it, "
            "these keep everything else (a calendar UID now names one meeting)")

