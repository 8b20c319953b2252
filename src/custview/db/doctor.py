"""Checks of the database file itself: is it intact, at a schema this custview knows, and do its records hold together?

Reads only: the file is opened with query_only, never upgraded or repaired, so it can be examined
as it is (also a file from a newer custview, or a damaged one). Plain sqlite3, no SQLAlchemy.

    from custview.db.doctor import examine
    report = examine(Path("book.db"))
    print(report.ok, [(c.name, c.count) for c in report.checks])
"""

from __future__ import annotations

import sqlite3
import sys
from dataclasses import dataclass, field
from pathlib import Path

from custview.db.connection import configure, connect, no_data_error
from custview.db.dialect import POSTGRESQL
from custview.db.schema import CURRENT_VERSION
from custview.db.server import ServerBook
from custview.errors import UserError

TABLES = ("member", "company", "contact", "stage_change", "signal", "appointment", "attendee", "next_step", "ticket",
          "service", "success_criterion", "note", "import_run", "import_change", "contact_alias", "company_alias",
          "merge_record", "handover")


@dataclass(frozen=True)
class Orphans:
    """Records that point at something that is not there (or at nothing at all)."""

    name: str
    query: str  # selects the ids of the bad records
    problem: str  # "signals whose contact is gone", followed by the count
    fine: str


def _gone(column: str, parent: str) -> str:
    return f"({column} IS NOT NULL AND {column} NOT IN (SELECT id FROM {parent}))"


def _ids(table: str, *conditions: str) -> str:
    return f"SELECT id FROM {table} WHERE {' OR '.join(conditions)} ORDER BY id"


NOBODY = "(contact_id IS NULL AND company_id IS NULL)"

ORPHANS = (
    Orphans("signals", _ids("signal", _gone("contact_id", "contact")),
            "signals whose contact is gone", "every signal's contact exists"),
    Orphans("stage history", _ids("stage_change", _gone("contact_id", "contact")),
            "stage changes whose contact is gone", "every stage change's contact exists"),
    Orphans("contacts", _ids("contact", _gone("company_id", "company")),
            "contacts at a company that is gone", "every contact's company exists"),
    Orphans("appointments", _ids("appointment", _gone("contact_id", "contact"), _gone("company_id", "company")),
            "appointments whose contact or company is gone", "every appointment's contact exists"),
    Orphans("attendees", _ids("attendee", _gone("appointment_id", "appointment"), _gone("contact_id", "contact")),
            "attendees whose appointment or contact is gone", "every attendee's appointment exists"),
    Orphans("next steps", _ids("next_step", _gone("appointment_id", "appointment")),
            "next steps whose appointment is gone", "every next step's appointment exists"),
    Orphans("tickets", _ids("ticket", NOBODY, _gone("contact_id", "contact"), _gone("company_id", "company")),
            "tickets whose contact or company is gone (or that have neither)",
            "every ticket belongs to a contact or company that exists"),
    Orphans("notes", _ids("note", NOBODY, _gone("contact_id", "contact"), _gone("company_id", "company")),
            "notes whose contact or company is gone (or that are about no one)",
            "every note is about a contact or company that exists"),
    Orphans("services", _ids("service", _gone("company_id", "company")),
            "services whose company is gone", "every service's company exists"),
    Orphans("success criteria", _ids("success_criterion", _gone("company_id", "company")),
            "success criteria whose company is gone", "every success criterion's company exists"),
    Orphans("contact aliases", _ids("contact_alias", _gone("contact_id", "contact")),
            "contact aliases whose contact is gone", "every contact alias's contact exists"),
    Orphans("company aliases", _ids("company_alias", _gone("company_id", "company")),
            "company aliases whose company is gone", "every company alias's company exists"),
    Orphans("merges", _ids("merge_record", "(kind = 'contact' AND kept_id NOT IN (SELECT id FROM contact))",
                           "(kind = 'company' AND kept_id NOT IN (SELECT id FROM company))"),
            "merge records whose kept contact or company is gone", "every merge record's kept record exists"),
    Orphans("import history", _ids("import_change", _gone("run_id", "import_run")),
            "import changes whose import is gone", "every import change belongs to a recorded import"),
)


@dataclass
class Check:
    """One line of the report: what was checked, whether it is fine, how many problems, in words."""

    name: str
    ok: bool
    detail: str
    count: int = 0


@dataclass
class DoctorReport:
    """Every check made on one database file."""

    path: Path
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether every check passed."""
        return all(check.ok for check in self.checks)

    @property
    def problems(self) -> int:
        """How many checks found a problem."""
        return sum(not check.ok for check in self.checks)


def examine(path: Path | ServerBook) -> DoctorReport:
    """Run every check on the database at `path`, changing nothing; UserError if there is no file."""
    if isinstance(path, ServerBook):
        return _examine_server(path)
    if str(path) == ":memory:" or not path.exists():
        raise no_data_error(path)
    report = DoctorReport(path)
    report.checks.append(_permissions(path))
    try:
        connection = connect(path, "inspect")
        configure(connection, read_only=True)
        connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError as error:
        report.checks.append(Check("readable", False, f"SQLite cannot read it: {error}", 1))
        return report
    try:
        report.checks.append(_schema(connection, path))
        if not report.checks[-1].ok:
            return report  # another program's file, a newer custview's, or an empty one: nothing else applies
        report.checks.append(_integrity(connection))
        report.checks.append(_tables(connection))
        report.checks.append(_foreign_keys(connection))
        report.checks.extend(_orphans(connection, orphans) for orphans in ORPHANS)
    finally:
        connection.close()
    return report


def _examine_server(book: ServerBook) -> DoctorReport:
    """The checks that apply to a book on a server, over a read-only session: schema, tables, orphans.

    The server checks its own pages and enforces every reference itself, so those two are said, not run.
    """
    from custview.db.schema import server_version

    report = DoctorReport(book)
    connection = book.connect(read_only=True)
    try:
        try:
            version = server_version(connection, book)
        except UserError as error:
            report.checks.append(Check("schema", False, error.problems[0], 1))
            return report
        if version is None:
            report.checks.append(Check("schema", False, "no tables yet: nothing has been written to it", 1))
            return report
        report.checks.append(Check("schema", True, f"version {version}" + (
            " (current)" if version == CURRENT_VERSION else f": the next custview command upgrades it to {CURRENT_VERSION}")))
        present = set(POSTGRESQL.table_names(connection))
        missing = [table for table in TABLES if table not in present]
        report.checks.append(Check("tables", not missing, f"{len(missing)} missing: {', '.join(missing)}"
                                   if missing else f"all {len(TABLES)} present", len(missing)))
        report.checks.append(Check("foreign keys", True, "enforced by the server on every write"))
        report.checks.extend(_orphans(connection, orphans) for orphans in ORPHANS)
    finally:
        connection.close()
    return report


def _permissions(path: Path) -> Check:
    if sys.platform == "win32":
        return Check("permissions", True, "not checked on Windows")
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        return Check("permissions", False, f"others may read it ({mode:o}): chmod 600 {path}", 1)
    return Check("permissions", True, f"readable by its owner only ({mode:o})")


def _schema(connection: sqlite3.Connection, path: Path) -> Check:
    from custview.db import schema

    try:
        version = schema.file_version(connection, path)
    except UserError as error:
        return Check("schema", False, error.problems[0], 1)
    if version is None:
        return Check("schema", False, "no tables yet: nothing has been written to it", 1)
    if version < schema.CURRENT_VERSION:
        return Check("schema", True, f"version {version}: the next custview command upgrades it to "
                                     f"{schema.CURRENT_VERSION}, keeping a copy as {schema.backup_path(path, version).name}")
    return Check("schema", True, f"version {version} (current)")


def _integrity(connection: sqlite3.Connection) -> Check:
    try:
        messages = [row[0] for row in connection.execute("PRAGMA integrity_check(100)")]
    except sqlite3.DatabaseError as error:
        return Check("integrity", False, f"could not check: {error}", 1)
    if messages == ["ok"]:
        return Check("integrity", True, "PRAGMA integrity_check: ok")
    more = f" (and {len(messages) - 1} more)" if len(messages) > 1 else ""
    return Check("integrity", False, f"{len(messages)} problem(s): {messages[0]}{more}", len(messages))


def _tables(connection: sqlite3.Connection) -> Check:
    present = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    missing = [table for table in TABLES if table not in present]
    if missing and connection.execute("PRAGMA user_version").fetchone()[0] < CURRENT_VERSION:
        return Check("tables", True, f"{len(missing)} to be added by the upgrade: {', '.join(missing)}")
    if missing:
        return Check("tables", False, f"{len(missing)} missing: {', '.join(missing)}", len(missing))
    return Check("tables", True, f"all {len(TABLES)} present")


def _foreign_keys(connection: sqlite3.Connection) -> Check:
    try:
        rows = connection.execute("PRAGMA foreign_key_check").fetchall()
    except sqlite3.DatabaseError as error:
        return Check("foreign keys", False, f"could not check: {error}", 1)
    if not rows:
        return Check("foreign keys", True, "every reference points at a record that exists")
    by_link: dict[tuple[str, str], int] = {}
    for table, _rowid, parent, _key in rows:
        by_link[(table, parent)] = by_link.get((table, parent), 0) + 1
    links = ", ".join(f"{table} → {parent} ×{n}" for (table, parent), n in sorted(by_link.items()))
    return Check("foreign keys", False, f"{len(rows)} reference(s) to records that are gone: {links}", len(rows))


def _orphans(connection: sqlite3.Connection, orphans: Orphans) -> Check:
    try:
        ids = [row[0] for row in connection.execute(orphans.query)]
    except Exception as error:  # sqlite3's or psycopg's DatabaseError
        if "no such table" in str(error):  # an older schema: the upgrade adds the table
            return Check(orphans.name, True, f"not in this file yet ({error})")
        return Check(orphans.name, False, f"could not check: {error}", 1)
    if not ids:
        return Check(orphans.name, True, orphans.fine)
    shown = ", ".join(str(i) for i in ids[:5]) + (", …" if len(ids) > 5 else "")
    return Check(orphans.name, False, f"{orphans.problem}: {len(ids)} ({'id' if len(ids) == 1 else 'ids'} {shown})",
                 len(ids))
