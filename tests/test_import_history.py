"""Import history and undo: every import is recorded; undoing one gives back the database as it was."""

from __future__ import annotations

import hashlib
import json
import shutil

import pytest

from conftest import FIXTURES, dump

EXPORTS = FIXTURES / "exports"


@pytest.fixture
def exports(tmp_path):
    folder = tmp_path / "exports"
    shutil.copytree(EXPORTS, folder)
    return folder


def exported(cli, folder) -> str:
    """The whole book as custview's YAML export, without its dated first line."""
    result = cli("export", "--format", "yaml", "--out", str(folder))
    assert result.exit_code == 0, result.output
    return (folder / "custview-export.yaml").read_text(encoding="utf-8").split("\n", 1)[1]


def last_import_id(cli) -> int:
    return json.loads(cli("imports", "--json").stdout)[0]["id"]


def test_every_import_is_recorded_with_its_files_checksums_and_mappings(cli, book, exports):
    files = [exports / "hubspot-contacts.csv", exports / "signals.tsv"]
    assert cli("import", *map(str, files)).exit_code == 0
    history = json.loads(cli("imports", "--json").stdout)
    assert [run["id"] for run in history] == [2, 1]
    latest = history[0]
    assert latest["files"] == [
        {"path": str(path.resolve()), "sha256": hashlib.sha256(path.read_bytes()).hexdigest(), "mapping": mapping}
        for path, mapping in zip(files, ["hubspot contacts", "custview signals"])]
    assert latest["counts"]["contacts"] == {"created": 2, "updated": 2}  # two known ones are given their owner
    assert latest["counts"]["signals"] == {"created": 2, "unchanged": 1}
    assert latest["undone_at"] is None
    assert "hubspot contacts" in cli("imports").stdout


def test_undoing_the_last_import_gives_back_the_database_as_it_was(cli, book, exports, tmp_path):
    before, before_rows = exported(cli, tmp_path / "before"), dump(book)
    files = ["hubspot-contacts.csv", "hubspot-tickets.csv", "zendesk-tickets.csv", "salesforce-accounts.csv",
             "signals.tsv"]
    result = cli("import", *(str(exports / name) for name in files), "--skip-invalid")
    assert result.exit_code == 0, result.output
    assert dump(book) != before_rows
    undo = cli("undo-import", str(last_import_id(cli)), "--json")
    assert undo.exit_code == 0, undo.output
    assert json.loads(undo.stdout)["tables"]["contact"] == {"removed": 2, "restored": 2}
    assert json.loads(undo.stdout)["tables"]["member"] == {"removed": 1}  # Dana Ortiz, the contacts' owner
    assert exported(cli, tmp_path / "after") == before
    assert dump(book) == before_rows


def test_undo_restores_signals_an_import_updated(cli, book, exports):
    assert cli("import", str(exports / "signals.tsv")).exit_code == 0
    before = dump(book)
    changed = exports / "signals-changed.tsv"
    changed.write_text((exports / "signals.tsv").read_text().replace("\tForecasting\t", "\tForecasting; Planning\t"))
    assert cli("import", str(changed)).exit_code == 0
    assert cli("undo-import", str(last_import_id(cli))).exit_code == 0
    assert dump(book) == before


def test_undo_is_refused_when_a_record_changed_since(cli, book, exports):
    assert cli("import", str(exports / "hubspot-contacts.csv")).exit_code == 0
    assert cli("stage", "set", "Ann Lee", "Champion").exit_code == 0
    before = dump(book, history=True)
    result = cli("undo-import", "2")
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert any(line.startswith("error: contact ") and "(Ann Lee) changed since import 2" in line for line in lines)
    assert lines[-1] == "error: import 2 was not undone: undo the later changes first, or edit by hand"
    assert dump(book, history=True) == before


def test_undo_is_refused_when_later_records_depend_on_what_it_created(cli, book, exports):
    assert cli("import", str(exports / "hubspot-contacts.csv")).exit_code == 0
    assert cli("log", "Kai Brandt", "-p", "Intro call", "-o", "Interested").exit_code == 0
    before = dump(book, history=True)
    result = cli("undo-import", "2")
    assert result.exit_code == 1
    assert "(Intro call) refers to contact" in result.stderr and "which import 2 created" in result.stderr
    assert dump(book, history=True) == before


def test_undoing_twice_or_an_unknown_import_is_a_clear_error(cli, book, exports):
    assert cli("import", str(exports / "signals.tsv")).exit_code == 0
    assert cli("undo-import", "2").exit_code == 0
    again = cli("undo-import", "2")
    assert again.exit_code == 1 and again.stderr.startswith("error: import 2 was already undone on ")
    unknown = cli("undo-import", "99")
    assert unknown.exit_code == 1 and unknown.stderr == "error: no import 99 (see 'custview imports')\n"


def test_failed_and_dry_run_imports_leave_no_history(cli, book, exports):
    assert cli("import", str(exports / "hubspot-contacts-bad.csv")).exit_code == 1
    assert cli("import", str(exports / "hubspot-contacts.csv"), "--dry-run").exit_code == 0
    assert [run["id"] for run in json.loads(cli("imports", "--json").stdout)] == [1]


def test_undo_is_refused_when_a_later_import_changed_signals_it_created(cli, book, exports):
    assert cli("import", str(exports / "signals.tsv")).exit_code == 0
    changed = exports / "signals-changed.tsv"
    changed.write_text((exports / "signals.tsv").read_text().replace("\tForecasting\t", "\tForecasting; Planning\t"))
    assert cli("import", str(changed)).exit_code == 0
    before = dump(book, history=True)
    result = cli("undo-import", "2")
    assert result.exit_code == 1
    assert "error: signal rows import 2 created were changed or replaced by import 3" in result.stderr
    assert dump(book, history=True) == before
    assert cli("undo-import", "3").exit_code == 0
    assert cli("undo-import", "2").exit_code == 0


def test_forgetting_someone_also_removes_what_the_import_history_kept_about_them(cli, book, exports):
    import sqlite3

    assert cli("import", str(exports / "hubspot-contacts.csv")).exit_code == 0
    assert cli("forget", "Kai Brandt", "--yes").exit_code == 0
    with sqlite3.connect(book) as connection:
        kept = connection.execute("SELECT count(*) FROM import_change WHERE coalesce(before, '') || "
                                  "coalesce(after, '') LIKE '%Kai Brandt%' OR after LIKE '%kai@cobalt%'").fetchone()[0]
    assert kept == 0
    assert cli("undo-import", "2").exit_code == 0  # the rest of that import can still be undone
    assert cli("brief", "José Núñez").exit_code != 0
