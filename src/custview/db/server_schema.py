"""A book on a PostgreSQL server: its tables made, its version table, and the import history's triggers.

The version is kept in the one-row table `custview_schema`; `custview.db.schema` reads it and runs
the upgrade steps (`server_version`, `prepare_server`).
"""

from __future__ import annotations

from custview.db.dialect import POSTGRESQL, ServerConnection

VERSION_TABLE = "custview_schema"
# Taken while a book is created, so that two first imports at once create it once (any constant number will do).
CREATION_LOCK = int.from_bytes(b"custview", "big") & 0x7FFF_FFFF_FFFF_FFFF


def create_server_schema(connection, version: int) -> None:
    """Give an empty server database the current schema (a SQLAlchemy connection, in a transaction)."""
    from custview.db.models import declare_all

    connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({CREATION_LOCK})")
    if connection.exec_driver_sql(f"SELECT to_regclass('{VERSION_TABLE}')").scalar() is not None:
        return  # created by another command while this one waited
    connection.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS citext")
    declare_all().create_all(connection)
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
