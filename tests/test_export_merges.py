"""What merges made survives an export: a book made from the export still finds a duplicate's old records."""

import json
import shutil
import sqlite3

import pytest
import yaml
from typer.testing import CliRunner

from round_trip import MERGE_TABLES, book_content, import_export
from conftest import BOOK, FIXTURES, dump
from custview.cli.app import app

# A HubSpot export that makes a second Ann Lee (another email), Omar Hadad, "Acme Analytcs" and
# "Borealis"; and what was then recorded against those duplicates (see tests/test_merge.py).
DUPLICATING_EXPORT = FIXTURES / "exports" / "hubspot-contacts-duplicates.csv"
DUPLICATES_HISTORY = FIXTURES / "duplicates-history.yaml"
MERGES = (("ann.lee@acme.example", "ann.lee+events@acme.example"), ("Omar Haddad", "Omar Hadad"),
          ("--company", "Acme Analytics", "Acme Analytcs"), ("--company", "Borealis Foods", "Borealis"))


def run(db, *args):
    return CliRunner().invoke(app, ["--db", str(db), *args])


@pytest.fixture(scope="module")
def merged_book(tmp_path_factory):
    """The test book after a second import made duplicates of two people and two companies, all merged."""
    folder = tmp_path_factory.mktemp("merged")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HOME", str(folder / "home"))
        patch.setenv("XDG_DATA_HOME", str(folder / "xdg"))
        db = folder / "book.db"
        for path in (BOOK, DUPLICATING_EXPORT, DUPLICATES_HISTORY):
            assert run(db, "import", str(path)).exit_code == 0
        for pair in MERGES:
            merged = run(db, "merge", *pair, "--yes")
            assert merged.exit_code == 0, merged.output
    with sqlite3.connect(db) as connection:  # all of it in the file itself, for tests that copy the file
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return db


@pytest.mark.parametrize("fmt", ["yaml", "json", "csv"])
def test_a_merged_duplicate_s_old_file_finds_the_record_kept_in_a_book_made_from_the_export(fmt, merged_book,
                                                                                            tmp_path):
    book, fresh, out = tmp_path / "book.db", tmp_path / "fresh.db", tmp_path / "out"
    shutil.copy(merged_book, book)
    assert run(book, "export", "--format", fmt, "--out", str(out)).exit_code == 0
    before = dump(book)
    into_itself = import_export(fmt, out, book)
    assert all(set(c) <= {"unchanged"} for c in json.loads(into_itself.stdout)["counts"].values()), into_itself.stdout
    assert dump(book) == before
    imported = import_export(fmt, out, fresh)
    assert imported.exit_code == 0, imported.output
    original, restored = book_content(book), book_content(fresh)
    assert [len(original[table]) for table in MERGE_TABLES] == [2, 2, 4]  # both people's other emails; companies' names
    for table in original:
        if not (fmt == "csv" and table == "stage_change"):  # CSV carries no stage history
            assert restored[table] == original[table], table

    again = json.loads(run(fresh, "import", str(DUPLICATING_EXPORT), "--json").stdout)
    history = json.loads(run(fresh, "import", str(DUPLICATES_HISTORY), "--json").stdout)
    assert again["counts"]["contacts"] == {"unchanged": 4} and again["counts"]["companies"] == {}
    assert all("created" not in counts for counts in history["counts"].values()), history["counts"]
    assert book_content(fresh)["contact"] == original["contact"]  # nobody doubled, nothing of the kept overwritten
    assert json.loads(run(fresh, "duplicates", "--json").stdout) == []
    doctor = run(fresh, "doctor")
    assert doctor.exit_code == 0, doctor.output


def test_the_merge_history_reads_as_written_in_the_yaml_export(merged_book, tmp_path):
    assert run(merged_book, "export", "--kind", "companies", "--kind", "contacts", "--out", str(tmp_path)).exit_code == 0
    document = yaml.safe_load((tmp_path / "custview-export.yaml").read_text())
    ann = next(c for c in document["contacts"] if c.get("email") == "ann.lee@acme.example")
    assert ann["aliases"] == ["ann.lee+events@acme.example"]
    assert [(m["name"], m["email"]) for m in ann["merged"]] == [("Ann Lee", "ann.lee+events@acme.example")]
    acme = next(c for c in document["companies"] if c["name"] == "Acme Analytics")
    assert acme["aliases"] == ["Acme Analytcs"] and [m["name"] for m in acme["merged"]] == ["Acme Analytcs"]
    assert all(m["at"].endswith("Z") for m in ann["merged"] + acme["merged"])
