"""Schema versions: an older database is upgraded after a backup, a newer one is refused untouched.

tests/fixtures/schema-v1.db was made by the foundation-era custview (commit 4c83a85, the first
schema, user_version 0) from tests/fixtures/schema-v1.yaml.
"""

import shutil
import sqlite3
import subprocess

from conftest import BOOK, FIXTURES, installed_custview

from custview.db import schema

SCHEMA_V1 = FIXTURES / "schema-v1.db"


def pragma(db, name):
    with sqlite3.connect(db) as connection:
        return connection.execute(f"PRAGMA {name}").fetchone()[0]


def index_names(db):
    with sqlite3.connect(db) as connection:
        return {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}


def notes(stderr):
    return [line for line in stderr.splitlines() if line.startswith("note:")]


def test_the_fixture_is_a_first_schema_database():
    assert pragma(SCHEMA_V1, "user_version") == 0
    assert pragma(SCHEMA_V1, "application_id") == 0


def test_an_older_database_is_backed_up_then_upgraded_and_its_data_read(cli, db):
    shutil.copy(SCHEMA_V1, db)
    original = SCHEMA_V1.read_bytes()

    result = cli("brief", "Vera Lind", "--full")

    assert result.exit_code == 0, result.output
    for fact in ("Vera Lind", "Old Mill Bakery", "Scope a pilot in the Mill Street shop", "Send the pilot plan",
                 "Can we also track flour deliveries?", "Stock signals for small retail"):
        assert fact in result.stdout
    backup = db.with_name("book.db.bak-1")
    assert notes(result.stderr) == [f"note: upgraded {db} from schema version 1 to {schema.CURRENT_VERSION}; "
                                    f"the previous file is kept as {backup}"]
    assert backup.read_bytes() == original
    assert backup.stat().st_mode & 0o777 == 0o600
    assert pragma(db, "user_version") == schema.CURRENT_VERSION
    assert pragma(db, "application_id") == schema.APPLICATION_ID

    again = cli("contacts")
    assert again.exit_code == 0 and "Tom Okafor" in again.stdout
    assert notes(again.stderr) == []
    assert sorted(p.name for p in db.parent.glob("book.db.bak*")) == ["book.db.bak-1"]


def test_an_upgraded_database_takes_new_records(cli, db):
    shutil.copy(SCHEMA_V1, db)
    logged = cli("log", "Tom Okafor", "-p", "Walk through the stock screen", "-o", "He liked it")
    assert logged.exit_code == 0, logged.output
    assert len(notes(logged.stderr)) == 1
    with sqlite3.connect(db) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert connection.execute("SELECT count(*) FROM appointment").fetchone() == (2,)


def test_an_earlier_backup_is_never_overwritten(cli, db):
    shutil.copy(SCHEMA_V1, db)
    db.with_name("book.db.bak-1").write_bytes(b"an older backup the user kept")
    result = cli("contacts")
    assert result.exit_code == 0, result.output
    assert db.with_name("book.db.bak-1").read_bytes() == b"an older backup the user kept"
    assert db.with_name("book.db.bak-1.2").read_bytes() == SCHEMA_V1.read_bytes()
    assert "book.db.bak-1.2" in notes(result.stderr)[0]


def test_the_upgrade_adds_tables_and_indexes_the_models_declare(cli, db):
    shutil.copy(SCHEMA_V1, db)
    with sqlite3.connect(db) as connection:
        connection.execute("DROP INDEX ix_note_contact_id")
        connection.execute("DROP TABLE service")
    assert "ix_note_contact_id" not in index_names(db)
    assert cli("contacts").exit_code == 0
    assert {"ix_note_contact_id", "ix_service_company_id"} <= index_names(db)
    with sqlite3.connect(db) as connection:
        assert connection.execute("SELECT count(*) FROM service").fetchone() == (0,)


def test_a_failed_upgrade_leaves_the_database_as_it_was(cli, db, monkeypatch):
    shutil.copy(SCHEMA_V1, db)

    def half_done_then_broken(connection):
        connection.execute("DELETE FROM signal")
        connection.execute("ALTER TABLE signal ADD COLUMN topics JSON")  # already there: SQLite refuses

    broken = schema.Migration(schema.CURRENT_VERSION, "a step that fails half-way", half_done_then_broken)
    monkeypatch.setattr(schema, "MIGRATIONS", (broken,))
    result = cli("contacts")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"error: cannot upgrade {db} from schema version 1 to {schema.CURRENT_VERSION}: duplicate column name: "
        "topics; the database was not changed."]
    assert pragma(db, "user_version") == 0
    with sqlite3.connect(db) as connection:
        assert connection.execute("SELECT count(*) FROM signal").fetchone() == (3,)
    monkeypatch.undo()
    assert cli("contacts").exit_code == 0  # and the next try upgrades it
    assert pragma(db, "user_version") == schema.CURRENT_VERSION


def test_a_database_from_a_newer_custview_is_refused_and_left_untouched(cli, book):
    with sqlite3.connect(book) as connection:
        connection.execute(f"PRAGMA user_version = {schema.CURRENT_VERSION + 1}")
    before = book.read_bytes()
    for command in (("brief", "Ann Lee"), ("contacts",), ("import", str(BOOK)), ("log", "Ann Lee", "-p", "Call")):
        result = cli(*command)
        assert result.exit_code == 1, command
        assert result.stderr.splitlines() == [
            f"error: {book} was made by a newer custview (schema version {schema.CURRENT_VERSION + 1}; this one "
            f"knows up to {schema.CURRENT_VERSION}); nothing was changed. Upgrade custview to use it."]
        assert book.read_bytes() == before
    assert not list(book.parent.glob("book.db.bak*"))


def test_another_programs_sqlite_file_is_refused_and_left_untouched(cli, db):
    with sqlite3.connect(db) as connection:
        connection.execute("CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT)")
        connection.execute("INSERT INTO moz_places (url) VALUES ('https://example.com')")
    before = db.read_bytes()
    result = cli("import", str(BOOK))
    assert result.exit_code == 1
    assert "is not a custview database; nothing was changed" in result.stderr
    assert db.read_bytes() == before


def test_a_new_database_gets_the_current_version(cli, db):
    assert cli("import", str(BOOK)).exit_code == 0
    assert schema.CURRENT_VERSION >= 2
    assert pragma(db, "user_version") == schema.CURRENT_VERSION
    assert pragma(db, "application_id") == schema.APPLICATION_ID
    assert not list(db.parent.glob("book.db.bak*"))


def test_two_processes_opening_an_older_database_upgrade_it_once(db):
    shutil.copy(SCHEMA_V1, db)
    command = [installed_custview(), "--db", str(db), "brief", "Vera Lind"]
    both = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [(*process.communicate(timeout=120), process.returncode) for process in both]
    assert [code for _, _, code in results] == [0, 0], results
    assert sum(len(notes(err)) for _, err, _ in results) == 1
    assert sorted(p.name for p in db.parent.glob("book.db.bak*")) == ["book.db.bak-1"]
    assert db.with_name("book.db.bak-1").read_bytes() == SCHEMA_V1.read_bytes()

