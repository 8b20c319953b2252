"""Nothing lost, nothing leaked (issue 13): each test closes one hole a hostile test found.

Every scenario ends with the database either exactly as before (one clean error) or holding what
the user asked for, and `doctor` finding nothing wrong.
"""

from __future__ import annotations

import json
import sqlite3
import stat

import pytest

from conftest import BOOK, assert_doctor_clean, assert_one_clean_error, dump, run, write


# -- 5: a --db path is a file name, never a URL ------------------------------------------------------

@pytest.mark.parametrize("name", ["book?x=1.db", "book%41.db", "book#1.db"])
def test_a_db_path_with_url_characters_is_that_very_file(name, tmp_path):
    db = tmp_path / name
    assert run(db, "add", "company", "Acme").exit_code == 0
    assert [p.name for p in tmp_path.iterdir() if not p.name.endswith(("-wal", "-shm"))] == [name]
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    assert [row[1] for row in dump(db)["company"]] == ["Acme"]
    assert_doctor_clean(db)


# -- 3 and 12: CSV quoting that would swallow rows, and cells past the csv module's limit ----------

CONTACTS_HEADER = "name,email,company,stage\n"


def contacts_csv(tmp_path, body: str):
    path = tmp_path / "people.csv"
    path.write_text(CONTACTS_HEADER + body, encoding="utf-8")
    return path


def test_an_unterminated_quote_is_refused_instead_of_swallowing_the_rest_of_the_file(book, tmp_path):
    rows = "".join(f"Person {n},p{n}@x.example,,Audience\n" for n in range(20))
    path = contacts_csv(tmp_path, 'Zed,"zed@x.example,,Audience\n' + rows)
    before = dump(book)
    result = run(book, "import", str(path), "--kind", "contacts", "--from", "custview")
    assert_one_clean_error(result, "people.csv:2: a quote opened on line 2 is never closed")
    assert dump(book) == before
    assert_doctor_clean(book)


def test_a_quote_closed_rows_later_in_the_middle_of_a_cell_is_refused(book, tmp_path):
    path = contacts_csv(tmp_path, 'Zed,"zed@x.example,,Audience\nAmy,amy@x.example,,"Audience"x\n')
    before = dump(book)
    result = run(book, "import", str(path), "--kind", "contacts", "--from", "custview")
    assert_one_clean_error(result, "people.csv:3: broken quoting")
    assert dump(book) == before


def test_a_cell_over_the_field_limit_is_one_clear_line_not_a_traceback(book, tmp_path):
    path = contacts_csv(tmp_path, f'Zed,zed@x.example,"{"x" * 140_000}",Audience\nAmy,amy@x.example,,Audience\n')
    before = dump(book)
    result = run(book, "import", str(path), "--kind", "contacts", "--from", "custview")
    assert_one_clean_error(result, "people.csv:2: a cell longer than 131,072 characters")
    assert dump(book) == before


def test_an_unterminated_quote_in_a_big_file_names_the_line_it_opened_on(book, tmp_path):
    rows = "".join(f"Person {n},p{n}@x.example,,Audience\n" for n in range(5000))
    path = contacts_csv(tmp_path, 'Amy,amy@x.example,,Audience\nZed,"zed@x.example,,Audience\n' + rows)
    result = run(book, "import", str(path), "--kind", "contacts", "--from", "custview")
    assert_one_clean_error(result, "people.csv:3: a cell longer than 131,072 characters",
                           "a quote opened on line 3 is not closed")


# -- 4: a key written twice (two exports pasted together) is refused, never half-kept ---------------

def test_a_repeated_yaml_section_is_refused(book, tmp_path):
    path = write(tmp_path, "two.yaml", """
        contacts:
          - {name: Amy Adams, email: amy@x.example}
        contacts:
          - {name: Bo Berg, email: bo@x.example}
        """)
    before = dump(book)
    result = run(book, "import", str(path))
    assert_one_clean_error(result, "two.yaml:3: contacts appears twice in one mapping (first on line 1)")
    assert dump(book) == before


def test_a_repeated_yaml_field_in_one_record_is_refused(book, tmp_path):
    path = write(tmp_path, "field.yaml", """
        contacts:
          - name: Amy Adams
            email: amy@x.example
            email: amy@elsewhere.example
        """)
    result = run(book, "import", str(path))
    assert_one_clean_error(result, "field.yaml:4: email appears twice in one mapping (first on line 3)")


def test_a_repeated_json_section_is_refused(book, tmp_path):
    path = write(tmp_path, "two.json", """
        {"contacts": [{"name": "Amy Adams", "email": "amy@x.example"}],
         "contacts": [{"name": "Bo Berg", "email": "bo@x.example"}]}
        """)
    before = dump(book)
    result = run(book, "import", str(path))
    assert_one_clean_error(result, "two.json:1: 'contacts' appears twice in the object starting on line 1")
    assert dump(book) == before


# -- 1: a failed first import never removes what another command wrote meanwhile -------------------

def another_command_adds_a_company(db):
    """What `custview add company Acme` does, from another process's point of view (its own store)."""
    from custview.db.models import Company
    from custview.db.writer import Store

    store = Store.open(db)
    with store.writing() as session:
        session.add(Company(name="Acme"))
    store.close()


def test_a_failed_first_import_keeps_a_book_another_command_created_meanwhile(db, tmp_path, monkeypatch):
    from custview.db import connection
    from custview.errors import UserError
    from custview.importers.writers import RecordWriter

    monkeypatch.setitem(connection.EVERY_CONNECTION, "busy_timeout", 1000)  # fail fast, not hang, if it locks

    def meanwhile_another_command_writes_then_the_import_fails(self):
        another_command_adds_a_company(db)
        raise UserError("bad.yaml:3: something wrong late in the file")

    monkeypatch.setattr(RecordWriter, "finish", meanwhile_another_command_writes_then_the_import_fails)
    result = run(db, "import", str(BOOK))
    assert_one_clean_error(result, "bad.yaml:3: something wrong late in the file")
    assert [row[1] for row in dump(db)["company"]] == ["Acme"]
    assert sorted(p.name for p in tmp_path.iterdir() if "import" in p.name) == []
    assert_doctor_clean(db)


def test_a_first_import_refuses_when_another_command_created_the_book_before_it_committed(db, monkeypatch):
    from custview.importers.writers import RecordWriter

    finish = RecordWriter.finish

    def another_command_creates_the_book_first(self):
        another_command_adds_a_company(db)
        return finish(self)

    monkeypatch.setattr(RecordWriter, "finish", another_command_creates_the_book_first)
    result = run(db, "import", str(BOOK))
    assert_one_clean_error(result, "was created by another command while this import ran; nothing was imported")
    assert [row[1] for row in dump(db)["company"]] == ["Acme"]
    monkeypatch.undo()
    assert run(db, "import", str(BOOK)).exit_code == 0
    assert_doctor_clean(db)


# -- 14: rejected rows never overwrite a file, and a kill leaves no half-written one ----------------

def test_skip_invalid_never_overwrites_an_earlier_rejected_rows_file(book, tmp_path):
    path = contacts_csv(tmp_path, "Amy,amy@x.example,,Audience\nBad,bad@x.example,,Nowhere\n")
    earlier = tmp_path / "people.rejected.csv"
    earlier.write_text("my notes on last week's rejects\n")
    result = run(book, "import", str(path), "--kind", "contacts", "--from", "custview", "--skip-invalid", "--json")
    assert result.exit_code == 0, result.output
    assert earlier.read_text() == "my notes on last week's rejects\n"
    second = tmp_path / "people.rejected-2.csv"
    assert json.loads(result.stdout)["rejected_files"] == [str(second)]
    assert second.read_text().splitlines()[1].startswith("Bad,bad@x.example,,Nowhere,")
    assert stat.S_IMODE(second.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir() if "people" in p.name) == [
        "people.csv", "people.rejected-2.csv", "people.rejected.csv"]


def test_rejected_rows_have_no_name_on_disk_until_the_import_commits(book, tmp_path, monkeypatch):
    from custview.importers.writers import RecordWriter

    path = contacts_csv(tmp_path, "Bad,bad@x.example,,Nowhere\nAmy,amy@x.example,,Audience\n")
    seen = []
    finish = RecordWriter.finish

    def look_at_the_folder_while_importing(self):
        seen.extend(sorted(p.name for p in tmp_path.iterdir()))
        return finish(self)

    monkeypatch.setattr(RecordWriter, "finish", look_at_the_folder_while_importing)
    assert run(book, "import", str(path), "--kind", "contacts", "--from", "custview", "--skip-invalid").exit_code == 0
    assert [name for name in seen if name.startswith("people")] == ["people.csv"]
    assert (tmp_path / "people.rejected.csv").exists()


# -- 2: undo-import removes only the signals that import created ----------------------------------

def signal_titles(db):
    return sorted(row[0] for row in query(db, "SELECT title FROM signal"))


def query(db, sql, *params):
    with sqlite3.connect(db) as connection:
        return connection.execute(sql, params).fetchall()


def test_undo_import_leaves_a_signal_added_by_hand_after_a_forget_freed_the_import_s_last_id(book, tmp_path):
    path = write(tmp_path, "signals.yaml", """
        signals:
          - {contact: omar@borealis.example, kind: content, title: Imported for Omar, at: -2d}
          - {contact: ann.lee@acme.example, kind: content, title: Imported for Ann, at: -1d}
        """)
    assert run(book, "import", str(path)).exit_code == 0
    run_id = query(book, "SELECT max(id) FROM import_run")[0][0]
    assert run(book, "forget", "Ann Lee", "--yes").exit_code == 0
    assert run(book, "add", "signal", "Omar Haddad", "--kind", "form", "--title", "Added by hand").exit_code == 0
    assert run(book, "undo-import", str(run_id)).exit_code == 0
    assert "Added by hand" in signal_titles(book)
    assert "Imported for Omar" not in signal_titles(book)
    assert_doctor_clean(book)


def test_the_upgrade_to_never_reused_signal_ids_starts_past_every_id_an_import_recorded(tmp_path):
    from custview.db import schema

    db = tmp_path / "old.db"
    assert run(db, "import", str(BOOK)).exit_code == 0
    with sqlite3.connect(db) as connection:  # as a version-8 book whose import's last signal was deleted
        connection.execute("UPDATE import_change SET last_row_id = last_row_id + 5 WHERE table_name = 'signal'")
        connection.execute("PRAGMA user_version = 8")
    highest = query(db, "SELECT max(last_row_id) FROM import_change WHERE table_name = 'signal'")[0][0]
    assert run(db, "add", "signal", "Omar Haddad", "--kind", "form", "--title", "After upgrade").exit_code == 0
    assert query(db, "SELECT id FROM signal WHERE title = 'After upgrade'") == [(highest + 1,)]
    assert query(db, "PRAGMA user_version") == [(schema.CURRENT_VERSION,)]
    assert_doctor_clean(db)


# -- 8: an undone import keeps nobody's values in the import history ---------------------------------

def test_undo_import_leaves_nothing_of_the_removed_people_in_the_import_history(book, tmp_path):
    path = write(tmp_path, "people.yaml", """
        contacts:
          - {name: Zara Quill, email: zara.quill@x.example, context: Told us about her divorce}
          - {name: Ann Lee, email: ann.lee@acme.example, title: Chief Data Officer}
        """)
    assert run(book, "import", str(path)).exit_code == 0
    run_id = query(book, "SELECT max(id) FROM import_run")[0][0]
    assert run(book, "undo-import", str(run_id)).exit_code == 0
    history = dump(book, history=True)
    text = repr(history["import_change"]) + repr(history["import_run"])
    assert "zara" not in text.lower() and "divorce" not in text and "Chief Data Officer" not in text
    listed = json.loads(run(book, "imports", "--json").stdout)
    assert [entry["undone_at"] is not None for entry in listed if entry["id"] == run_id] == [True]
    assert_doctor_clean(book)


# -- 6: undo-import never loses a person a merge gathered into one of its records -------------------

def test_undo_import_refuses_to_remove_a_record_that_a_duplicate_was_merged_into(book, tmp_path):
    first = write(tmp_path, "first.yaml", "contacts:\n  - {name: Amy Alder, email: amy@a.example}\n"
                                          "  - {name: Zed Zimmer, email: zed@a.example}\n")
    second = write(tmp_path, "second.yaml", "contacts:\n  - {name: Zed Z., email: zed@b.example}\n")
    assert run(book, "import", str(first)).exit_code == 0
    first_run = query(book, "SELECT max(id) FROM import_run")[0][0]
    assert run(book, "import", str(second)).exit_code == 0
    assert run(book, "merge", "zed@a.example", "zed@b.example", "--yes").exit_code == 0
    before = dump(book)
    result = run(book, "undo-import", str(first_run))
    assert result.exit_code == 1
    assert "took in the duplicate 'Zed Z.' by a merge after import" in result.stderr
    assert dump(book) == before
    assert run(book, "brief", "zed@b.example").exit_code == 0
    assert_doctor_clean(book)


# -- 10: forget leaves no copy it can reach, and names the ones it cannot -----------------------------

def raw_bytes(db):
    return b"".join(path.read_bytes() for path in db.parent.glob(db.name + "*") if path.is_file())


def test_forget_overwrites_the_space_the_person_used(book):
    assert b"ann.lee@acme.example" in raw_bytes(book)
    assert run(book, "forget", "Ann Lee", "--yes").exit_code == 0
    assert b"ann.lee@acme.example" not in raw_bytes(book)
    assert b"Cares about audit trails" not in raw_bytes(book)
    assert_doctor_clean(book)


def test_forget_in_a_book_without_incremental_vacuum_says_how_to_shrink_it(book):
    with sqlite3.connect(book) as connection:
        connection.execute("PRAGMA auto_vacuum = NONE")
        connection.execute("VACUUM")
    result = run(book, "forget", "Ann Lee", "--yes")
    assert result.exit_code == 0, result.output
    assert f"stays in the file; to shrink it: sqlite3 {book} 'VACUUM'" in " ".join(result.stdout.split())
    assert b"ann.lee@acme.example" not in raw_bytes(book)


def test_forget_takes_their_name_off_others_next_steps_and_notes(book, tmp_path):
    path = write(tmp_path, "more.yaml", """
        appointments:
          - contact: Omar Haddad
            purpose: Pilot scoping
            at: -2d
            next_steps: [{step: Send the pilot plan, owner: Ann Lee}]
        notes:
          - {company: Borealis Foods, text: Ann introduced us., at: -1d, author: ann lee}
        """)
    assert run(book, "import", str(path)).exit_code == 0
    result = run(book, "forget", "Ann Lee", "--yes", "--json")
    assert json.loads(result.stdout)["names_cleared"] == 2
    assert query(book, "SELECT owner FROM next_step WHERE step = 'Send the pilot plan'") == [(None,)]
    assert query(book, "SELECT author FROM note WHERE text = 'Ann introduced us.'") == [(None,)]
    history = repr(dump(book, history=True)["import_change"]).lower()
    assert "ann lee" not in history
    assert_doctor_clean(book)


def test_forget_names_the_backups_that_still_hold_them_and_deletes_them_only_when_asked(book):
    backup = book.with_name(book.name + ".bak-4")
    with sqlite3.connect(book) as source, sqlite3.connect(backup) as copy:
        source.backup(copy)
    result = run(book, "forget", "Ann Lee", "--yes")
    assert f"Still holding them: {backup}" in " ".join(result.stdout.split())
    assert backup.exists()
    assert run(book, "forget", "Omar Haddad", "--yes", "--backups", "--json").exit_code == 0
    assert not backup.exists()


def test_forget_backups_asks_before_deleting_whole_copies_of_the_book(book):
    from conftest import answer_on_a_terminal

    backup = book.with_name(book.name + ".bak-4")
    with sqlite3.connect(book) as source, sqlite3.connect(backup) as copy:
        source.backup(copy)
    code, _, err = answer_on_a_terminal(book, "forget", "Ann Lee", "--backups", answer="n")
    assert code == 1 and "Forget Ann Lee for good and delete 1 backup(s) of the whole book? [y/N]" in err
    assert backup.exists()
    code, _, _ = answer_on_a_terminal(book, "forget", "Ann Lee", "--backups", answer="y")
    assert code == 0 and not backup.exists()


# -- 9: handoff --out is private, never overwrites, and says what it wrote without obeying escapes ---

def test_handoff_out_is_private_and_refuses_to_overwrite_without_force(book, tmp_path):
    out = tmp_path / "handoff.md"
    assert run(book, "handoff", "Ann Lee", "--out", str(out)).exit_code == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    out.write_text("my own notes\n")
    result = run(book, "handoff", "Ann Lee", "--out", str(out))
    assert_one_clean_error(result, f"{out}: already exists (use --force to overwrite it)")
    assert out.read_text() == "my own notes\n"
    assert run(book, "handoff", "Ann Lee", "--out", str(out), "--force").exit_code == 0
    assert "# " in out.read_text() and stat.S_IMODE(out.stat().st_mode) == 0o600


def test_handoff_out_shows_a_name_with_terminal_escapes_as_visible_codes(book, tmp_path):
    out = tmp_path / "eve\x1b[2J.md"
    result = run(book, "handoff", "eve@borealis.example", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.stderr
    assert "[bold]Eve[/bold] \\x1b[31mRed written to " in result.stderr and "eve\\x1b[2J.md" in result.stderr


# -- 15 (full disk): an export that cannot be written names the file, and leaves none half-written ---

def test_a_full_disk_during_export_names_the_file_and_leaves_no_file(book, tmp_path, monkeypatch):
    import errno
    import os

    from custview.exporters import files

    written = []

    def disk_full_on_the_third_file(descriptor):
        written.append(descriptor)
        if len(written) == 3:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(files.os, "fsync", disk_full_on_the_third_file)
    out = tmp_path / "export"
    result = run(book, "export", "--format", "csv", "--out", str(out))
    assert_one_clean_error(result, f"{out}/", ".csv: cannot write (No space left on device); no file was changed")
    assert list(out.iterdir()) == []
