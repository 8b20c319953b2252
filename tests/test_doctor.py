"""custview doctor: one line per check of the database file, a non-zero exit when something is wrong."""

import json
import re
import shutil
import sqlite3

from conftest import FIXTURES

from custview.db import doctor

from custview.db import schema


def checks(result) -> dict[str, dict]:
    return {check["check"]: check for check in json.loads(result.stdout)["checks"]}


def lines_by_check(stdout) -> dict[str, str]:
    """The report's lines (status, check, detail: columns two or more spaces apart), by check name."""
    found = {}
    for line in stdout.splitlines():
        columns = re.split(r"\s{2,}", line.strip())
        if columns[0] in ("ok", "problem") and len(columns) >= 3:
            found[columns[1]] = line
    return found


def test_a_healthy_database_passes_every_check(cli, book):
    result = cli("doctor")
    assert result.exit_code == 0, result.output
    report = lines_by_check(result.stdout)
    assert set(report) >= {"integrity", "foreign keys", "schema", "tables", "permissions", "signals", "next steps"}
    assert all(line.startswith("ok ") for line in report.values())
    assert result.stdout.splitlines()[-1] == f"All {len(report)} checks passed."
    assert f"version {schema.CURRENT_VERSION} (current)" in report["schema"]


def test_orphans_are_found_counted_and_named(cli, book):
    with sqlite3.connect(book) as connection:
        connection.execute("PRAGMA foreign_keys = OFF")
        omar = connection.execute("SELECT id FROM contact WHERE name = 'Omar Haddad'").fetchone()[0]
        omars_signals = connection.execute("SELECT count(*) FROM signal WHERE contact_id = ?", (omar,)).fetchone()[0]
        omars_stages = connection.execute("SELECT count(*) FROM stage_change WHERE contact_id = ?", (omar,)).fetchone()[0]
        connection.execute("DELETE FROM contact WHERE id = ?", (omar,))
        connection.execute("INSERT INTO signal (contact_id, kind, title, topics, occurred_at) "
                           "VALUES (999, 'content', 'Ghost read', '[]', '2026-01-01 00:00:00')")
        connection.execute("INSERT INTO contact (name, stage, company_id) VALUES ('Lost Soul', 'Audience', 999)")
        connection.execute("INSERT INTO appointment (contact_id, purpose, kind, scheduled_at, decisions) "
                           "VALUES (998, 'Meeting with no one', 'other', '2026-01-01 00:00:00', '[]')")
        connection.execute("INSERT INTO attendee (appointment_id, name) VALUES (997, 'Nobody')")
        connection.executemany("INSERT INTO next_step (appointment_id, step, done) VALUES (997, ?, 0)",
                               [("Call back",), ("Send deck",)])
    orphans_made = omars_signals + 1 + omars_stages + 1 + 1 + 1 + 2

    result = cli("doctor", "--json")

    assert result.exit_code == 1
    found = checks(result)
    assert (found["signals"]["ok"], found["signals"]["count"]) == (False, omars_signals + 1)
    assert (found["stage history"]["ok"], found["stage history"]["count"]) == (omars_stages == 0, omars_stages)
    assert (found["contacts"]["ok"], found["contacts"]["count"]) == (False, 1)
    assert (found["appointments"]["ok"], found["appointments"]["count"]) == (False, 1)
    assert (found["attendees"]["ok"], found["attendees"]["count"]) == (False, 1)
    assert (found["next steps"]["ok"], found["next steps"]["count"]) == (False, 2)
    assert (found["foreign keys"]["ok"], found["foreign keys"]["count"]) == (False, orphans_made)
    for fine in ("integrity", "schema", "tables", "services", "notes", "tickets", "permissions"):
        assert found[fine]["ok"], found[fine]

    text = cli("doctor")
    assert text.exit_code == 1
    report = lines_by_check(text.stdout)
    assert report["next steps"].split()[0] == "problem"
    assert "next steps whose appointment is gone: 2 (ids " in report["next steps"]
    assert report["integrity"].split()[0] == "ok"
    problems = sum(not check["ok"] for check in found.values())
    assert text.stdout.splitlines()[-1] == f"{problems} of {len(found)} checks found problems."


def test_a_damaged_index_fails_the_integrity_check(cli, book):
    with sqlite3.connect(book) as connection:
        connection.execute("PRAGMA writable_schema = ON")
        connection.execute("UPDATE sqlite_master SET sql = 'CREATE INDEX ix_contact_stage_name ON contact (title)' "
                           "WHERE name = 'ix_contact_stage_name'")
    result = cli("doctor", "--json")
    assert result.exit_code == 1
    integrity = checks(result)["integrity"]
    assert not integrity["ok"] and integrity["count"] >= 1
    assert "ix_contact_stage_name" in integrity["detail"]


def test_doctor_changes_nothing_and_reports_a_newer_or_older_schema(cli, db):
    shutil.copy(FIXTURES / "schema-v1.db", db)
    db.chmod(0o600)
    before = db.read_bytes()
    older = cli("doctor")
    assert older.exit_code == 0, older.output
    assert f"version 1: the next custview command upgrades it to {schema.CURRENT_VERSION}" in older.stdout
    assert db.read_bytes() == before and not list(db.parent.glob("*.bak-*"))

    with sqlite3.connect(db) as connection:
        connection.execute(f"PRAGMA user_version = {schema.CURRENT_VERSION + 5}")
    before = db.read_bytes()
    newer = cli("doctor", "--json")
    assert newer.exit_code == 1
    assert "was made by a newer custview" in checks(newer)["schema"]["detail"]
    assert db.read_bytes() == before


def test_a_file_readable_by_others_is_a_problem(cli, book):
    book.chmod(0o644)
    result = cli("doctor", "--json")
    assert result.exit_code == 1
    assert checks(result)["permissions"]["detail"] == f"others may read it (644): chmod 600 {book}"


def test_a_file_that_is_not_a_database_is_reported_not_a_traceback(cli, db):
    db.write_text("name,email\nAnn,ann@example.com\n")
    db.chmod(0o600)
    result = cli("doctor")
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "SQLite cannot read it: file is not a database" in lines_by_check(result.stdout)["readable"]


def test_no_database_yet_is_a_clear_error(cli, db):
    result = cli("doctor")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: No customer data yet at {db}")
    assert not db.exists()


def test_forgetting_someone_leaves_no_orphans(cli, book):
    assert cli("log", "Anna Berg", "-p", "SSO", "-o", "ok", "-a", "Ann Lee").exit_code == 0
    assert cli("forget", "Ann Lee", "--yes").exit_code == 0
    result = cli("doctor")
    assert result.exit_code == 0, result.stdout


def test_the_doctor_knows_every_table():
    from custview.db.models import declare_all

    assert set(doctor.TABLES) == set(declare_all().tables)


def test_aliases_merges_and_import_history_that_point_nowhere_are_found(cli, book):
    with sqlite3.connect(book) as connection:
        connection.execute("PRAGMA foreign_keys = OFF")
        connection.execute("INSERT INTO contact_alias (contact_id, email) VALUES (999, 'ghost@example.com')")
        connection.execute("INSERT INTO merge_record (kind, kept_id, merged_name, merged_at) "
                           "VALUES ('company', 999, 'Gone Inc', '2026-01-01 00:00:00')")
        connection.execute("INSERT INTO import_change (run_id, table_name, row_id, action) VALUES (999, 'contact', 1, 'created')")
    found = checks(cli("doctor", "--json"))
    for name in ("contact aliases", "merges", "import history"):
        assert (found[name]["ok"], found[name]["count"]) == (False, 1), found[name]
    assert found["company aliases"]["ok"]


def test_an_older_file_is_not_faulted_for_tables_its_upgrade_will_add(cli, db):
    shutil.copy(FIXTURES / "schema-v1.db", db)
    db.chmod(0o600)
    found = checks(cli("doctor", "--json"))
    assert found["import history"]["ok"] and found["tables"]["ok"]
    assert "not in this file yet" in found["import history"]["detail"]
