"""Two processes writing at once: the second waits for the first, and no write is lost."""

import sqlite3
import subprocess
import sys

from conftest import run_installed

HOLD_THE_WRITE_LOCK = """
import sqlite3, sys, time
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN IMMEDIATE")
connection.execute("INSERT INTO company (name) VALUES ('Held Co')")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
connection.execute("COMMIT")
"""


def test_a_write_waits_for_another_process_and_both_writes_land(book):
    holder = subprocess.Popen([sys.executable, "-c", HOLD_THE_WRITE_LOCK, str(book), "1.5"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        logged = run_installed("--db", str(book), "log", "Ann Lee", "-p", "Call during import", "-o", "fine")
    finally:
        holder.wait(timeout=30)
    assert logged.returncode == 0, logged.stderr
    assert "locked" not in logged.stderr
    with sqlite3.connect(book) as connection:
        assert connection.execute("SELECT count(*) FROM company WHERE name = 'Held Co'").fetchone() == (1,)
        assert connection.execute("SELECT count(*) FROM appointment WHERE purpose = 'Call during import'").fetchone() == (1,)


def test_an_import_and_a_log_at_the_same_time_both_succeed(book, tmp_path):
    many = tmp_path / "many.yaml"
    many.write_text("signals:\n" + "".join(
        f"  - {{contact: Ann Lee, kind: content, title: Item {i}, at: -{i % 60 + 1}d}}\n" for i in range(400)))
    importer = subprocess.Popen([sys.executable, "-m", "custview", "--db", str(book), "import", str(many)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    logged = run_installed("--db", str(book), "log", "Omar Haddad", "-p", "Parallel call", "-o", "ok")
    out, err = importer.communicate(timeout=120)
    assert importer.returncode == 0, err
    assert logged.returncode == 0, logged.stderr
    with sqlite3.connect(book) as connection:
        assert connection.execute("SELECT count(*) FROM signal WHERE title LIKE 'Item %'").fetchone() == (400,)
        assert connection.execute("SELECT count(*) FROM appointment WHERE purpose = 'Parallel call'").fetchone() == (1,)
