"""The SQLModel tables, built from the one declaration of columns and types (`custview.db.rows`).

A table class is built the first time it is named (`from custview.db.models import Contact`), with
the tables its foreign keys refer to: a write builds the few tables it touches (about 10 ms each),
not all of them. `declare_all()` builds every table, for what needs the whole schema (creating a
book, upgrading one, copying one).

What only the database needs is added here: primary and foreign keys, indexes, uniqueness, and
NOCASE collation on names and emails, so case-insensitive lookups hit an index. List and dict
columns are stored as JSON. Stages are stored as their display name (see `custview.stages.Stage`).
"""

from __future__ import annotations

from datetime import datetime  # noqa: F401 - resolves the declared types

from sqlalchemy import JSON, Boolean, Column, Index, SmallInteger, String, text
from sqlalchemy.types import TypeDecorator, UserDefinedType
from sqlmodel import Field, SQLModel
from sqlmodel.main import SQLModelMetaclass

from custview.db import rows
from custview.db.rows import (  # noqa: F401 - the vocabulary, where callers have found it
    APPOINTMENT_KINDS, HEALTH_LABELS, MERGE_KINDS, SERVICE_STATUSES, TICKET_KINDS, TICKET_PRIORITIES, TICKET_STATUSES,
)


class CaseInsensitiveText(UserDefinedType):
    """PostgreSQL's citext, declared without loading SQLAlchemy's PostgreSQL dialect (which would add a
    third to every write's start-up on SQLite)."""

    cache_ok = True

    def get_col_spec(self, **kw) -> str:
        return "CITEXT"


# Names and emails compare without case: SQLite's NOCASE collation; PostgreSQL's citext type.
NOCASE_TEXT = String(collation="NOCASE").with_variant(CaseInsensitiveText(), "postgresql")


class Flag(TypeDecorator):
    """A yes/no column, stored as 0/1 on both engines (SMALLINT on PostgreSQL), so hand-written SQL says
    `done = 0` on both; read as a bool."""

    impl = Boolean
    cache_ok = True

    def load_dialect_impl(self, dialect):
        return dialect.type_descriptor(SmallInteger() if dialect.name == "postgresql" else Boolean())

    def process_bind_param(self, value, dialect):
        return int(value) if value is not None and dialect.name == "postgresql" else value

    def process_result_value(self, value, dialect):
        return None if value is None else bool(value)


def _nocase(*, unique: bool = False, nullable: bool = True, index: bool = True) -> Column:
    return Column(NOCASE_TEXT, unique=unique, index=index, nullable=nullable)


def _key(table: str, *, index: bool = False) -> dict:
    return {"foreign_key": f"{table}.id", "index": index} if index else {"foreign_key": f"{table}.id"}


# Per table, what a column needs beyond its type and default: Field options, or its own sa_column.
SQL = {
    "Member": {"name": _nocase(unique=True, nullable=False), "email": _nocase(unique=True)},
    "Company": {"name": _nocase(unique=True, nullable=False), "domain": _nocase(),
                "contract_arr": {"sa_column_kwargs": {"server_default": "0"}}, "owner_id": _key("member", index=True)},
    "Contact": {"name": _nocase(nullable=False), "email": _nocase(unique=True), "company_id": _key("company"),
                "name_derived": {"sa_column_kwargs": {"server_default": "0"}}, "owner_id": _key("member", index=True)},
    "StageChange": {"contact_id": _key("contact")},
    "Signal": {"contact_id": _key("contact"), "evidence": {"sa_column_kwargs": {"server_default": "0"}}},
    "Appointment": {"contact_id": _key("contact"), "company_id": _key("company"),
                    "uid": {"index": True, "unique": True}},
    "Attendee": {"appointment_id": _key("appointment", index=True), "contact_id": _key("contact", index=True),
                 "member_id": _key("member")},
    "NextStep": {"appointment_id": _key("appointment", index=True), "owner_id": _key("member")},
    "Ticket": {"ref": {"unique": True}, "contact_id": _key("contact"), "company_id": _key("company", index=True),
               "topics": Column(JSON, nullable=False, server_default="[]"),
               "requester_email": Column(NOCASE_TEXT), "owner_id": _key("member")},
    "Service": {"company_id": _key("company", index=True), "owner_id": _key("member")},
    "SuccessCriterion": {"company_id": _key("company", index=True)},
    "Note": {"contact_id": _key("contact", index=True), "company_id": _key("company", index=True)},
    "Handover": {"contact_id": _key("contact", index=True), "company_id": _key("company", index=True),
                 "from_member_id": _key("member"), "to_member_id": _key("member"),
                 "steps_moved": {"sa_column_kwargs": {"server_default": "0"}}},
    "ContactAlias": {"contact_id": _key("contact", index=True), "email": _nocase(unique=True, nullable=False)},
    "CompanyAlias": {"company_id": _key("company", index=True), "name": _nocase(nullable=False), "domain": _nocase()},
    "MergeRecord": {"merged_name": _nocase(nullable=False)},
    "ImportChange": {"run_id": _key("import_run", index=True)},
}
INDEXES = {
    # by name within a stage: `contacts --stage` reads them in the list's order, without sorting.
    # with the stage: `custview companies` counts each account's people and their stages from this index alone.
    "Contact": [("ix_contact_stage_name", "stage", "name"), ("ix_contact_company_stage", "company_id", "stage")],
    "StageChange": [("ix_stage_change_contact_when", "contact_id", "changed_at")],
    # kind too: the book-wide figures (custview.db.aggregates) are read from this index alone; the two-way
    # signals (a third of them) have their own, for each account's latest conversation (`custview companies`).
    "Signal": [("ix_signal_contact_when", "contact_id", "occurred_at", "kind"),
               ("ix_signal_two_way", "contact_id", "occurred_at", "kind", {"where": rows.TWO_WAY_SIGNALS}),
               # stage suggest: who shows which kinds of evidence lately, from the signals that are evidence alone
               ("ix_signal_evidence_when", "occurred_at", "contact_id", "evidence", {"where": "evidence <> 0"}),
               # and what the rules quote of the called-out contacts' evidence, read from this index alone (SQLite
               # only: a server's index entries are limited in size, and a title or detail is free text)
               ("ix_signal_evidence_contact", "contact_id", "occurred_at", "evidence", "kind", "title", "detail",
                {"where": "evidence <> 0", "engines": ("sqlite",)})],
    # with the moment: `custview companies` reads each account's latest meeting from this index alone.
    "Appointment": [("ix_appointment_contact_when", "contact_id", "scheduled_at"), ("ix_appointment_when", "scheduled_at"),
                    ("ix_appointment_company_when", "company_id", "scheduled_at")],
    "Ticket": [("ix_ticket_contact_status", "contact_id", "status"), ("ix_ticket_closed", "closed_at")],
    "NextStep": [("ix_next_step_open", "done", "due_at")],
    "MergeRecord": [("ix_merge_record_kind_kept", "kind", "kept_id")],
    "ImportChange": [("ix_import_change_row", "table_name", "row_id")],
}


def _field(declaration: type, column: str, type_text: str, sql) -> object:
    """The SQLModel Field for one declared column."""
    options: dict = {}
    if type_text.startswith(("list", "dict")):
        options["default_factory"] = list if type_text.startswith("list") else dict
        sql = sql if sql is not None else Column(JSON, nullable=False)
    elif hasattr(declaration, column):
        options["default"] = getattr(declaration, column)
    if type_text == "bool" and not isinstance(sql, Column):
        options["sa_type"] = Flag
    if column == "id":
        options["primary_key"] = True
    if isinstance(sql, Column):
        options["sa_column"] = sql
    elif sql:
        options |= sql
    return Field(**options)


def _model(declaration: type) -> type[SQLModel]:
    """The SQLModel table class for a declaration of `custview.db.rows`."""
    name, extra = declaration.__name__, SQL.get(declaration.__name__, {})
    columns = rows.columns(declaration)
    namespace = {
        "__module__": __name__, "__qualname__": name, "__doc__": declaration.__doc__,
        "__tablename__": declaration.table_name,
        "__annotations__": columns,  # as written; "datetime" is resolved in this module
        **{column: _field(declaration, column, text, extra.get(column)) for column, text in columns.items()},
    }
    # Table models are never validated by pydantic (SQLModel builds their rows itself): no validator
    # is made unless something asks for one.
    namespace["model_config"] = {"defer_build": True}
    # AUTOINCREMENT: an id is never given twice, so the range of ids an import created (kept in the
    # import history) holds only that import's rows, whatever is deleted and added later.
    namespace["__table_args__"] = (*(_index(*index) for index in INDEXES.get(name, ())), {"sqlite_autoincrement": True})
    return SQLModelMetaclass(name, (SQLModel,), namespace, table=True)


def _index(name: str, *columns) -> Index:
    """A declared index: its name, its columns, and for a partial index its condition ({"where": SQL}); an index
    only some engines get names them ({"engines": ("sqlite",)}, kept in its `info` for the upgrade steps)."""
    if columns and isinstance(columns[-1], dict):
        options = columns[-1]
        condition = text(options["where"])
        index = Index(name, *columns[:-1], sqlite_where=condition, postgresql_where=condition)
        if engines := options.get("engines"):
            index.info["engines"] = engines
            index.ddl_if(dialect=engines)  # what create_all makes
        return index
    return Index(name, *columns)


def _referred_tables(name: str) -> list[str]:
    """The tables a table's foreign keys refer to."""
    return [sql["foreign_key"].split(".")[0] for sql in SQL.get(name, {}).values()
            if isinstance(sql, dict) and "foreign_key" in sql]


_BY_TABLE = {declaration.table_name: declaration for declaration in rows.DECLARED.values()}


def _built(declaration: type) -> type[SQLModel]:
    """The table class of a declaration, built now (after the tables it refers to) if it was not yet."""
    name = declaration.__name__
    if name not in globals():
        for table in _referred_tables(name):
            _built(_BY_TABLE[table])
        globals()[name] = _model(declaration)
    return globals()[name]


def __getattr__(name: str) -> type[SQLModel]:
    declaration = rows.DECLARED.get(name)
    if declaration is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return _built(declaration)


def declare_all():
    """Every table built, in the order declared; SQLModel's metadata, which then holds the whole schema."""
    for declaration in rows.DECLARED.values():
        _built(declaration)
    return SQLModel.metadata
