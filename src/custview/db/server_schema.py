"""Schema versions of a book on a PostgreSQL server: kept in the one-row table `custview_schema`.

The same steps as a file's (`custview.db.schema.MIGRATIONS`, those after SERVER_FIRST_VERSION),
applied in one transaction while the version table is locked, so two laptops upgrading at once
upgrade once. A database with other tables but no `custview_schema` is not a custview book and is
left as it is; so is one from a newer custview.
"""

from __future__ import annotations

import sys

from custview.db.dialect import POSTGRESQL, ServerConnection
from custview.errors import UserError

VERSION_TABLE = "custview_schema"
# Taken while a book is created, so that two first imports at once create it once (any constant number will do).
CREATION_LOCK = int.from_bytes(b"custview", "big") & 0x7FFF_FFFF_FFFF_FFFF


def server_version(connection, book) -> int | None:
    """The schema version of the book on a server; None while the database has no tables (a book to create).

    UserError for a database that is not custview's, or one from a newer custview; reads only.
    """
    from custview.db.schema import CURRENT_VERSION

    tables = POSTGRESQL.table_names(connection)
    if not tables:
        return None
    if VERSION_TABLE not in tables:
        raise UserError(f"{book} is not a custview database (it has other tables); nothing was changed. "
                        "Point --db at an empty database or a custview book.")
    version = connection.execute(f"SELECT max(version) FROM {VERSION_TABLE}").fetchone()[0]
    if version > CURRENT_VERSION:
        raise UserError(f"{book} was made by a newer custview (schema version {version}; this one knows up to "
                        f"{CURRENT_VERSION}); nothing was changed. Upgrade custview to use it.")
    return version


def prepare_server(book) -> int | None:
    """Refuse or upgrade the book on a server, as `schema.prepare_file` does a file; its version (None: empty)."""
    from custview.db.schema import CURRENT_VERSION

    connection = book.connect()
    try:
        version = server_version(connection, book)
        if version is None or version == CURRENT_VERSION:
            return version
        _upgrade(connection, book)
    finally:
        connection.close()
    sys.stderr.write(f"note: upgraded {book} from schema version {version} to {CURRENT_VERSION}\n")
    return CURRENT_VERSION


def _upgrade(connection, book) -> None:
    from custview.db.schema import CURRENT_VERSION, MIGRATIONS, SERVER_FIRST_VERSION

    connection.execute("BEGIN")
    try:
        connection.execute(f"LOCK TABLE {VERSION_TABLE} IN ACCESS EXCLUSIVE MODE")
        version = server_version(connection, book)  # another laptop may have upgraded it meanwhile
        for step in MIGRATIONS:
            if step.to_version > max(version, SERVER_FIRST_VERSION):
                step.apply(connection)
        install_import_triggers(connection)  # on tables a step added too
        connection.execute(f"UPDATE {VERSION_TABLE} SET version = ?", (CURRENT_VERSION,))
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise


def create_server_schema(connection, version: int) -> None:
    """Give an empty server database the current schema (a SQLAlchemy connection, in a transaction)."""
    from sqlmodel import SQLModel

    connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({CREATION_LOCK})")
    if connection.exec_driver_sql(f"SELECT to_regclass('{VERSION_TABLE}')").scalar() is not None:
        return  # created by another command while this one waited
    connection.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS citext")
    SQLModel.metadata.create_all(connection)
    connection.exec_driver_sql(f"CREATE TABLE {VERSION_TABLE} (version integer NOT NULL)")
    connection.exec_driver_sql(f"INSERT INTO {VERSION_TABLE} (version) VALUES ({version})")
    install_import_triggers(ServerConnection(connection.connection.driver_connection))


# Notes a row's values before an import updates or deletes it, while the import's transaction names its run
# (custview.db.import_history.ImportRecorder sets custview.import_run and custview.first_new_<table>).
NOTE_IMPORT_CHANGE = """
CREATE OR REPLACE FUNCTION custview_note_import_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    run text := current_setting('custview.import_run', true);
BEGIN
    IF coalesce(run, '') <> ''
       AND OLD.id < current_setting('custview.first_new_' || TG_TABLE_NAME, true)::bigint THEN
        INSERT INTO import_change (run_id, table_name, row_id, action, before)
        VALUES (run::bigint, TG_TABLE_NAME, OLD.id, lower(TG_OP) || 'd', row_to_json(OLD)::text);
    END IF;
    RETURN NULL;
END $$
"""


def install_import_triggers(connection) -> None:
    """The import history's triggers on every table an import records (a DB-API connection, in a transaction)."""
    from custview.db.import_history import NOT_RECORDED

    connection.execute(NOTE_IMPORT_CHANGE)
    for table in POSTGRESQL.table_names(connection):
        if table not in NOT_RECORDED:
            connection.execute(f'CREATE OR REPLACE TRIGGER custview_import_history AFTER UPDATE OR DELETE ON "{table}" '
                               "FOR EACH ROW EXECUTE FUNCTION custview_note_import_change()")
