"""The same commands on both engines: a book in a SQLite file, and a team book on a PostgreSQL server.

Each test here runs twice (the `engine` parameter); the PostgreSQL server is the session's
throw-away one (tests/pg_server.py). The clock is pinned, so both engines' books hold the same moments.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys

import pytest

from conftest import BOOK, FIXTURES
from typer.testing import CliRunner

from custview.cli.app import app

EXPORTS = FIXTURES / "exports"
DUPLICATING_EXPORT = EXPORTS / "hubspot-contacts-duplicates.csv"


def exported(cli, folder) -> str:
    """The whole book as custview's YAML export, without its dated first line."""
    result = cli("export", "--format", "yaml", "--out", str(folder))
    assert result.exit_code == 0, result.output
    return (folder / "custview-export.yaml").read_text(encoding="utf-8").split("\n", 1)[1]


def ok(result):
    assert result.exit_code == 0, result.output
    return result


def test_import_reports_what_it_created_and_again_that_nothing_changed(engine_cli):
    first = json.loads(ok(engine_cli("import", str(BOOK), "--json")).stdout)["counts"]
    assert first["contacts"] == {"created": 4} and first["tickets"] == {"created": 3}
    again = json.loads(ok(engine_cli("import", str(BOOK), "--json")).stdout)["counts"]
    assert all(set(counts) == {"unchanged"} for counts in again.values() if counts), again


def test_the_brief_shows_the_person_their_tickets_and_their_last_meeting(engine_cli, engine_book):
    brief = ok(engine_cli("brief", "ann lee")).stdout  # any case: NOCASE on SQLite, citext on PostgreSQL
    assert "Head of Data · Acme Analytics" in brief
    assert "T-1 Export fails on large files" in brief
    assert "Quarterly review of the audit rollout" in brief
    assert ok(engine_cli("brief", "ANN.LEE@ACME.EXAMPLE")).stdout == brief


def test_a_logged_meeting_shows_in_the_brief_and_the_timeline(engine_cli, engine_book):
    ok(engine_cli("log", "Ann Lee", "-p", "Pricing call", "-o", "Wants a quote", "-n", "Send quote"))
    assert "Pricing call" in ok(engine_cli("brief", "Ann Lee")).stdout
    timeline = ok(engine_cli("timeline", "Ann Lee", "--json")).stdout
    assert "Pricing call" in timeline and "Send quote" in timeline


def test_merging_a_duplicate_moves_its_records_and_keeps_its_email_as_an_alias(engine_cli, engine_book):
    ok(engine_cli("import", str(DUPLICATING_EXPORT), str(FIXTURES / "duplicates-history.yaml")))
    report = json.loads(ok(engine_cli("merge", "ann.lee@acme.example", "ann.lee+events@acme.example",
                                      "--yes", "--json")).stdout)
    assert report["moved"] == {"signals": 2, "stage_changes": 0, "appointments": 1, "attendee_links": 2,
                               "tickets": 1, "notes": 1}
    assert report["filled"] == {"phone": "+1 415 555 0199", "owner": "Dana Ortiz"}  # from the export's owner
    assert report["aliases"] == ["ann.lee+events@acme.example"]
    assert "Head of Data" in ok(engine_cli("brief", "ann.lee+events@acme.example")).stdout
    again = json.loads(ok(engine_cli("import", str(DUPLICATING_EXPORT), "--json")).stdout)["counts"]["contacts"]
    assert "created" not in again  # the alias finds the person the duplicate became


def test_undoing_an_import_gives_back_the_book_as_it_was(engine_cli, engine_book, tmp_path):
    exports = shutil.copytree(EXPORTS, tmp_path / "exports")  # rejected rows are written beside the files
    before = exported(engine_cli, tmp_path / "before")
    files = ["hubspot-contacts.csv", "hubspot-tickets.csv", "zendesk-tickets.csv", "salesforce-accounts.csv",
             "signals.tsv"]
    ok(engine_cli("import", *(str(exports / name) for name in files), "--skip-invalid"))
    assert exported(engine_cli, tmp_path / "during") != before
    last = json.loads(ok(engine_cli("imports", "--json")).stdout)[0]["id"]
    undo = json.loads(ok(engine_cli("undo-import", str(last), "--json")).stdout)
    assert undo["tables"]["contact"] == {"removed": 2, "restored": 2}  # two known ones had been given an owner
    assert exported(engine_cli, tmp_path / "after") == before


def test_undo_is_refused_when_later_records_depend_on_what_it_created(engine_cli, engine_book):
    ok(engine_cli("import", str(EXPORTS / "hubspot-contacts.csv")))
    ok(engine_cli("log", "Kai Brandt", "-p", "Intro call", "-o", "Interested"))
    result = engine_cli("undo-import", "2")
    assert result.exit_code == 1
    assert "(Intro call) refers to contact" in result.stderr and "which import 2 created" in result.stderr
    assert "Intro call" in ok(engine_cli("brief", "Kai Brandt")).stdout


def test_an_export_reads_back_as_the_same_book_on_either_engine(engine_cli, engine_book, tmp_path):
    original = exported(engine_cli, tmp_path / "one")
    copy = str(tmp_path / "copy.db")
    ok(CliRunner().invoke(app, ["--db", copy, "import", str(tmp_path / "one" / "custview-export.yaml")]))
    back = ok(CliRunner().invoke(app, ["--db", copy, "export", "--format", "yaml", "--out", str(tmp_path / "two")]))
    assert back.exit_code == 0
    assert (tmp_path / "two" / "custview-export.yaml").read_text(encoding="utf-8").split("\n", 1)[1] == original
    again = json.loads(ok(engine_cli("import", str(tmp_path / "one" / "custview-export.yaml"), "--json")).stdout)
    assert all(set(counts) == {"unchanged"} for counts in again["counts"].values() if counts)


def test_both_engines_hold_the_same_book_after_the_same_imports(pg_url, tmp_path, monkeypatch):
    from conftest import PINNED_NOW

    monkeypatch.setenv("CUSTVIEW_NOW", PINNED_NOW)
    books = {"sqlite": str(tmp_path / "book.db"), "postgresql": pg_url}
    said = {}
    for engine, db in books.items():
        run = lambda *args, db=db: ok(CliRunner().invoke(app, ["--db", db, *args]))  # noqa: E731
        for path in (BOOK, DUPLICATING_EXPORT, EXPORTS / "signals.tsv"):
            run("import", str(path))
        said[engine] = [run(*command).stdout for command in (
            ["brief", "ann.lee@acme.example", "--json"], ["attention", "--json"], ["contacts", "--json"], ["companies", "--json"],
            ["tickets", "--json"], ["timeline", "ann.lee@acme.example", "--json"], ["pipeline", "--json"], ["duplicates", "--json"],
            ["stage", "suggest", "--json"],
            ["next-steps", "--json"], ["imports", "--json"])]
        said[engine].append(exported(run, tmp_path / engine))
    for sqlite, postgresql in zip(said["sqlite"], said["postgresql"]):
        assert postgresql == sqlite


PARALLEL_IMPORT = """
import sys
from typer.testing import CliRunner
from custview.cli.app import app
result = CliRunner().invoke(app, ["--db", sys.argv[1], "import", *sys.argv[2:]])
sys.stdout.write(str(result.exit_code) + result.output)
"""


def test_two_imports_of_one_export_at_the_same_moment_leave_one_copy_of_each_record(engine_cli, engine_db, tmp_path):
    def on_a_file(db, *args):
        return ok(CliRunner().invoke(app, ["--db", str(tmp_path / db), *args]))

    on_a_file("source.db", "import", str(BOOK))
    export = tmp_path / "out" / "custview-export.yaml"
    on_a_file("source.db", "export", "--format", "yaml", "--out", str(export.parent))
    someone_else = tmp_path / "other.yaml"
    someone_else.write_text("companies:\n  - {name: Zeta Works}\n", encoding="utf-8")
    for path in (someone_else, export):
        on_a_file("reference.db", "import", str(path))
    expected = exported(lambda *args: on_a_file("reference.db", *args), tmp_path / "expected")

    ok(engine_cli("import", str(someone_else)))
    importers = [subprocess.Popen([sys.executable, "-c", PARALLEL_IMPORT, engine_db, str(export)],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [process.communicate(timeout=120) for process in importers]
    assert [out[0][:1] for out in outputs] == ["0", "0"], outputs
    assert exported(engine_cli, tmp_path / "after") == expected


def rows(db: str, sql: str) -> list[tuple]:
    """What a query reads from the book on either engine."""
    if db.startswith("postgresql"):
        import psycopg

        with psycopg.connect(db) as connection:
            return [tuple(row) for row in connection.execute(sql).fetchall()]
    with sqlite3.connect(db) as connection:
        return connection.execute(sql).fetchall()


def test_two_imports_of_one_calendar_at_the_same_moment_add_each_event_once(engine_db, engine_book):
    calendar = str(FIXTURES / "calendar" / "meetings.ics")
    importers = [subprocess.Popen([sys.executable, "-c", PARALLEL_IMPORT, engine_db, calendar, "--known-only"],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [process.communicate(timeout=120) for process in importers]
    assert [out[0][:1] for out in outputs] == ["0", "0"], outputs
    # 13 weekly syncs, 15 monthly plannings, a workshop and a kick-off: one row each, whoever came second
    assert rows(engine_db, "SELECT count(*), count(DISTINCT uid) FROM appointment WHERE uid IS NOT NULL") == [(30, 30)]


def test_an_import_whose_key_another_writer_took_meanwhile_changes_nothing_and_says_so(engine_db, engine_book):
    from custview.db.dialect import driver_connection
    from custview.db.writer import Store
    from custview.errors import UserError
    from custview.importers.tables import TableRows

    store = Store.open(engine_db)
    with pytest.raises(UserError) as refused, store.writing() as session:
        tickets = TableRows(driver_connection(session), "ticket")
        tickets.insert({"ref": "T-9", "subject": "New one", "status": "open", "priority": "normal", "opened_at": "2026-06-01 09:00:00.000000"})
        tickets.insert({"ref": "T-2", "subject": "Taken since the import looked", "status": "open", "priority": "normal",
                        "opened_at": "2026-06-01 09:00:00.000000"})
        tickets.flush()
    store.close()
    assert str(refused.value) == ("another writer added a ticket with the ref 'T-2' while this import ran; "
                                  "nothing was imported: run the import again.")
    assert rows(engine_db, "SELECT ref, subject FROM ticket WHERE ref IN ('T-2', 'T-9')") == [
        ("T-2", "Can we also add SSO?")]


def test_an_older_book_whose_meetings_repeat_a_calendar_uid_keeps_it_on_the_earliest_and_says_so(engine_db,
                                                                                                  engine_book):
    version = "UPDATE custview_schema SET version = 14" if engine_db.startswith("postgresql") else "PRAGMA user_version = 14"
    for statement in ("DROP INDEX ix_appointment_uid", "CREATE INDEX ix_appointment_uid ON appointment (uid)",
                      *["INSERT INTO appointment (contact_id, company_id, purpose, kind, scheduled_at, decisions, uid) "
                        "SELECT contact_id, company_id, purpose, kind, scheduled_at, decisions, 'same@calendar' "
                        "FROM appointment WHERE id = (SELECT min(id) FROM appointment)"] * 2,
                      "UPDATE appointment SET uid = 'same@calendar' WHERE id = (SELECT min(id) FROM appointment)",
                      version):
        execute(engine_db, statement)
    first, second, third = [row[0] for row in rows(engine_db, "SELECT id FROM appointment ORDER BY id LIMIT 3")]
    result = CliRunner().invoke(app, ["--db", engine_db, "contacts"])
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[0] == (
        f"note: meetings #{second}, #{third} held a calendar UID an earlier meeting holds; the earliest keeps it, "
        "these keep everything else (a calendar UID now names one meeting)")
    assert rows(engine_db, f"SELECT id, uid FROM appointment WHERE id <= {third} ORDER BY id") == [
        (first, "same@calendar"), (second, None), (third, None)]
    execute(engine_db, f"UPDATE appointment SET uid = 'same@calendar' WHERE id = {second}", fails=True)


def execute(db: str, statement: str, fails: bool = False) -> None:
    """Change the book behind custview's back (as an older custview did), on either engine."""
    if db.startswith("postgresql"):
        import psycopg

        error, connect = psycopg.errors.UniqueViolation, lambda: psycopg.connect(db, autocommit=True)
    else:
        error, connect = sqlite3.IntegrityError, lambda: sqlite3.connect(db, isolation_level=None)
    connection = connect()
    try:
        if fails:
            with pytest.raises(error):
                connection.execute(statement)
        else:
            connection.execute(statement)
    finally:
        connection.close()


def test_the_funnel_and_the_portfolio_read_the_same_on_either_engine(engine_cli, engine_book):
    stages = {s["stage"]: s for s in json.loads(ok(engine_cli("pipeline", "--json")).stdout)["stages"]}
    assert sum(s["contacts"] for s in stages.values()) == 4
    assert all(s["stalled"] <= s["contacts"] for s in stages.values())
    ok(engine_cli("add", "criterion", "Acme", "Audit time", "--target", "halved", "--status", "at risk"))
    assert "success criteria: 1 at risk" in ok(engine_cli("show", "company", "Acme")).stdout
    assert json.loads(ok(engine_cli("criterion", "set", "Audit time", "met", "--json")).stdout)["status"] == "met"


def test_every_write_records_who_made_it_and_the_timeline_and_imports_show_it(engine_cli, engine_book, tmp_path,
                                                                             monkeypatch):
    monkeypatch.setenv("CUSTVIEW_ME", "Dana Ortiz")
    ok(engine_cli("log", "Omar Haddad", "-p", "Pilot review", "-o", "Agreed", "--stage", "Buyer"))
    ok(engine_cli("ticket", "close", "T-1"))
    monkeypatch.delenv("CUSTVIEW_ME")
    monkeypatch.setenv("LOGNAME", "omar-laptop")  # no "me" set: the OS user
    extra = tmp_path / "extra.yaml"
    extra.write_text("companies:\n  - {name: Zeta Works}\n", encoding="utf-8")
    ok(engine_cli("import", str(extra)))
    monkeypatch.setenv("CUSTVIEW_ME", "Tessa Moreau")
    runs = json.loads(ok(engine_cli("imports", "--json")).stdout)
    ok(engine_cli("undo-import", str(runs[0]["id"])))

    events = json.loads(ok(engine_cli("timeline", "Omar Haddad", "--since", "-1d", "--json")).stdout)["events"]
    assert [(e["kind"], e["title"], e["made_by"]) for e in events] == [
        ("appointment", "other: Pilot review", "Dana Ortiz"), ("stage", "Researcher → Buyer", "Dana Ortiz")]
    assert "by Dana Ortiz" in ok(engine_cli("timeline", "Omar Haddad", "--since", "-1d")).stdout
    closed = json.loads(ok(engine_cli("timeline", "Ann Lee", "--since", "-1d", "--kind", "ticket", "--json")).stdout)
    assert [(e["title"], e["made_by"]) for e in closed["events"]] == [("closed T-1 Export fails on large files",
                                                                      "Dana Ortiz")]
    runs = json.loads(ok(engine_cli("imports", "--json")).stdout)
    assert [(run["made_by"], run["undone_by"]) for run in runs[:1]] == [("omar-laptop", "Tessa Moreau")]
    shown = ok(engine_cli("imports")).stdout
    assert shown.count("by omar-laptop") == 1 and shown.count("by Tessa Moreau") == 1


def test_a_planned_meeting_shows_today_and_forgetting_its_contact_removes_it_with_everything_theirs(engine_cli,
                                                                                                     engine_book):
    ok(engine_cli("plan", "Ann Lee", "--when", "today 15:00", "-p", "Pilot kickoff"))
    agenda = json.loads(ok(engine_cli("today", "--json")).stdout)
    assert [(item["purpose"], item["contact"]) for item in agenda] == [("Pilot kickoff", "Ann Lee")]
    forgotten = json.loads(ok(engine_cli("forget", "Ann Lee", "--yes", "--json")).stdout)
    # book.yaml: her 3 signals, 3 stage moves, 1 note, the review (3 attendees with her, 3 next steps), and the
    # meeting just planned (her as its attendee); her 2 tickets stay with Acme Analytics, unlinked.
    assert forgotten["removed"] == {"contact": 1, "signals": 3, "stage_changes": 3, "notes": 1, "tickets": 0,
                                    "appointments": 2, "appointment_attendees": 4, "appointment_next_steps": 3,
                                    "attendance_elsewhere": 0, "aliases": 0, "merges": 0}
    assert forgotten["tickets_kept_for_company"] == 2
    assert json.loads(ok(engine_cli("today", "--json")).stdout) == []
    assert engine_cli("brief", "Ann Lee").exit_code == 1
    assert "Anna Berg" in ok(engine_cli("brief", "Anna Berg")).stdout


def test_an_attendee_who_is_neither_a_contact_nor_one_of_us_stays_unlinked(engine_cli, tmp_path):
    meeting = tmp_path / "meeting.yaml"
    meeting.write_text("members:\n  - {name: Dana Ortiz, email: dana@us.example, team: success}\n"
                       "contacts:\n  - {name: Ann Lee, email: ann@acme.example}\n"
                       "appointments:\n  - contact: Ann Lee\n    purpose: Pilot review\n    at: -1d 10:00\n"
                       "    attendees:\n      - {name: Zed Outsider, role: auditor}\n      - {name: Dana Ortiz (us)}\n",
                       encoding="utf-8")
    ok(engine_cli("import", str(meeting)))
    events = json.loads(ok(engine_cli("timeline", "Ann Lee", "--json")).stdout)["events"]
    assert [e["who"] for e in events if e["kind"] == "appointment"] == ["Ann Lee, Zed Outsider, Dana Ortiz (us)"]


EDIT_FIVE_TIMES = """
import sys
from typer.testing import CliRunner
from custview.cli.app import app
db, option = sys.argv[1:3]
for n in range(5):
    result = CliRunner().invoke(app, ["--db", db, "add", "contact", "Omar Haddad", "--email", "omar@borealis.example",
                                      f"--{option}", f"{option} {n}"])
    sys.stdout.write(str(result.exit_code))
"""


def test_two_people_editing_one_contact_at_once_lose_neither_change(engine_db, engine_book):
    editors = [subprocess.Popen([sys.executable, "-c", EDIT_FIVE_TIMES, engine_db, option], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for option in ("title", "phone")]
    outputs = [editor.communicate(timeout=180) for editor in editors]
    assert [out for out, _ in outputs] == ["00000", "00000"], outputs
    brief = json.loads(ok(CliRunner().invoke(app, ["--db", engine_db, "brief", "Omar Haddad", "--json"])).stdout)
    assert (brief["title"], brief["phone"], brief["stage"]["stage"]) == ("title 4", "phone 4", "Researcher")


MOVE_AND_LOG_FIVE_TIMES = """
import sys
from typer.testing import CliRunner
from custview.cli.app import app
db, stage = sys.argv[1:3]
for n in range(5):
    for command in (["stage", "set", "Omar Haddad", stage if n % 2 else "Audience"],
                    ["log", "Omar Haddad", "-p", f"{stage} call {n}", "-o", "ok"]):
        sys.stdout.write(str(CliRunner().invoke(app, ["--db", db, *command]).exit_code))
"""


def test_two_people_moving_and_logging_one_contact_at_once_keep_a_history_where_each_move_follows_the_last(
        engine_db, engine_book):
    movers = [subprocess.Popen([sys.executable, "-c", MOVE_AND_LOG_FIVE_TIMES, engine_db, stage],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for stage in ("Buyer", "Adopter")]
    outputs = [mover.communicate(timeout=180) for mover in movers]
    assert [out for out, _ in outputs] == ["0" * 10] * 2, outputs
    history = rows(engine_db, "SELECT previous_stage, stage_change.stage FROM stage_change JOIN contact ON contact.id = contact_id "
                              "WHERE contact.name = 'Omar Haddad' ORDER BY changed_at, stage_change.id")
    assert all(before[1] == after[0] for before, after in zip(history, history[1:])), history
    assert rows(engine_db, "SELECT count(*) FROM appointment WHERE purpose LIKE '% call %'") == [(10,)]
