"""Our own people: members, owners from imports, `--owner me`/`--team` filters and recorded hand-overs."""

from __future__ import annotations

import json
import shutil
import sqlite3

import pytest
from typer.testing import CliRunner

from conftest import BOOK, FIXTURES, dump
from custview.cli.app import app

SAMPLE = FIXTURES.parent.parent / "data" / "sample.yaml"
EXPORTS = FIXTURES / "exports"
DANAS_ACCOUNTS = ["Atlas Consulting Group", "Brightwater Energy", "Helios Health", "Northwind Logistics", "Orbit Freight"]


@pytest.fixture(scope="module")
def sample_book(tmp_path_factory):
    """The sample book, imported once for this module."""
    db = tmp_path_factory.mktemp("team") / "sample.db"
    result = CliRunner().invoke(app, ["--db", str(db), "import", str(SAMPLE)])
    assert result.exit_code == 0, result.output
    return db


@pytest.fixture
def book_db(sample_book, db):
    """A copy of the sample book for one test."""
    shutil.copy(sample_book, db)
    return db


def as_json(cli, *args):
    result = cli(*args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def query(db, sql: str, *params) -> list[tuple]:
    with sqlite3.connect(db) as connection:
        return connection.execute(sql, params).fetchall()


def test_members_are_listed_by_team_with_what_each_owns(cli, book_db):
    members = as_json(cli, "members")
    assert [(m["name"], m["team"], m["owns"]) for m in members] == [
        ("Jordan Blake", "marketing", {"contacts": 3, "companies": 1}),
        ("Maya Singh", "sales", {"contacts": 10, "companies": 3}),
        ("Kai Moreno", "service", {"contacts": 0, "companies": 0}),
        ("Dana Ortiz", "success", {"contacts": 12, "companies": 5}),
        ("Tessa Moreau", "success", {"contacts": 0, "companies": 0}),
    ]
    added = cli("add", "member", "Lee Park", "--team", "Sales", "--email", "lee@custview.example", "--role", "SDR")
    assert added.exit_code == 0 and added.stdout.strip() == "Added member Lee Park"
    assert query(book_db, "SELECT name, email, team, role FROM member WHERE name = 'Lee Park'") == [
        ("Lee Park", "lee@custview.example", "sales", "SDR")]


def test_an_unknown_team_member_or_me_is_one_line_and_changes_nothing(cli, book_db, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # where a hand-over's --out would be written
    before = dump(book_db)
    refusals = {
        ("add", "member", "Lee Park", "--team", "legal"):
            "error: add member (Lee Park): team: unknown value 'legal' (expected one of: sales, service, success, "
            "marketing)",
        ("contacts", "--team", "legal"): "error: --team: unknown team 'legal' (expected one of: sales, service, "
                                         "success, marketing)",
        ("companies", "--owner", "Zoe"): "error: No member called 'Zoe': see custview members (add one with "
                                         "custview add member NAME --team T)",
        ("attention", "--owner", "me"): "error: 'me' is not set: custview config set me \"YOUR NAME\" (or set "
                                        "CUSTVIEW_ME)",
        ("handoff", "Olivia Grant", "--to", "Zoe"): "error: No member called 'Zoe': see custview members (add one "
                                                    "with custview add member NAME --team T)",
        ("handoff", "Olivia Grant", "--to", "Dana Ortiz"): "error: Olivia Grant is already owned by Dana Ortiz: "
                                                           "nothing to hand over; nothing was changed.",
        ("handoff", "Brightwater Energy", "--to", "Dana Ortiz", "--out", "brightwater.md"):
            "error: Brightwater Energy is already owned by Dana Ortiz: nothing to hand over; nothing was changed.",
        ("handoff", "Brightwater Energy", "--to", "Maya Singh", "--from", "Zoe"):
            "error: No member called 'Zoe': see custview members (add one with custview add member NAME --team T)",
        ("config", "set", "me", "Zoe"): "error: No member called 'Zoe': see custview members (add one with "
                                        "custview add member NAME --team T)",
    }
    for arguments, line in refusals.items():
        result = cli(*arguments)
        assert (result.exit_code, result.stderr.splitlines()) == (1, [line]), arguments
    assert dump(book_db) == before and not (tmp_path / "brightwater.md").exists()


def test_owners_come_in_from_a_hubspot_and_a_zendesk_export(cli, db):
    assert cli("import", str(BOOK)).exit_code == 0
    hubspot = cli("import", str(EXPORTS / "hubspot-contacts.csv"), "--json")
    assert hubspot.exit_code == 0, hubspot.output
    assert json.loads(hubspot.stdout)["counts"]["members"] == {"created": 1}
    zendesk = cli("import", str(EXPORTS / "zendesk-tickets-assigned.csv"), "--json")
    assert zendesk.exit_code == 0, zendesk.output
    assert json.loads(zendesk.stdout)["counts"]["members"] == {"created": 2}
    assert query(db, "SELECT c.name, m.name FROM contact c JOIN member m ON m.id = c.owner_id ORDER BY c.name") == [
        ("Ann Lee", "Dana Ortiz"), ("José Núñez", "Dana Ortiz"), ("Omar Haddad", "Dana Ortiz")]
    assert query(db, "SELECT t.ref, m.name FROM ticket t LEFT JOIN member m ON m.id = t.owner_id "
                     "WHERE t.ref LIKE 'zendesk-%' ORDER BY t.ref") == [
        ("zendesk-601", "Kai Moreno"), ("zendesk-602", "Lee Park"), ("zendesk-603", None)]
    assert [(m["name"], m["team"]) for m in as_json(cli, "members")] == [
        ("Dana Ortiz", None), ("Kai Moreno", None), ("Lee Park", None)]  # no team until someone says


def test_owner_me_filters_every_list_to_what_i_own(cli, book_db):
    assert cli("config", "set", "me", "dana ortiz").exit_code == 0
    assert cli("config", "get", "me").stdout == "Dana Ortiz\n"
    assert [row["name"] for row in as_json(cli, "companies", "--owner", "me")] == DANAS_ACCOUNTS
    assert [row["name"] for row in as_json(cli, "companies", "--team", "sales")] == [
        "Crestline Retail", "Meridian Manufacturing", "Quanta Finance"]
    mine = as_json(cli, "contacts", "--owner", "me")
    assert len(mine) == 12 and {c["company"] for c in mine} == {
        "Northwind Logistics", "Helios Health", "Brightwater Energy", "Atlas Consulting Group"}
    assert "Sarah Chen" not in {c["name"] for c in mine}  # Maya Singh's
    assert as_json(cli, "contacts", "--owner", "me", "--team", "sales") == []
    assert {step["owner"] for step in as_json(cli, "next-steps", "--owner", "me")} == {"Dana Ortiz"}
    assert {step["owner"] for step in as_json(cli, "next-steps", "--team", "service")} == {"Kai Moreno"}
    assert {item["name"] for item in as_json(cli, "attention", "--owner", "me", "--limit", "50")} <= {
        c["name"] for c in mine}
    funnel = as_json(cli, "pipeline", "--owner", "me")
    assert sum(stage["contacts"] for stage in funnel["stages"]) == 12


def test_the_environment_says_who_me_is_before_the_settings_file(cli, book_db, monkeypatch):
    assert cli("config", "set", "me", "Dana Ortiz").exit_code == 0
    monkeypatch.setenv("CUSTVIEW_ME", "Maya Singh")
    assert [row["name"] for row in as_json(cli, "companies", "--owner", "me")] == [
        "Crestline Retail", "Meridian Manufacturing", "Quanta Finance"]


def test_a_recorded_hand_over_changes_the_owner_moves_my_open_steps_and_shows_in_the_timeline(cli, book_db, tmp_path):
    before = dump(book_db)
    preview = cli("handoff", "Olivia Grant", "--to", "Maya Singh", "--preview", "--out", str(tmp_path / "h.md"))
    assert preview.exit_code == 0, preview.output
    assert "(preview: nothing recorded yet)" in preview.stdout
    assert dump(book_db) == before and not (tmp_path / "h.md").exists()

    result = cli("handoff", "Olivia Grant", "--to", "Maya Singh", "--out", str(tmp_path / "h.md"))
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[0] == "Handed Olivia Grant from Dana Ortiz to Maya Singh: 1 open next step moved."
    document = (tmp_path / "h.md").read_text()
    assert "From **Dana Ortiz** to **Maya Singh**, 2026-" in document
    assert "- Open next step now Maya Singh's: S12 Weekly status email to Olivia" in document
    assert "- Open next step staying with Kai Moreno: S11 Deliver the streaming ingestion fix" in document
    assert query(book_db, "SELECT m.name FROM contact c JOIN member m ON m.id = c.owner_id "
                          "WHERE c.name = 'Olivia Grant'") == [("Maya Singh",)]
    assert query(book_db, "SELECT id, owner FROM next_step WHERE id IN (11, 12) ORDER BY id") == [
        (11, "Kai Moreno"), (12, "Maya Singh")]
    events = as_json(cli, "timeline", "Olivia Grant", "--kind", "handover")["events"]
    assert [(e["title"], e["details"]) for e in events] == [
        ("Olivia Grant handed over from Dana Ortiz to Maya Singh", ["1 open next step moved with it"])]
    again = cli("handoff", "Olivia Grant", "--to", "Maya Singh")
    assert again.exit_code == 1 and "already owned by Maya Singh" in again.stderr


def test_a_recorded_account_hand_over_moves_the_account_its_people_and_my_open_steps(cli, book_db):
    assert cli("add", "member", "Lee Park", "--team", "success").exit_code == 0
    result = cli("handoff", "Brightwater Energy", "--to", "Lee Park")
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[0] == "Handed Brightwater Energy from Dana Ortiz to Lee Park: 1 open next step moved."
    assert result.stdout.startswith("# Account hand-over: Brightwater Energy")
    assert "- People now Lee Park's: Nadia Haddad, Olivia Grant, Ravi Menon" in result.stdout
    assert query(book_db, "SELECT m.name FROM company c JOIN member m ON m.id = c.owner_id "
                          "WHERE c.name = 'Brightwater Energy'") == [("Lee Park",)]
    assert query(book_db, "SELECT c.name, m.name FROM contact c JOIN member m ON m.id = c.owner_id "
                          "JOIN company co ON co.id = c.company_id WHERE co.name = 'Brightwater Energy' "
                          "ORDER BY c.name") == [
        ("Nadia Haddad", "Lee Park"), ("Olivia Grant", "Lee Park"), ("Ravi Menon", "Lee Park")]
    assert query(book_db, "SELECT id, owner FROM next_step WHERE id IN (11, 12) ORDER BY id") == [
        (11, "Kai Moreno"), (12, "Lee Park")]  # Kai's promise stays Kai's
    events = as_json(cli, "timeline", "Brightwater Energy", "--kind", "handover")["events"]
    assert [(e["title"], e["details"]) for e in events] == [
        ("account Brightwater Energy handed over from Dana Ortiz to Lee Park", ["1 open next step moved with it"])]
    assert [row["name"] for row in as_json(cli, "companies", "--owner", "Lee Park")] == ["Brightwater Energy"]
