import json
import sqlite3

from conftest import dump


def test_logged_outcome_and_next_step_show_in_the_brief(cli, book):
    result = cli("log", "Omar Haddad", "--purpose", "NetSuite integration deep-dive", "--outcome",
                 "Agreed to a pilot scope", "--next", "Send pilot proposal", "--due", "+3d")
    assert result.exit_code == 0, result.output
    assert "Logged meeting #2: NetSuite integration deep-dive" in result.stdout and "Send pilot proposal" in result.stdout
    brief = cli("brief", "Omar Haddad").stdout
    assert "NetSuite integration deep-dive" in brief and "Agreed to a pilot scope" in brief
    step_line = next(line for line in brief.splitlines() if "Send pilot proposal" in line)
    assert "in 3 days" in step_line and "OVERDUE" not in step_line


def test_log_records_decisions_attendees_owners_and_kind(cli, book):
    result = cli("log", "Ann Lee", "-p", "SSO scoping", "-o", "Chose SAML", "--kind", "strategic", "--when", "-1d 14:00",
                 "-d", "SAML first", "-d", "Pilot in Q1", "-n", "Draft SOW | Dana", "-n", "Invite IT",
                 "-a", "Anna Berg:project lead", "-a", "Chris (us):solutions", "--json")
    assert result.exit_code == 0, result.output
    saved = json.loads(result.stdout)
    assert saved["kind"] == "strategic" and saved["decisions"] == ["SAML first", "Pilot in Q1"]
    assert [(a["name"], a["role"], a["contact_id"] is not None) for a in saved["attendees"]] == [
        ("Ann Lee", "decision maker", True), ("Anna Berg", "project lead", True), ("Chris (us)", "solutions", False)]
    assert [(s["step"], s["owner"]) for s in saved["next_steps"]] == [("Draft SOW", "Dana"), ("Invite IT", None)]
    # It happened yesterday, so it is now the last meeting in Anna's brief too (she attended).
    assert "SSO scoping" in cli("brief", "Anna Berg").stdout


def test_log_can_move_the_contact_along_the_value_path(cli, book):
    result = cli("log", "Omar", "-p", "Pricing call", "-o", "Asked for a quote", "--stage", "hand raiser")
    assert result.exit_code == 0
    assert "Researcher → Hand Raiser" in result.stdout
    assert "3/8 Hand Raiser" in cli("brief", "Omar").stdout
    with sqlite3.connect(book) as connection:
        moves = connection.execute(
            "SELECT previous_stage, stage, source FROM stage_change WHERE contact_id = "
            "(SELECT id FROM contact WHERE name = 'Omar Haddad') ORDER BY id").fetchall()
    assert moves[-1] == ("Researcher", "Hand Raiser", "log")


def test_without_a_terminal_missing_required_options_are_an_error(cli, book):
    before = dump(book)
    result = cli("log", "Ann Lee", "--outcome", "fine")
    assert result.exit_code == 1
    assert "--purpose is required (no terminal to ask on)" in result.stderr
    assert dump(book) == before


def test_on_a_terminal_missing_required_options_are_asked_for(cli, book, monkeypatch):
    from custview.cli.commands import log

    monkeypatch.setattr(log, "_interactive", lambda: True)
    result = cli("log", "Ann Lee", input="Renewal check-in\nHappy, renewing\n")
    assert result.exit_code == 0, result.output
    assert "Purpose of the meeting" in result.stdout and "Outcome" in result.stdout
    assert "Happy, renewing" in cli("brief", "Ann Lee").stdout


def test_bad_options_are_reported_together_and_nothing_is_written(cli, book):
    before = dump(book)
    result = cli("log", "Ann Lee", "-p", "x", "-o", "y", "--kind", "party", "--stage", "boss", "--when", "nope",
                 "-n", "a", "--due", "whenever")
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 4
    assert any("--kind: unknown kind 'party'" in e for e in errors)
    assert any("--stage: unknown stage 'boss'" in e for e in errors)
    assert any(e.startswith("error: --when:") for e in errors) and any(e.startswith("error: --due:") for e in errors)
    assert dump(book) == before


def test_owner_and_due_options_cannot_pair_with_the_wrong_step(cli, book):
    before = dump(book)
    for steps in ([], ["-n", "Draft SOW", "-n", "Invite IT"]):
        result = cli("log", "Ann Lee", "-p", "x", "-o", "y", *steps, "--owner", "Dana", "--due", "+1d")
        assert result.exit_code == 1
        assert 'give them inside each --next instead ("TEXT | OWNER | DUE")' in result.stderr
    assert dump(book) == before


def test_each_step_carries_its_own_owner_and_due_date(cli, book):
    result = cli("log", "Ann Lee", "-p", "SSO scoping", "-o", "Chose SAML", "--when", "2026-03-02 10:00",
                 "-n", "Draft SOW | Dana Ortiz | 2026-03-09", "-n", "Invite IT || 2026-03-05", "-n", "Book a demo",
                 "--json")
    assert result.exit_code == 0, result.output
    steps = [(s["step"], s["owner"], (s["due_at"] or "")[:10]) for s in json.loads(result.stdout)["next_steps"]]
    assert steps == [("Draft SOW", "Dana Ortiz", "2026-03-09"), ("Invite IT", None, "2026-03-05"),
                     ("Book a demo", None, "")]


def test_log_for_an_ambiguous_name_writes_nothing(cli, book):
    before = dump(book)
    assert cli("log", "an", "-p", "x", "-o", "y").exit_code == 2
    assert dump(book) == before
