"""Shared fixtures: every test gets its own data folder and database; the user's real ones are never touched."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from custview.cli import terminal
from custview.cli.app import app

FIXTURES = Path(__file__).parent / "fixtures"
BOOK = FIXTURES / "book.yaml"


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path, monkeypatch):
    """Point every default location at a temporary folder and fix the terminal width."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.delenv("CUSTVIEW_DB", raising=False)
    monkeypatch.delenv("CUSTVIEW_ME", raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    fresh_consoles()


def fresh_consoles() -> None:
    """Have the next output make its consoles afresh: they are made once per process and keep the
    width (COLUMNS) they were made with."""
    terminal.console.cache_clear()
    terminal.error_console.cache_clear()


@pytest.fixture
def db(tmp_path) -> Path:
    """A database path that does not exist yet."""
    return tmp_path / "book.db"


@pytest.fixture
def cli(db):
    """Run custview in-process against the test database: cli("brief", "Ann")."""
    runner = CliRunner()

    def run(*args: str, input: str | None = None):
        return runner.invoke(app, ["--db", str(db), *args], input=input)

    return run


@pytest.fixture(scope="session")
def imported_books(tmp_path_factory):
    """tests/fixtures/book.yaml imported once per session and clock: `imported_books()` is the file for the
    clock the test runs at (CUSTVIEW_NOW as set now, or the real one), made on first use."""
    made: dict[str | None, Path] = {}

    def for_this_clock() -> Path:
        clock = os.environ.get("CUSTVIEW_NOW")
        if clock not in made:
            path = tmp_path_factory.mktemp("imported_book") / "book.db"
            result = run(path, "import", str(BOOK))
            assert result.exit_code == 0, result.output
            made[clock] = path
        return made[clock]

    return for_this_clock


@pytest.fixture
def book(imported_books, db):
    """The test database with tests/fixtures/book.yaml imported (a copy of the session's import at this clock)."""
    shutil.copy(imported_books(), db)
    return db


def dump(db: Path, history: bool = False) -> dict[str, list[tuple]]:
    """Every row of every table (with the import history only if asked), to compare a database before and after.

    SQLite's own bookkeeping (sqlite_sequence: ids are never given twice) is left out.
    """
    if not db.exists():
        return {}
    with sqlite3.connect(db) as connection:
        tables = [r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")
                  if (history or not r[0].startswith("import_")) and not r[0].startswith("sqlite_")]
        return {t: connection.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall() for t in tables}


def installed_custview() -> str:
    beside_python = Path(sys.executable).parent / "custview"
    found = str(beside_python) if beside_python.exists() else shutil.which("custview")
    assert found, "the custview executable is not installed (pip install .)"
    return found


def run_installed(*args, env_extra=None):
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run([installed_custview(), *args], capture_output=True, text=True, env=env, timeout=120)


def answer_on_a_terminal(db: Path, *args: str, answer: str):
    """Run the installed custview with a real terminal on stdin and type `answer` at its question.

    Returns (exit code, stdout, stderr).
    """
    controller, terminal = os.openpty()
    try:
        process = subprocess.Popen([installed_custview(), "--db", str(db), *args], stdin=terminal,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        os.write(controller, answer.encode() + b"\n")
        out, err = process.communicate(timeout=120)
    finally:
        os.close(terminal)
        os.close(controller)
    return process.returncode, out, err


# -- helpers shared by the reliability and refusal tests ------------------------------------------

def run(db, *args, input=None):
    """custview in-process against the database at `db`."""
    return CliRunner().invoke(app, ["--db", str(db), *args], input=input)


def assert_doctor_clean(db):
    """`doctor` finds nothing wrong with the database at `db`."""
    result = run(db, "doctor")
    assert result.exit_code == 0, result.output


def assert_one_clean_error(result, *fragments):
    """A failure told in exactly one line on stderr (holding each fragment), never a traceback."""
    assert result.exit_code != 0, result.output
    assert "Traceback" not in result.output and result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


def as_json(result):
    """What a command printed with --json, once it succeeded."""
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def write(tmp_path, name, text):
    """A file under `tmp_path` holding `text` (dedented), for commands that read files."""
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def date_paths(tmp_path, moment: str) -> list[tuple[str, ...]]:
    """Every way a date reaches custview (files, options, filters): the arguments of each, with the
    files they need written under `tmp_path`. The refusal and property tests run each one."""
    yaml_signal = write(tmp_path, "signal.yaml", f"signals:\n  - {{contact: Ann Lee, kind: content, title: X, "
                                                 f"at: '{moment}'}}\n")
    yaml_stage = write(tmp_path, "stage.yaml", f"contacts:\n  - name: Ann Lee\n    email: ann.lee@acme.example\n"
                                               f"    stage_history: [{{stage: Buyer, at: '{moment}'}}]\n")
    json_note = tmp_path / "note.json"
    json_note.write_text(json.dumps({"notes": [{"contact": "Ann Lee", "text": "x", "at": moment}]}))
    csv_signal = tmp_path / "signals.csv"
    csv_signal.write_text(f"contact,kind,title,at\nann.lee@acme.example,content,X,{moment}\n")
    return [
        ("import", str(yaml_signal)), ("import", str(yaml_stage)), ("import", str(json_note)),
        ("import", str(csv_signal), "--kind", "signals", "--from", "custview"),
        ("add", "signal", "Ann Lee", "--kind", "form", "--title", "X", "--at", moment),
        ("brief", "Ann Lee", "--as-of", moment),
        ("stage", "set", "Ann Lee", "Buyer", "--when", moment),
        ("log", "Ann Lee", "-p", "Review", "-o", "Fine", "--when", moment),
        ("ticket", "close", "T-1", "--when", moment),
        ("timeline", "Ann Lee", "--since", moment),
    ]


# -- the sample book, imported once at the docs' pinned moment -------------------------------------

PINNED_NOW = "2026-06-15T09:00:00Z"  # a Monday, as in the docs' sessions


@pytest.fixture(scope="session")
def pinned_sample_book(tmp_path_factory) -> Path:
    """The sample book imported once with the clock at PINNED_NOW; use `pinned_sample` for a copy."""
    from custview.sample import sample_path

    path = tmp_path_factory.mktemp("pinned_sample") / "sample.db"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CUSTVIEW_NOW", PINNED_NOW)
        patch.setenv("TZ", "UTC")
        result = run(path, "import", str(sample_path()))
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture
def pinned_clock(monkeypatch):
    """The clock at PINNED_NOW, in UTC (as in the docs' sessions), for the test and the code it runs."""
    monkeypatch.setenv("CUSTVIEW_NOW", PINNED_NOW)
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture(scope="session")
def built_yaml_books(tmp_path_factory):
    """Books made from YAML texts, each imported once per session at PINNED_NOW: built_yaml_books(TEXT) -> path."""
    built: dict[str, Path] = {}

    def build(text: str) -> Path:
        if text not in built:
            folder = tmp_path_factory.mktemp("yaml_book")
            (folder / "book.yaml").write_text(text, encoding="utf-8")
            with pytest.MonkeyPatch.context() as patch:
                patch.setenv("CUSTVIEW_NOW", PINNED_NOW)
                result = run(folder / "book.db", "import", str(folder / "book.yaml"))
            assert result.exit_code == 0, result.output
            built[text] = folder / "book.db"
        return built[text]

    return build


@pytest.fixture
def book_from_yaml(built_yaml_books, db, pinned_clock):
    """book_from_yaml(TEXT): the test database (`cli` runs against it) holds a copy of the book TEXT describes."""
    def copy(text: str) -> Path:
        shutil.copy(built_yaml_books(text), db)
        return db

    return copy


@pytest.fixture
def pinned_sample(pinned_sample_book, db, monkeypatch) -> Path:
    """A copy of the sample book as the test database (`cli` runs against it), the clock at PINNED_NOW."""
    shutil.copy(pinned_sample_book, db)
    monkeypatch.setenv("CUSTVIEW_NOW", PINNED_NOW)
    monkeypatch.setenv("TZ", "UTC")
    return db


# -- PostgreSQL: one throw-away server per session, one fresh database per test (see tests/pg_server.py) --------

@pytest.fixture(scope="session")
def pg_server():
    """The session's PostgreSQL server; fails (never skips) when it cannot start, unless CUSTVIEW_PG_TESTS=off."""
    from pg_server import PostgresServer, server_binaries

    if os.environ.get("CUSTVIEW_PG_TESTS") == "off":
        pytest.skip("CUSTVIEW_PG_TESTS=off: the PostgreSQL tests are switched off")
    binaries = server_binaries()
    if binaries is None:
        pytest.fail("no PostgreSQL server binaries (install Debian's postgresql package, or set CUSTVIEW_PG_BIN; "
                    "CUSTVIEW_PG_TESTS=off skips these tests)")
    server = PostgresServer(binaries)
    try:
        server.start()
    except Exception as error:  # whatever went wrong (psycopg missing too), the server must not outlive the run
        server.stop()
        pytest.fail(f"the PostgreSQL test server did not start: {error}")
    yield server
    server.stop()


_databases = iter(range(1, 1_000_000))


@pytest.fixture
def pg_url(pg_server) -> str:
    """The URL of a new, empty database on the session's server, dropped after the test."""
    name = f"book_{os.getpid()}_{next(_databases)}"
    pg_server.sql(f"CREATE DATABASE {name}")
    yield pg_server.url(name)
    pg_server.sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(scope="session")
def pg_book_template(pg_server) -> str:
    """A database on the session's server with tests/fixtures/book.yaml imported once: the template of `pg_book`."""
    pg_server.sql("CREATE DATABASE book_template")
    result = CliRunner().invoke(app, ["--db", pg_server.url("book_template"), "import", str(BOOK)],
                                env={"CUSTVIEW_NOW": PINNED_NOW})
    assert result.exit_code == 0, result.output
    # A template cannot be copied while connected to: close what the import's pool kept open.
    pg_server.sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'book_template'")
    return "book_template"


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, monkeypatch) -> str:
    """Each engine a book can live on, in turn: a test using it runs once on SQLite, once on PostgreSQL.

    The clock is pinned (at PINNED_NOW), as when the PostgreSQL template book was made.
    """
    monkeypatch.setenv("CUSTVIEW_NOW", PINNED_NOW)
    return request.param


@pytest.fixture
def engine_db(engine, tmp_path, request) -> str:
    """A --db value for a book that does not exist yet, on the engine of the test."""
    return str(tmp_path / "book.db") if engine == "sqlite" else request.getfixturevalue("pg_url")


@pytest.fixture
def engine_cli(engine_db):
    """Run custview in-process against `engine_db`: engine_cli("brief", "Ann")."""
    runner = CliRunner()
    return lambda *args, input=None: runner.invoke(app, ["--db", engine_db, *args], input=input)


@pytest.fixture
def engine_book(engine, engine_db, engine_cli, request) -> str:
    """`engine_db` with tests/fixtures/book.yaml imported (on PostgreSQL, copied from a template made once)."""
    if engine == "sqlite":
        shutil.copy(request.getfixturevalue("imported_books")(), engine_db)
        return engine_db
    server, template = request.getfixturevalue("pg_server"), request.getfixturevalue("pg_book_template")
    name = engine_db.split("?")[0].rsplit("/", 1)[1]
    server.sql(f"DROP DATABASE {name}")
    server.sql(f"CREATE DATABASE {name} TEMPLATE {template}")
    return engine_db
