"""A book on a PostgreSQL server (--db postgresql://…): what refuses it, in one line each, and its schema versions.

The commands themselves run on both engines in tests/test_both_engines.py. The server is the
session's throw-away one (tests/pg_server.py).
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from conftest import BOOK
from custview.cli.app import app
from custview.db import schema
from pg_server import PASSWORD, PASSWORD_ROLE


def run(db: str, *args: str, env: dict | None = None):
    return CliRunner().invoke(app, ["--db", db, *args], env=env)


def one_error_line(result) -> str:
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def tables(pg_server, url: str) -> list[str]:
    name = url.split("?")[0].rsplit("/", 1)[1]
    return [row[0] for row in pg_server.sql("SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                                            "ORDER BY 1", name)]


def test_a_password_in_the_url_is_refused_with_where_to_put_it(pg_server, pg_url):
    with_password = pg_url.replace("postgresql:///", "postgresql://postgres:secret@localhost/")
    line = one_error_line(run(with_password, "import", str(BOOK)))
    assert line == ("error: a password in the --db URL is refused (it would show in the process list and shell "
                    "history): put the password in ~/.pgpass (or the file PGPASSFILE names) or use PGSERVICE.")
    assert one_error_line(run(pg_url + "&password=secret", "brief", "Ann")).startswith("error: a password in the")
    assert tables(pg_server, pg_url) == []


def test_an_unreachable_server_is_one_line(tmp_path):
    url = f"postgresql:///book?host={tmp_path}/nowhere"
    line = one_error_line(run(url, "brief", "Ann Lee"))
    assert line.startswith(f"error: cannot reach the PostgreSQL server of {url}: ")
    assert "No such file or directory" in line


def test_a_wrong_password_is_one_line_and_the_right_one_from_pgpass_works(pg_server, pg_url, tmp_path):
    url = pg_url.replace(f"user={pg_server.user}", f"user={PASSWORD_ROLE}")
    passwords = tmp_path / "pgpass"
    passwords.write_text(f"*:*:*:{PASSWORD_ROLE}:wrong\n")
    passwords.chmod(0o600)
    line = one_error_line(run(url, "brief", "Ann Lee", env={"PGPASSFILE": str(passwords)}))
    assert line == (f'error: the server refused the login to {url}: FATAL:  password authentication failed for user '
                    f'"{PASSWORD_ROLE}" password retrieved from file "{passwords}"; put the password in ~/.pgpass (or the file PGPASSFILE names) or use PGSERVICE.')
    passwords.write_text(f"*:*:*:{PASSWORD_ROLE}:{PASSWORD}\n")
    line = one_error_line(run(url, "brief", "Ann Lee", env={"PGPASSFILE": str(passwords)}))
    assert line.startswith("error: No customer data yet at ")  # logged in: the database is simply empty


def test_a_database_that_is_not_custviews_is_refused_and_left_alone(pg_server, pg_url):
    name = pg_url.split("?")[0].rsplit("/", 1)[1]
    pg_server.sql("CREATE TABLE invoices (id integer)", name)
    line = one_error_line(run(pg_url, "import", str(BOOK)))
    assert line == (f"error: {pg_url} is not a custview database (it has other tables); nothing was changed. "
                    "Point --db at an empty database or a custview book.")
    assert tables(pg_server, pg_url) == ["invoices"]


def test_a_book_from_a_newer_custview_is_refused_and_left_alone(pg_server, pg_url):
    assert run(pg_url, "import", str(BOOK)).exit_code == 0
    name = pg_url.split("?")[0].rsplit("/", 1)[1]
    pg_server.sql(f"UPDATE custview_schema SET version = {schema.CURRENT_VERSION + 1}", name)
    for command in (["brief", "Ann Lee"], ["import", str(BOOK)]):
        line = one_error_line(run(pg_url, *command))
        assert line == (f"error: {pg_url} was made by a newer custview (schema version {schema.CURRENT_VERSION + 1}; "
                        f"this one knows up to {schema.CURRENT_VERSION}); nothing was changed. "
                        "Upgrade custview to use it.")
    assert pg_server.sql("SELECT count(*) FROM contact", name) == [(4,)]


def test_a_new_book_records_its_version_on_the_server(pg_server, pg_url):
    assert run(pg_url, "import", str(BOOK)).exit_code == 0
    name = pg_url.split("?")[0].rsplit("/", 1)[1]
    assert pg_server.sql("SELECT version FROM custview_schema", name) == [(schema.CURRENT_VERSION,)]
    assert "custview_schema" in tables(pg_server, pg_url) and "contact" in tables(pg_server, pg_url)


def next_step(apply):
    return schema.Migration(schema.CURRENT_VERSION + 1, "a step written for both engines", apply)


@pytest.fixture
def one_more_step(monkeypatch):
    """Pretend this custview knows one schema step more than the books made so far."""
    def use(apply):
        monkeypatch.setattr(schema, "MIGRATIONS", (*schema.MIGRATIONS, next_step(apply)))
        monkeypatch.setattr(schema, "CURRENT_VERSION", schema.CURRENT_VERSION + 1)
    return use


def test_an_older_book_on_a_server_is_upgraded_by_the_same_steps_in_one_go(pg_server, pg_url, one_more_step):
    assert run(pg_url, "import", str(BOOK)).exit_code == 0
    one_more_step(lambda connection: connection.execute("ALTER TABLE contact ADD COLUMN nickname VARCHAR"))
    brief = run(pg_url, "brief", "Ann Lee")
    assert brief.exit_code == 0, brief.output
    assert brief.stderr == (f"note: upgraded {pg_url} from schema version {schema.CURRENT_VERSION - 1} "
                            f"to {schema.CURRENT_VERSION}\n")
    name = pg_url.split("?")[0].rsplit("/", 1)[1]
    assert pg_server.sql("SELECT version FROM custview_schema", name) == [(schema.CURRENT_VERSION,)]
    assert pg_server.sql("SELECT count(nickname) FROM contact", name) == [(0,)]


def test_a_step_that_fails_on_a_server_changes_nothing(pg_server, pg_url, one_more_step):
    assert run(pg_url, "import", str(BOOK)).exit_code == 0

    def half_done(connection):
        connection.execute("ALTER TABLE contact ADD COLUMN nickname VARCHAR")
        connection.execute("SELECT no_such_function()")

    one_more_step(half_done)
    assert run(pg_url, "brief", "Ann Lee").exit_code == 1
    name = pg_url.split("?")[0].rsplit("/", 1)[1]
    assert pg_server.sql("SELECT version FROM custview_schema", name) == [(schema.CURRENT_VERSION - 1,)]
    assert pg_server.sql("SELECT count(*) FROM information_schema.columns WHERE column_name = 'nickname'",
                         name) == [(0,)]


def test_a_book_copied_to_the_server_and_back_is_the_same_table_by_table(pg_server, pg_url, tmp_path):
    import sqlite3

    from conftest import FIXTURES, dump

    original, back = tmp_path / "book.db", tmp_path / "back.db"
    for path in (BOOK, FIXTURES / "exports" / "hubspot-contacts-duplicates.csv", FIXTURES / "exports" / "signals.tsv"):
        assert run(str(original), "import", str(path)).exit_code == 0
    assert run(str(original), "merge", "ann.lee@acme.example", "ann.lee+events@acme.example", "--yes").exit_code == 0
    assert run(str(original), "undo-import", "3").exit_code == 0
    for step in (("add", "member", "Maya Singh", "--team", "sales"),
                 ("add", "criterion", "Acme Analytics", "Audit turnaround", "--target", "2 days"),
                 ("handoff", "--company", "Acme Analytics", "--to", "Maya Singh", "--out", str(tmp_path / "acme.md"))):
        assert run(str(original), *step).exit_code == 0, step
    to_server = run(str(original), "copy", "--to", pg_url, "--json")
    assert to_server.exit_code == 0, to_server.output
    assert '"contact": 7' in to_server.stdout and '"import_run": 3' in to_server.stdout
    from_server = run(str(back), "copy", "--from", pg_url)
    assert from_server.exit_code == 0, from_server.output
    assert dump(back, history=True) == dump(original, history=True)
    assert dump(back)["handover"] and dump(back)["success_criterion"]  # what the team recorded came too
    # all of it: the rows `copy --json` counted (members, owners, a criterion and a hand-over among them)
    assert sum(map(len, dump(back, history=True).values())) == sum(json.loads(to_server.stdout)["tables"].values()) == 64
    # ids go on where they stopped, on the server too (its sequences were moved past the copied ids)
    for db in (pg_url, str(back)):
        assert run(db, "add", "contact", "Zoe New", "--email", "zoe@new.example").exit_code == 0
    name = pg_url.split("?")[0].rsplit("/", 1)[1]
    with sqlite3.connect(back) as connection:
        assert connection.execute("SELECT id FROM contact WHERE name = 'Zoe New'").fetchall() == [(9,)]
    assert pg_server.sql("SELECT id FROM contact WHERE name = 'Zoe New'", name) == [(9,)]


def test_copy_refuses_a_target_that_already_holds_a_book(pg_url, tmp_path):
    book = tmp_path / "book.db"
    assert run(str(book), "import", str(BOOK)).exit_code == 0
    assert run(pg_url, "import", str(BOOK)).exit_code == 0
    line = one_error_line(run(str(book), "copy", "--to", pg_url))
    assert line == (f"error: {pg_url} already holds a book: copy only into a new file or an empty database; "
                    "nothing was copied.")


def test_a_read_only_role_runs_every_read_command_and_a_write_is_one_line(pg_server, pg_url, tmp_path):
    assert run(pg_url, "import", str(BOOK)).exit_code == 0
    name = pg_url.split("?")[0].rsplit("/", 1)[1]
    pg_server.sql("DO $$ BEGIN CREATE ROLE custview_reader LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$")
    pg_server.sql("GRANT SELECT ON ALL TABLES IN SCHEMA public TO custview_reader", name)
    reader = pg_url.replace(f"user={pg_server.user}", "user=custview_reader")
    for command in (["brief", "Ann Lee"], ["attention"], ["contacts"], ["companies"], ["tickets"], ["pipeline"],
                    ["timeline", "Ann Lee"], ["today"], ["imports"], ["duplicates"], ["next-steps"], ["doctor"],
                    ["export", "--out", str(tmp_path)], ["handoff", "Ann Lee"]):
        result = run(reader, *command)
        assert result.exit_code == 0, (command, result.output)
    line = one_error_line(run(reader, "log", "Ann Lee", "-p", "Call", "-o", "Fine"))
    assert line.startswith(f"error: cannot use the database at {reader}: permission denied for ")


def test_a_dry_run_into_an_empty_server_database_creates_nothing(pg_server, pg_url):
    result = run(pg_url, "import", str(BOOK), "--dry-run")
    assert result.exit_code == 0, result.output
    assert tables(pg_server, pg_url) == []


def test_tls_settings_in_the_url_go_to_libpq(pg_server, pg_url):
    assert run(f"{pg_url}&sslmode=disable", "import", str(BOOK)).exit_code == 0
    assert "Ann Lee" in run(f"{pg_url}&sslmode=disable", "brief", "Ann Lee").stdout
    name = pg_url.split("?")[0].rsplit("/", 1)[1]
    over_tcp = f"postgresql://127.0.0.1:1/{name}?sslmode=require&connect_timeout=5"  # the test server has no TCP port
    assert one_error_line(run(over_tcp, "brief", "Ann Lee")).startswith(
        f"error: cannot reach the PostgreSQL server of {over_tcp}: ")
    line = one_error_line(run(f"{pg_url}&sslmode=sometimes", "brief", "Ann Lee"))
    assert line.startswith("error: cannot reach the PostgreSQL server of ") and 'invalid sslmode value: "sometimes"' in line


@pytest.fixture
def pg_book(pg_server, pg_url, pg_book_template) -> str:
    """`pg_url` holding tests/fixtures/book.yaml (copied from the session's template)."""
    name = pg_url.split("?")[0].rsplit("/", 1)[1]
    pg_server.sql(f"DROP DATABASE {name}")
    pg_server.sql(f"CREATE DATABASE {name} TEMPLATE {pg_book_template}")
    return pg_url


def statements_run_by(monkeypatch, action, *arguments) -> list[tuple[str, tuple]]:
    """Every statement the reader sends to the server while `action(*arguments)` runs, with its parameters."""
    from custview.db import dialect

    sent, execute = [], dialect._Cursor.execute
    def recorded(cursor, sql, parameters=()):
        sent.append((sql, parameters))
        return execute(cursor, sql, parameters)

    monkeypatch.setattr(dialect._Cursor, "execute", recorded)
    action(*arguments)
    monkeypatch.undo()
    return sent


def whole_reads(plan: dict) -> list[str]:
    """The scans in a plan (EXPLAIN's JSON) that read a whole table or index instead of searching it."""
    found = []
    if plan["Node Type"] == "Seq Scan" or (plan["Node Type"].endswith("Index Scan") or plan["Node Type"] ==
                                          "Index Only Scan") and "Index Cond" not in plan:
        found.append(f"{plan['Node Type']} on {plan.get('Relation Name', plan.get('Index Name'))}")
    return found + [line for child in plan.get("Plans", []) for line in whole_reads(child)]


def test_the_brief_and_finding_a_company_on_a_server_search_an_index_in_every_table_they_read(pg_book, monkeypatch):
    from custview.cli.commands._common import brief_contact
    from custview.dates import utc_now
    from custview.db.reader import Reader

    reader = Reader.open(pg_book)
    reader.query("SELECT 1")  # connected (the version check, one row, is not the brief's)
    reader.query("SET enable_seqscan = off")  # a tiny table is read whole only where no index can serve

    def brief(name: str) -> None:
        brief_contact(reader, reader.find_contacts(name)[0], utc_now())

    for action, name in ((brief, "Ann Lee"), (brief, "ann.lee@acme.example"), (reader.find_companies, "acme analytics")):
        sent = statements_run_by(monkeypatch, action, name)
        if action is brief:
            assert len(sent) > 15 and {"signal", "ticket", "attendee", "next_step", "handover"} <= {
                word for sql, _ in sent for word in sql.replace(",", " ").split()}
        plans = [reader.query(f"EXPLAIN (FORMAT JSON) {sql}", parameters)[0][0] for sql, parameters in sent]
        assert [line for plan in plans for line in whole_reads(json.loads(plan)[0]["Plan"])] == [], name
    reader.close()


def test_a_readers_session_refuses_writes_even_for_the_books_owner(pg_book):
    import psycopg

    from custview.db.reader import Reader

    reader = Reader.open(pg_book)
    with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
        reader.query("UPDATE contact SET title = 'changed' WHERE name = 'Ann Lee'")
    assert reader.query("SELECT title FROM contact WHERE name = 'Ann Lee'") == [("Head of Data",)]
    reader.close()
