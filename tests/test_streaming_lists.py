"""Long lists print as their rows are read: --limit, --json (one array) and --jsonl (one object a line)."""

import json
import os
import shutil
import sqlite3
import subprocess
import sys

import pytest
from test_book_facts import CONTACTS, write_random_book

from conftest import run


@pytest.fixture(scope="session")
def big_book_file(tmp_path_factory):
    """A random book of 2,000 contacts, more than one batch of rows (written straight into the tables once)."""
    path = tmp_path_factory.mktemp("big_list") / "book.db"
    write_random_book(path)
    return path


@pytest.fixture
def big_book(big_book_file, db):
    shutil.copy(big_book_file, db)
    return db


def test_limit_jsonl_and_json_on_the_sample(pinned_sample):
    lines = run(pinned_sample, "contacts", "--limit", "2", "--jsonl").stdout.splitlines()
    assert [json.loads(line)["name"] for line in lines] == ["Aisha Bello", "Ben Carter"]
    steps = json.loads(run(pinned_sample, "next-steps", "-n", "1", "--json").stdout)
    assert [(step["id"], step["owner"]) for step in steps] == [("S12", "Dana Ortiz")]
    shown = run(pinned_sample, "next-steps", "--limit", "2").stdout
    assert "S12" in shown and "S11" in shown and "S8 " not in shown
    assert shown.rstrip().endswith("2 open next steps, 2 overdue")
    assert run(pinned_sample, "contacts", "--search", "nobody like this", "--json").stdout == "[]\n"


def test_a_long_list_prints_every_row_once_under_one_header(big_book):
    result = run(big_book, "contacts")
    lines = result.stdout.splitlines()
    assert result.exit_code == 0
    assert lines[0].split() == ["Name", "Title", "Company", "Stage", "In", "stage", "Email"]
    assert [line.split()[1] for line in lines[2:-1]] == sorted(str(n) for n in range(1, CONTACTS + 1))
    assert lines[-1] == f"{CONTACTS} contacts"
    assert sum(line.startswith("Name") for line in lines) == 1


def test_json_and_jsonl_stream_the_same_rows(big_book):
    array = json.loads(run(big_book, "contacts", "--json").stdout)
    lines = [json.loads(line) for line in run(big_book, "contacts", "--jsonl").stdout.splitlines()]
    assert len(array) == CONTACTS and lines == array
    assert len(json.loads(run(big_book, "contacts", "--json", "--limit", "250").stdout)) == 250
    assert len(run(big_book, "contacts", "--limit", "250").stdout.splitlines()) == 2 + 250 + 1


def test_on_a_terminal_a_long_list_has_the_same_lines_in_colour():
    from datetime import datetime, timezone
    from types import SimpleNamespace as Row

    from custview.cli.render_lists import ContactsDrawing

    since = datetime(2026, 1, 1, tzinfo=timezone.utc)
    rows = [Row(name=f"Person {n}", title="CFO", email=f"p{n}@x.example", stage="Buyer", stage_since=since,
                company="Acme") for n in range(1, 4)]
    plain, styled = ContactsDrawing(since), ContactsDrawing(since)
    plain.styled = False
    lines = plain.batch(rows)
    coloured = styled.batch(rows)
    assert isinstance(lines, str) and coloured.plain == lines  # unstyled: only the text, nothing to place
    assert lines.splitlines()[2].startswith("Person 1  ")
    bold = [coloured.plain[span.start:span.end] for span in coloured.spans if span.style == "bold"]
    assert bold == ["Name", "Title", "Company", "Stage", "In stage", "Email", "Person 1", "Person 2", "Person 3"]


def test_a_long_list_to_a_pipe_is_written_without_rich_and_shows_control_characters(big_book):
    """Piped, a long list is plain text laid out without loading Rich; a name holding a terminal escape
    shows it as a visible code in its row."""
    with sqlite3.connect(big_book) as connection:
        connection.execute("UPDATE contact SET name = ? WHERE id = 7", ("Person 7\x1b[2J",))
    probe = ("import sys\n"
             "from custview.cli.app import main\n"
             "try:\n"
             "    main()\n"
             "finally:\n"
             "    print('RICH' if 'rich' in sys.modules else 'NO RICH', file=sys.stderr)\n")
    result = subprocess.run([sys.executable, "-c", probe, "--db", str(big_book), "contacts"], capture_output=True,
                            text=True, timeout=120, env={**os.environ, "COLUMNS": "100"})
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip().splitlines()[-1] == "NO RICH"
    lines = result.stdout.splitlines()
    assert len(lines) == 2 + CONTACTS + 1 and lines[-1] == f"{CONTACTS} contacts"
    escaped = next(line for line in lines if line.startswith("Person 7\\x1b[2J"))
    assert "\x1b" not in result.stdout
    assert escaped.split()[-1] == "p7@x.example"


def test_every_long_list_written_to_a_pipe_ends_with_its_count(big_book):
    """Each list command, given more rows than one batch, writes them all as plain lines and its closing line."""
    with sqlite3.connect(big_book) as connection:
        connection.executemany("INSERT INTO company (name) VALUES (?)", [(f"Extra {n}",) for n in range(1, 101)])
    accounts = run(big_book, "companies")
    assert accounts.exit_code == 0, accounts.output
    assert accounts.stdout.splitlines()[-1] == "250 accounts"
    assert sum(line.startswith("Extra ") for line in accounts.stdout.splitlines()) == 100
    steps = run(big_book, "next-steps")
    assert steps.exit_code == 0, steps.output
    assert len(steps.stdout.splitlines()) > 200 and "open next steps" in steps.stdout.splitlines()[-1]
