"""Light read-only rows, one per table, from the one declaration of columns (`custview.db.rows`).

The reader hands these out instead of SQLModel objects: named tuples with the declared columns, types
and docstring, cheap to define (start-up counts) and to make (attention makes millions). `READ[Row]`
knows how to select a table's columns and build its rows from a DB-API result row.
"""

from __future__ import annotations

import json
from collections import namedtuple
from functools import lru_cache

from custview.dates import read_stored_time
from custview.db import rows


def _row_type(declaration: type) -> type:
    """A named tuple with the columns, types and docstring of a declared table: a read-only row that
    is cheap to define (start-up counts) and to make (attention makes millions)."""
    columns = rows.columns(declaration)
    row = namedtuple(declaration.__name__, list(columns), module=__name__)
    row.__doc__ = declaration.__doc__
    row.__annotations__ = columns  # the types as written, e.g. "datetime | None"
    return row


(Member, Company, Contact, StageChange, Signal, Appointment, Attendee, NextStep, Ticket, Service, Note, MergeRecord,
 ContactAlias, CompanyAlias, Handover) = (
    _row_type(declaration) for declaration in (
        rows.Member, rows.Company, rows.Contact, rows.StageChange, rows.Signal, rows.Appointment, rows.Attendee,
        rows.NextStep, rows.Ticket, rows.Service, rows.Note, rows.MergeRecord, rows.ContactAlias, rows.CompanyAlias,
        rows.Handover))
SuccessCriterion = _row_type(rows.SuccessCriterion)

# Each row type and the table it reads.
TABLES = {row: rows.DECLARED[row.__name__].table_name for row in (
    Member, Company, Contact, StageChange, Signal, Appointment, Attendee, NextStep, Ticket, Service, Note, MergeRecord,
    ContactAlias, CompanyAlias, Handover, SuccessCriterion)}


@lru_cache(maxsize=4096)
def _parsed_list(text: str) -> tuple:
    return tuple(json.loads(text))


def stored_list(text: str) -> list:
    """A JSON list column (topics, decisions) as a new list; the same few lists recur, so parsing is cached."""
    return list(_parsed_list(text))


def _conversion(type_name: str) -> str | None:
    """How a stored value becomes the Python value SQLModel would give, from the field's type."""
    if "datetime" in type_name:
        return "read_stored_time"
    if type_name.startswith("list["):
        return "stored_list"
    if type_name == "bool":
        return "bool"
    return None


class TableRows:
    """How to read one table into its twin (its row type): the column list, and a row builder made for it."""

    def __init__(self, twin: type):
        self.twin = twin
        self.name = TABLES[twin]
        self.column_names = list(twin._fields)
        self.columns = ", ".join(f"{self.name}.{column}" for column in self.column_names)
        self.build = self._builder()

    def _builder(self):
        """`build(row) -> twin`, written out per table (as dataclasses do): about 3x faster than a loop
        over the columns, which matters when attention reads a million signals."""
        arguments = []
        for i, name in enumerate(self.column_names):
            type_name = self.twin.__annotations__[name]
            convert = _conversion(type_name)
            if convert is None:
                arguments.append(f"row[{i}]")
            elif "None" in type_name:
                arguments.append(f"(None if row[{i}] is None else {convert}(row[{i}]))")
            else:
                arguments.append(f"{convert}(row[{i}])")
        source = f"def build(row):\n    return twin({', '.join(arguments)})\n"
        namespace = {"twin": self.twin, "read_stored_time": read_stored_time, "stored_list": stored_list}
        exec(source, namespace)  # noqa: S102 - source built above from the twin's own field names
        return namespace["build"]


class _ReadingEachTable(dict):
    """How to read each table (`READ[Contact]`), made the first time that table is read: a command reads a few."""

    def __missing__(self, twin: type) -> TableRows:
        reading = self[twin] = TableRows(twin)
        return reading


READ = _ReadingEachTable()
