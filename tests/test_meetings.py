"""The meeting loop on the small test book: plan a meeting, log onto it, keep the promises made there."""

import json
import sqlite3

import pytest

from conftest import dump

NOW = "2026-06-15T09:00:00Z"  # a Monday


@pytest.fixture
def pinned(monkeypatch):
    """The clock stands at Monday 15 June 2026, 09:00 UTC (before the book is imported)."""
    monkeypatch.setenv("CUSTVIEW_NOW", NOW)
    monkeypatch.setenv("TZ", "UTC")


def count(db, table: str) -> int:
    with sqlite3.connect(db) as connection:
        return connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_plan_records_a_meeting_without_an_outcome_that_log_then_completes(pinned, cli, book):
    planned = cli("plan", "Ann Lee", "--when", "Wed 14:00", "-p", "SSO scoping", "-k", "discovery",
                  "-a", "Anna:project lead", "--json")
    assert planned.exit_code == 0, planned.output
    meeting = json.loads(planned.stdout)
    assert (meeting["scheduled_at"], meeting["outcome"], meeting["kind"]) == ("2026-06-17T14:00:00Z", None,
                                                                             "discovery")
    assert [(a["name"], a["role"]) for a in meeting["attendees"]] == [("Ann Lee", "decision maker"),
                                                                     ("Anna Berg", "project lead")]
    appointments = count(book, "appointment")
    logged = cli("log", "Ann Lee", "--when", "Wed 15:10", "-o", "Chose SAML", "-d", "SAML first",
                 "-n", "Draft the SOW | Dana Ortiz | Fri")
    assert logged.exit_code == 0, logged.output
    assert f"Completed the planned meeting #{meeting['id']}: SSO scoping with Ann Lee" in logged.stdout
    assert count(book, "appointment") == appointments
    with sqlite3.connect(book) as connection:
        row = connection.execute("SELECT purpose, scheduled_at, outcome, decisions FROM appointment WHERE id = ?",
                                 (meeting["id"],)).fetchone()
    assert row == ("SSO scoping", "2026-06-17 14:00:00.000000", "Chose SAML", '["SAML first"]')


def test_logging_the_same_meeting_twice_adds_to_it(pinned, cli, book):
    first = cli("log", "Ann Lee", "-p", "Renewal call", "-o", "Renewing", "--when", "-1h", "-d", "Two-year term",
                "-a", "Anna Berg", "--json")
    appointments = count(book, "appointment")
    second = cli("log", "Ann Lee", "-p", "Renewal call", "-o", "Renewing", "--when", "-1h", "-d", "Invoice yearly",
                 "-n", "Send the order form", "--json")
    assert second.exit_code == 0, second.output
    again = json.loads(second.stdout)
    assert again["id"] == json.loads(first.stdout)["id"] and count(book, "appointment") == appointments
    assert again["decisions"] == ["Two-year term", "Invoice yearly"]
    assert [a["name"] for a in again["attendees"]] == ["Ann Lee", "Anna Berg"]


def test_a_log_on_another_day_does_not_complete_the_planned_meeting(pinned, cli, book):
    cli("plan", "Ann Lee", "--when", "tomorrow 10:00", "-p", "SSO scoping")
    result = cli("log", "Ann Lee", "-p", "Quick call", "-o", "Fine", "--json")
    assert json.loads(result.stdout)["action"] == "created"


def test_meeting_option_picks_the_planned_meeting(pinned, cli, book):
    planned = json.loads(cli("plan", "Ann Lee", "--when", "+2d 10:00", "-p", "SSO scoping", "--json").stdout)
    result = cli("log", "Ann Lee", "--meeting", f"#{planned['id']}", "-o", "Moved forward", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["id"] == planned["id"]


@pytest.mark.parametrize("args, message", [
    (["log", "Omar Haddad", "-o", "x", "--meeting", "{ann}"],
     "error: --meeting: meeting #{ann} (SSO scoping) is with Ann Lee, not Omar Haddad."),
    (["log", "Ann Lee", "-o", "x", "--meeting", "999"], "error: --meeting: no meeting #999."),
    (["plan", "Ann Lee", "--when", "+1d", "-a", "Ann"],
     "error: --attendee: 'Ann' matches 2 contacts: Ann Lee (Acme Analytics, ann.lee@acme.example) #1; "
     "Anna Berg (Acme Analytics, anna.berg@acme.example) #2. Use more of the name, the email or #ID."),
    (["log", "Ann Lee", "-p", "x", "-o", "y", "-a", "#77"], "error: --attendee: no contact #77."),
    (["log", "Ann Lee", "-p", "x", "-o", "y", "-n", "a | b | c | d"],
     "error: --next: 'a | b | c | d': expected \"TEXT | OWNER | DUE\" (owner and due date optional)"),
    (["plan", "Ann Lee", "--when", "someday"], "error: --when: unreadable date 'someday' (try 2026-03-14, 14 Mar 2026, -3d or +1w)"),
])
def test_bad_input_is_one_line_and_changes_nothing(pinned, cli, book, args, message):
    ann = json.loads(cli("plan", "Ann Lee", "--when", "+1d", "-p", "SSO scoping", "--json").stdout)["id"]
    before = dump(book)
    result = cli(*[a.replace("{ann}", str(ann)) for a in args])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [message.replace("{ann}", str(ann))]
    assert dump(book) == before


def test_an_attendee_nobody_matches_is_kept_as_a_name_with_a_warning(pinned, cli, book):
    result = cli("plan", "Ann Lee", "--when", "+1d", "-a", "Chris (us):solutions", "-a", "anna.berg@acme.example",
                 "--json")
    assert result.exit_code == 0
    assert result.stderr.splitlines() == ["warning: attendee 'Chris (us)' matches no contact or member of ours: kept as a name only"]
    people = [(a["name"], a["contact_id"] is not None) for a in json.loads(result.stdout)["attendees"]]
    assert people == [("Ann Lee", True), ("Chris (us)", False), ("Anna Berg", True)]


def step_ids(cli) -> dict[str, str]:
    return {s["step"]: s["id"] for s in json.loads(cli("next-steps", "--json").stdout)}


def test_done_steps_leave_the_list_the_brief_and_health_and_show_in_the_timeline(pinned, cli, book):
    ids = step_ids(cli)
    assert list(ids) == ["Send SSO options", "Book training"]
    before = json.loads(cli("brief", "Ann Lee", "--json").stdout)
    assert any(r["rule"] == "overdue" for r in before["health"]["reasons"])
    result = cli("next-steps", "done", ids["Send SSO options"], "--when", "-1d 16:00")
    assert result.exit_code == 0
    assert result.stdout.startswith(f"Done {ids['Send SSO options']} Send SSO options — Dana Ortiz")
    assert list(step_ids(cli)) == ["Book training"]
    after = json.loads(cli("brief", "Ann Lee", "--json").stdout)
    assert not any(r["rule"] == "overdue" for r in after["health"]["reasons"])
    assert after["health"]["score"] > before["health"]["score"]
    assert "OVERDUE" not in cli("brief", "Ann Lee").stdout
    events = json.loads(cli("timeline", "Ann Lee", "--kind", "step", "--json").stdout)["events"]
    assert [(e["at"][:16], e["title"]) for e in events] == [
        ("2026-06-14T16:00", f"done: {ids['Send SSO options']} Send SSO options")]


def test_done_twice_or_an_unknown_id_changes_nothing(pinned, cli, book):
    ids = step_ids(cli)
    assert cli("next-steps", "done", ids["Send SSO options"]).exit_code == 0
    before = dump(book)
    twice = cli("next-steps", "done", ids["Book training"], ids["Send SSO options"])
    assert twice.exit_code == 1
    assert twice.stderr.splitlines() == [f"error: already done: {ids['Send SSO options']} (Send SSO options); "
                                         "nothing was changed (use 'next-steps reopen ID' to undo)."]
    unknown = cli("next-steps", "done", "S999")
    assert unknown.exit_code == 1
    assert unknown.stderr.splitlines() == ["error: no next step S999: the ids are shown in brief, today and next-steps."]
    assert cli("next-steps", "done", "soon").stderr.startswith("error: not a next step id: 'soon'")
    assert dump(book) == before


def test_reopen_and_edit(pinned, cli, book):
    ids = step_ids(cli)
    cli("next-steps", "done", ids["Book training"])
    reopened = cli("next-steps", "reopen", ids["Book training"], "--json")
    assert json.loads(reopened.stdout)[0]["done"] is False
    assert cli("next-steps", "reopen", ids["Book training"]).exit_code == 1
    edited = cli("next-steps", "edit", ids["Book training"], "--owner", "Kai Moreno", "--due", "2026-06-30",
                 "--text", "Book admin training", "--json")
    step = json.loads(edited.stdout)[0]
    assert (step["step"], step["owner"], step["due_at"][:10]) == ("Book admin training", "Kai Moreno", "2026-06-30")
    assert cli("next-steps", "edit", ids["Book training"]).stderr.startswith("error: nothing to change")
