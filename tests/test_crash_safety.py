"""An import killed half-way (power cut, kill -9, closed laptop) leaves the database exactly as it was."""

import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from conftest import dump, installed_custview

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")

CONTACTS = 4000
SIGNALS = 8000


def write_big_book(path):
    """Enough new contacts and signals that the write transaction lasts most of a second even on the fast lane."""
    lines = ["contacts:"]
    lines += [f"  - {{name: Load Person {i}, email: load{i}@crash.example, company: Acme Analytics, "
              f"stage: Researcher, title: Analyst {i}}}" for i in range(CONTACTS)]
    lines.append("signals:")
    lines += [f"  - {{contact: load{i % CONTACTS}@crash.example, kind: content, title: Crash test item {i}, "
              f"topics: [Bulk], at: -{i % 300 + 1}d}}" for i in range(SIGNALS)]
    path.write_text("\n".join(lines) + "\n")


def someone_is_writing(db) -> bool:
    """Whether another connection holds the write lock, i.e. is inside a write transaction."""
    connection = sqlite3.connect(db, timeout=0, isolation_level=None)
    try:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        connection.close()


def kill_while_writing(process, db, into_the_transaction=0.05, patience=120):
    """SIGKILL `process` once it has been inside its write transaction for a moment."""
    deadline = time.monotonic() + patience
    while not someone_is_writing(db):
        assert process.poll() is None, "the import ended before it started writing"
        assert time.monotonic() < deadline, "the import never started writing"
        time.sleep(0.02)
    time.sleep(into_the_transaction)
    assert process.poll() is None and someone_is_writing(db), (
        "the import finished before it could be interrupted: make the generated file bigger")
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)


def test_an_import_killed_half_way_leaves_the_database_exactly_as_it_was(book, tmp_path, cli):
    big = tmp_path / "big.yaml"
    write_big_book(big)
    before = dump(book)
    importer = subprocess.Popen([installed_custview(), "--db", str(book), "import", str(big)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        kill_while_writing(importer, book)
    finally:
        if importer.poll() is None:
            importer.kill()
            importer.wait()
    assert importer.returncode == -signal.SIGKILL

    assert dump(book) == before
    with sqlite3.connect(book) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
    assert cli("brief", "Ann Lee").exit_code == 0
    logged = cli("log", "Ann Lee", "-p", "Call after the crash", "-o", "All there")
    assert logged.exit_code == 0, logged.output
