"""Schema changes as models.py declares them (types, defaults, indexes), on either engine: what upgrade steps reuse.

`custview.db.schema` holds the steps; a step gets a DB-API connection ("?" parameters) inside the
upgrade's transaction, sqlite3 or a `custview.db.dialect.ServerConnection`.
"""

from __future__ import annotations

from custview.db.dialect import POSTGRESQL, dialect_of


def add_declared_tables_and_indexes(connection) -> None:
    """Create every table and index models.py declares that the database lacks; existing ones stay as they are.

    The step to reuse when a version adds a table or an index (on either engine): SQLAlchemy's
    create_all would add a new table, but never a new index to a table that already exists. An
    index on a column a later step adds is left for that step.
    """
    from sqlalchemy.schema import CreateIndex, CreateTable

    metadata, compiler, engine = _declared(connection)
    tables = set(engine.table_names(connection))
    for table in metadata.sorted_tables:
        if table.name not in tables:
            connection.execute(str(CreateTable(table).compile(dialect=compiler)))
        columns = set(engine.column_names(connection, table.name))
        for index in table.indexes:
            if any(column.name not in columns for column in index.columns) or engine.name not in index.info.get(
                    "engines", (engine.name,)):
                continue
            connection.execute(str(CreateIndex(index, if_not_exists=True).compile(dialect=compiler)))


def add_declared_columns(connection, table: str, *columns: str) -> None:
    """Add columns to a table as models.py declares them (type, default, NULL or not), on either engine.

    The step to reuse when a version adds columns; follow it with `add_declared_tables_and_indexes`
    when one of them is indexed.
    """
    from sqlalchemy.schema import CreateColumn

    metadata, compiler, _engine = _declared(connection)
    for name in columns:
        spec = CreateColumn(metadata.tables[table].c[name]).compile(dialect=compiler)
        connection.execute(f'ALTER TABLE "{table}" ADD COLUMN {spec}')


def _declared(connection):
    """The declared tables, and the SQLAlchemy and custview dialects of a DB-API connection."""
    from sqlalchemy.dialects import postgresql, sqlite

    from custview.db.models import declare_all

    engine = dialect_of(connection)
    compiler = postgresql.dialect() if engine is POSTGRESQL else sqlite.dialect()
    return declare_all(), compiler, engine
