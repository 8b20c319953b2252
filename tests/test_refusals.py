"""Refused cleanly (issue 13, items 11, 13 and 15): input that used to give a traceback, garbled the
terminal or was stored as nonsense is one clear line now, or shown as visible codes; the database
stays exactly as it was.
"""

from __future__ import annotations

import sqlite3

import pytest

from conftest import assert_doctor_clean, assert_one_clean_error, date_paths, dump, run, write


# -- 13: a #number beyond SQLite's integer range is "no such record", not a traceback ----------------

HUGE = "#" + "9" * 30


@pytest.mark.parametrize("args, fragment", [
    (("show", "company", HUGE), "No record #999"),
    (("ticket", "close", HUGE), "No ticket #999"),
    (("ticket", "close", "#²"), "No ticket '#²'"),
    (("undo-import", "9" * 30), "No import #999"),
    (("merge", HUGE, "Ann Lee", "--yes"), "No record #999"),
])
def test_a_number_too_large_for_any_record_is_one_clean_line(book, args, fragment):
    before = dump(book, history=True)
    result = run(book, *args)
    assert_one_clean_error(result, fragment)
    assert dump(book, history=True) == before


# -- 11: dates at the edges of the calendar are one clean error on every path -------------------------

EDGE_DATES = ["0001-01-01", "9999-12-31T23:00:00-05:00", "0001-01-01T00:00:00+01:00", "9999-12-31", "+9000y"]


@pytest.mark.parametrize("moment", EDGE_DATES)
def test_a_date_at_the_edge_of_the_calendar_is_one_clean_error_everywhere(book, tmp_path, moment):
    before = dump(book, history=True)
    for args in date_paths(tmp_path, moment):
        result = run(book, *args)
        assert_one_clean_error(result)
        assert "date out of range" in result.stderr or "unreadable date '+9000y'" in result.stderr, args
        assert dump(book, history=True) == before, args
    assert_doctor_clean(book)


def test_brief_as_of_the_second_day_of_the_calendar_is_refused(book):
    assert_one_clean_error(run(book, "brief", "Ann Lee", "--as-of", "0001-01-02"),
                           "--as-of: date out of range: 0001-01-02 (custview keeps dates from 1900 to 2199)")


def test_a_stage_move_in_the_future_is_refused(book):
    before = dump(book)
    assert_one_clean_error(run(book, "stage", "set", "Ann Lee", "Buyer", "--when", "2150-01-01"),
                           "--when: '2150-01-01' is in the future")
    assert dump(book) == before


# -- 15: the smaller holes ----------------------------------------------------------------------------

def test_bidi_overrides_and_zero_width_characters_are_shown_as_codes(book, tmp_path):
    path = write(tmp_path, "bidi.yaml", 'contacts:\n  - {name: "Mal\\u202eyroL\\u200b Kay", email: mal@x.example}\n')
    assert run(book, "import", str(path)).exit_code == 0
    shown = run(book, "contacts").stdout
    assert "Mal\\u202eyroL\\u200b Kay" in shown
    assert "\u202e" not in shown and "\u200b" not in shown


@pytest.mark.parametrize("name", ["Two\nLines", "Two\u2028Lines"])
def test_a_name_with_a_line_break_is_refused(book, name):
    before = dump(book)
    result = run(book, "add", "contact", name, "--email", "two@x.example")
    assert_one_clean_error(result, "a name is one line")
    assert dump(book) == before


@pytest.mark.parametrize("attendee, why", [(":", "no name"), (":sponsor", "no name"), ("A\nB:lead", "one line")])
def test_log_refuses_an_attendee_without_a_one_line_name(book, attendee, why):
    before = dump(book)
    result = run(book, "log", "Ann Lee", "-p", "Review", "-o", "Fine", "--attendee", attendee)
    assert_one_clean_error(result, "--attendee", why)
    assert dump(book) == before


def test_a_write_that_waits_in_vain_says_an_import_holds_the_book_and_how_long_it_waited(book, monkeypatch):
    from custview.db import connection

    monkeypatch.setattr(connection, "BUSY_TIMEOUT_SECONDS", 1)
    monkeypatch.setitem(connection.EVERY_CONNECTION, "busy_timeout", 1000)
    locker = sqlite3.connect(book, isolation_level=None)
    with connection.holding(book, "import"):
        locker.execute("BEGIN IMMEDIATE")
        result = run(book, "add", "company", "Initech")
        locker.execute("ROLLBACK")
    locker.close()
    assert_one_clean_error(result, f"{book}: an import (process ", ") holds the book since ", "; waited 1 s.")
    assert "Initech" not in repr(dump(book)["company"])


def test_namesakes_without_email_are_listed_with_their_company_and_picked_by_id(book, tmp_path):
    twins = write(tmp_path, "twins.yaml", """
        companies: [{name: Initech}, {name: Globex}]
        contacts: [{name: Jo Smith, company: Initech}, {name: Jo Smith, company: Globex}]
    """)
    assert run(book, "import", str(twins)).exit_code == 0
    ambiguous = run(book, "brief", "Jo Smith")
    assert ambiguous.exit_code == 2
    listed = [line.split() for line in ambiguous.stderr.splitlines() if "Jo Smith ·" in line]
    assert [words[4] for words in listed] == ["Initech", "Globex"]  # "1. Jo Smith · Initech  Audience  #ID"
    ids = [words[-1] for words in listed]
    assert all(i.startswith("#") for i in ids) and len(set(ids)) == 2
    picked = run(book, "brief", ids[1])
    assert picked.exit_code == 0 and "Globex" in picked.stdout and "Initech" not in picked.stdout


def test_log_on_a_zero_byte_file_writes_nothing(tmp_path):
    empty = tmp_path / "empty.db"
    empty.touch()
    result = run(empty, "log", "Ann Lee", "-p", "Review", "-o", "Fine")
    assert_one_clean_error(result, "No customer data yet")
    assert empty.stat().st_size == 0


def test_doctor_on_another_program_s_sqlite_file_says_only_that_it_is_not_custview_s(tmp_path):
    foreign = tmp_path / "photos.db"
    with sqlite3.connect(foreign) as connection:
        connection.execute("CREATE TABLE album (id INTEGER PRIMARY KEY, title TEXT)")
    foreign.chmod(0o600)
    result = run(foreign, "doctor")
    assert result.exit_code == 1
    assert "is not a custview database" in result.stdout
    assert "to be added by the upgrade" not in result.stdout and "signals" not in result.stdout


def without_write_permission(*args):
    """Run the installed custview as a user the file system refuses writes to (root without its override)."""
    import os
    import shutil
    import subprocess

    from conftest import installed_custview

    command = [installed_custview(), *args]
    if os.geteuid() == 0:
        if not shutil.which("capsh"):
            pytest.skip("running as root without capsh: a read-only folder cannot be made")
        command = ["capsh", "--drop=cap_dac_override,cap_dac_read_search", "--", "-c",
                   " ".join(f"'{part}'" for part in command)]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def test_reads_work_in_a_read_only_folder(book, tmp_path):
    folder = tmp_path / "readonly"
    folder.mkdir()
    copy = folder / "book.db"
    source, target = sqlite3.connect(book), sqlite3.connect(copy)
    source.backup(target)
    target.execute("PRAGMA journal_mode = WAL")
    source.close(), target.close()
    copy.chmod(0o600)
    folder.chmod(0o500)
    try:
        brief = without_write_permission("--db", str(copy), "brief", "Ann Lee")
        doctor = without_write_permission("--db", str(copy), "doctor")
        contacts = without_write_permission("--db", str(copy), "contacts", "--json")
    finally:
        folder.chmod(0o700)
    assert brief.returncode == 0, brief.stderr
    assert "Ann Lee" in brief.stdout
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    assert "Anna Berg" in contacts.stdout
    assert sorted(p.name for p in folder.iterdir()) == ["book.db"]


def test_an_attendee_name_with_a_line_break_in_a_csv_is_one_clean_problem(book, tmp_path):
    path = tmp_path / "appointments.csv"
    path.write_text('contact,purpose,at,attendees\nAnn Lee,Review,2026-03-01,"Dana\rOrtiz (lead)"\n')
    before = dump(book)
    result = run(book, "import", str(path), "--kind", "appointments", "--from", "custview")
    assert_one_clean_error(result, "attendees: contains a line break")
    assert dump(book) == before
