import json
import sqlite3
import textwrap

import pytest

from conftest import BOOK, dump


def counts(result):
    return json.loads(result.stdout)["counts"]


def write(tmp_path, text, name="input.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def test_import_reports_created_per_kind(cli):
    result = cli("import", str(BOOK), "--json")
    assert result.exit_code == 0, result.output
    created = {kind: c.get("created", 0) for kind, c in counts(result).items()}
    assert created == {"members": 0, "companies": 2, "contacts": 4, "signals": 4, "appointments": 1, "tickets": 3,
                       "services": 1, "success_criteria": 0, "notes": 2, "handovers": 0}


def test_import_prints_a_summary_table(cli):
    result = cli("import", str(BOOK))
    assert result.exit_code == 0
    assert "contacts" in result.stdout and "Created" in result.stdout
    assert any(line.split()[:2] == ["total", "17"] for line in result.stdout.splitlines())


def test_reimporting_the_same_file_creates_nothing(cli, book):
    before = dump(book)
    result = cli("import", str(BOOK), "--json")
    assert result.exit_code == 0
    assert all(c.get("created", 0) == 0 and c.get("updated", 0) == 0 for c in counts(result).values())
    assert dump(book) == before


def test_changed_fields_update_and_a_stage_move_is_kept_in_history(cli, book, tmp_path):
    path = write(tmp_path, """
        contacts:
          - name: Omar Haddad
            email: OMAR@borealis.example
            title: CTO
            stage: Hand Raiser
    """)
    result = cli("import", str(path), "--json")
    assert result.exit_code == 0, result.output
    assert counts(result)["contacts"] == {"updated": 1}
    with sqlite3.connect(book) as connection:
        title, stage = connection.execute("SELECT title, stage FROM contact WHERE email='omar@borealis.example'").fetchone()
        history = connection.execute(
            "SELECT previous_stage, stage_change.stage FROM stage_change JOIN contact ON contact.id = contact_id "
            "WHERE email='omar@borealis.example' ORDER BY changed_at").fetchall()
    assert (title, stage) == ("CTO", "Hand Raiser")
    assert history == [(None, "Researcher"), ("Researcher", "Hand Raiser")]


def test_dry_run_counts_but_writes_nothing(cli, db, book, tmp_path):
    before = dump(book)
    path = write(tmp_path, """
        contacts:
          - {name: New Person, email: new@x.example, stage: Audience}
    """)
    result = cli("import", str(path), "--dry-run", "--json")
    assert result.exit_code == 0
    assert counts(result)["contacts"] == {"created": 1}
    assert dump(book) == before


def test_dry_run_on_a_new_database_does_not_create_it(cli, db):
    result = cli("import", str(BOOK), "--dry-run")
    assert result.exit_code == 0
    assert "Dry run" in result.stdout
    assert not db.exists()


def test_the_database_and_its_folders_are_created_on_first_write_in_wal_mode(tmp_path):
    from typer.testing import CliRunner

    from custview.cli.app import app

    nested = tmp_path / "a" / "b" / "book.db"
    assert CliRunner().invoke(app, ["--db", str(nested), "import", str(BOOK)]).exit_code == 0
    with sqlite3.connect(nested) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


BAD_INPUTS = {
    "unknown stage": ("""
        contacts:
          - name: Zoe Park
            stage: Reseacher
        """, ["input.yaml:3:", "contacts[0] (Zoe Park)", "stage", "unknown stage 'Reseacher'"]),
    "unparseable date": ("""
        contacts:
          - {name: Zoe Park, email: zoe@x.example}
        signals:
          - contact: zoe@x.example
            kind: content
            title: A guide
            at: the day after never
        """, ["input.yaml:7:", "signals[0] (A guide)", "at:", "unreadable date"]),
    "signal for an unknown contact": ("""
        signals:
          - {contact: nobody@x.example, kind: content, title: A guide, at: -1d}
        """, ["input.yaml:2:", "signals[0] (A guide)", "contact:", "unknown contact 'nobody@x.example'"]),
    "record with neither name nor email": ("""
        contacts:
          - phone: "+1 555 0100"
            stage: Audience
        """, ["input.yaml:2:", "contacts[0]", "name: missing"]),
    "malformed YAML": ("""
        contacts:
          - name: Zoe
            stage: [Audience
        """, ["input.yaml:", "malformed YAML"]),
    "non-list section": ("""
        contacts:
          name: Zoe
        """, ["input.yaml:1:", "section 'contacts' must be a list"]),
    "unknown top-level key": ("""
        contacts: []
        people:
          - name: Zoe
        """, ["input.yaml:2:", "unknown section 'people'"]),
    "unknown field": ("""
        contacts:
          - name: Zoe
            emial: zoe@x.example
        """, ["input.yaml:3:", "contacts[0] (Zoe)", "emial: unknown field"]),
    "python tag": ("""
        contacts:
          - !!python/object/apply:os.system ["echo hacked"]
        """, ["input.yaml:2:", "not allowed"]),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_is_one_clear_line_exit_1_and_nothing_written(case, cli, book, tmp_path):
    text, expected = BAD_INPUTS[case]
    before = dump(book)
    result = cli("import", str(write(tmp_path, text)))
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    problem_lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(problem_lines) == 1, result.stderr
    for fragment in expected:
        assert fragment in problem_lines[0]
    assert dump(book) == before


def test_every_problem_is_reported_one_per_line(cli, db, tmp_path):
    path = write(tmp_path, """
        contacts:
          - {name: A One, stage: Nowhere}
          - {name: B Two, stage: Audience, stage_since: never}
    """)
    result = cli("import", str(path))
    assert result.exit_code == 1
    assert len([line for line in result.stderr.splitlines() if line.startswith("error:")]) == 2
    assert not dump(db).get("contact")


def test_one_transaction_across_files_an_error_in_the_second_keeps_the_first_out(cli, db, tmp_path):
    good = write(tmp_path, "contacts:\n  - {name: Good One, stage: Audience}\n", "good.yaml")
    bad = write(tmp_path, "signals:\n  - {contact: Nobody, kind: content, title: X, at: -1d}\n", "bad.yaml")
    result = cli("import", str(good), str(bad))
    assert result.exit_code == 1
    assert "bad.yaml:2:" in result.stderr
    assert not dump(db).get("contact")


def test_missing_file_and_wrong_type_are_clear_errors(cli, tmp_path):
    result = cli("import", str(tmp_path / "nope.yaml"))
    assert result.exit_code == 1 and "nope.yaml: no such file" in result.stderr
    other = tmp_path / "contacts.xlsx"
    other.write_text("x")
    result = cli("import", str(other))
    assert result.exit_code == 1 and "unsupported file type '.xlsx'" in result.stderr


def test_references_match_email_in_any_case_and_names_exactly(cli, book, tmp_path):
    path = write(tmp_path, """
        signals:
          - {contact: ANN.LEE@ACME.EXAMPLE, kind: email, title: Replied to invite, at: -1d}
          - {contact: omar haddad, kind: form, title: Contact form, at: -1d}
    """)
    result = cli("import", str(path), "--json")
    assert result.exit_code == 0, result.output
    assert counts(result)["signals"] == {"created": 2}


def test_appointments_keep_attendees_and_next_steps(book):
    with sqlite3.connect(book) as connection:
        attendees = connection.execute("SELECT name, role, contact_id IS NOT NULL FROM attendee ORDER BY id").fetchall()
        steps = connection.execute("SELECT step, owner, done FROM next_step ORDER BY id").fetchall()
    assert attendees == [("Ann Lee", "decision maker", 1), ("Anna Berg", "project lead", 1),
                         ("Dana Ortiz (us)", "account manager", 0)]
    assert steps == [("Send SSO options", "Dana Ortiz", 0), ("Book training", "Ann Lee", 0), ("Share slides", "Dana Ortiz", 1)]


def test_a_new_database_is_readable_by_its_owner_only(cli, db):
    import stat

    assert cli("import", str(BOOK)).exit_code == 0
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    for companion in db.parent.glob(db.name + "-*"):
        assert stat.S_IMODE(companion.stat().st_mode) & 0o077 == 0
