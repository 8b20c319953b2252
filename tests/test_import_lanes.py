"""The fast lane for big contacts and tickets exports: plainly new rows go straight in, every other row is
checked as before, and a file mixing both imports exactly as if each row had been checked."""

from __future__ import annotations

import json
import sqlite3

from conftest import dump

HUBSPOT = "First Name,Last Name,Email,Company Name,Lifecycle Stage,Contact owner\n"
ZENDESK = "Id,Requester,Requester email,Subject,Status,Priority,Ticket type,Organization,Created at,Tags\n"


def query(db, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as connection:
        return connection.execute(sql).fetchall()


def counts(result) -> dict:
    return {kind: c for kind, c in json.loads(result.stdout)["counts"].items() if c}


def test_new_people_updates_and_email_only_rows_in_one_file(cli, db, tmp_path):
    export = tmp_path / "contacts.csv"
    export.write_text(HUBSPOT + "Ann,Lee,ann@acme.example,Acme Inc.,customer,Dana Ortiz\n"
                      "Ben,Berg,ben@acme.example,ACME,lead,Dana Ortiz\n"
                      ",,priya.raman@acme.example,Acme Inc.,,\n"
                      "Ann,Lee,ANN@acme.example,Acme Inc.,evangelist,Dana Ortiz\n", encoding="utf-8")
    result = cli("import", str(export), "--json")
    assert result.exit_code == 0, result.output
    # The second Ann Lee row is the first one again (same email, any case): an update, not a person.
    assert counts(result) == {"members": {"created": 1}, "companies": {"created": 1},
                              "contacts": {"created": 3, "updated": 1}}
    assert query(db, "SELECT c.name, c.email, c.name_derived, c.stage, co.name, m.name FROM contact c "
                     "JOIN company co ON co.id = c.company_id JOIN member m ON m.id = c.owner_id ORDER BY c.id") == [
        ("Ann Lee", "ann@acme.example", 0, "Advocate", "Acme Inc.", "Dana Ortiz"),
        ("Ben Berg", "ben@acme.example", 0, "Researcher", "Acme Inc.", "Dana Ortiz")]
    assert query(db, "SELECT name, name_derived, stage, owner_id FROM contact WHERE company_id IS NOT NULL "
                     "AND owner_id IS NULL") == [("Priya Raman", 1, "Audience", None)]
    assert query(db, "SELECT c.name, s.previous_stage, s.stage, s.source FROM stage_change s "
                     "JOIN contact c ON c.id = s.contact_id ORDER BY s.id") == [
        ("Ann Lee", None, "Value Creator", "import"), ("Ben Berg", None, "Researcher", "import"),
        ("Priya Raman", None, "Audience", "import"), ("Ann Lee", "Value Creator", "Advocate", "import")]
    # Again: Ann Lee's two rows move her to Value Creator and back to Advocate; the others are as they were.
    assert counts(cli("import", str(export), "--json")) == {"contacts": {"updated": 2, "unchanged": 2}}


def test_a_bad_row_among_good_ones_is_refused_with_its_line_and_nothing_is_written(cli, db, tmp_path):
    first = tmp_path / "first.csv"
    first.write_text(HUBSPOT + "Kai,Brandt,kai@cobalt.example,Cobalt Labs,customer,\n", encoding="utf-8")
    assert cli("import", str(first)).exit_code == 0
    before = dump(db)
    export = tmp_path / "contacts.csv"
    export.write_text(HUBSPOT + "Ann,Lee,ann@acme.example,Acme Inc.,customer,\n"
                      "Ben,Berg,ben.acme.example,Acme Inc.,lead,\n"
                      "Cleo,Park,cleo@acme.example,Acme Inc.,founder,\n", encoding="utf-8")
    result = cli("import", str(export))
    assert result.exit_code == 1
    assert f"{export}:3: Email: 'ben.acme.example' is not an email address" in result.output
    assert f"{export}:4: Lifecycle Stage: " in result.output
    assert dump(db) == before


def test_tickets_link_to_their_contact_and_its_company_and_keep_unknown_requesters(cli, db, tmp_path):
    people = tmp_path / "contacts.csv"
    people.write_text(HUBSPOT + "Ann,Lee,ann@acme.example,Acme Inc.,customer,\n", encoding="utf-8")
    assert cli("import", str(people)).exit_code == 0
    tickets = tmp_path / "tickets.csv"
    tickets.write_text(ZENDESK + "701,Ann Lee,ann@acme.example,Dashboards time out,Open,High,Incident,,"
                       "2026-11-02 09:15,sso billing\n"
                       "702,Vic Stone,vic@elsewhere.example,Cannot log in,Solved,Low,Question,,2026-11-03 10:00,\n",
                       encoding="utf-8")
    result = cli("import", str(tickets), "--json")
    assert result.exit_code == 0, result.output
    assert counts(result) == {"tickets": {"created": 2, "unlinked": 1}}
    assert query(db, "SELECT t.ref, c.name, co.name, t.status, t.priority, t.kind, t.topics, t.requester_email "
                     "FROM ticket t LEFT JOIN contact c ON c.id = t.contact_id "
                     "LEFT JOIN company co ON co.id = t.company_id ORDER BY t.ref") == [
        ("zendesk-701", "Ann Lee", "Acme Inc.", "open", "high", "issue", '["sso", "billing"]', None),
        ("zendesk-702", None, None, "closed", "low", "question", "[]", "vic@elsewhere.example")]
    assert counts(cli("import", str(tickets), "--json")) == {"tickets": {"unchanged": 2, "unlinked": 1}}
