"""custview merge KEEP OTHER: a duplicate's records move to the one kept, its email stays as an alias.

The fixtures: tests/fixtures/exports/hubspot-contacts-duplicates.csv (a HubSpot export that makes
a second Ann Lee, a misspelt Omar Hadad and the companies "Acme Analytcs" and "Borealis") and
tests/fixtures/duplicates-history.yaml (what was then recorded against those duplicates).
"""

import json
import shutil
import sqlite3
import sys

import pytest
from conftest import FIXTURES, answer_on_a_terminal, dump

from custview.db.reader import Reader

DUPLICATING_EXPORT = FIXTURES / "exports" / "hubspot-contacts-duplicates.csv"
DUPLICATES_HISTORY = FIXTURES / "duplicates-history.yaml"
DUPLICATE_ANN = "ann.lee+events@acme.example"


def rows(db, sql, *parameters):
    with sqlite3.connect(db) as connection:
        return connection.execute(sql, parameters).fetchall()


def contact_id(db, email):
    return rows(db, "SELECT id FROM contact WHERE email = ?", email)[0][0]


def company_id(db, name):
    return rows(db, "SELECT id FROM company WHERE name = ?", name)[0][0]


@pytest.fixture
def duplicated(cli, book):
    """The test book after the duplicating export and the history recorded against its duplicates."""
    for path in (DUPLICATING_EXPORT, DUPLICATES_HISTORY):
        result = cli("import", str(path))
        assert result.exit_code == 0, result.output
    return book


def merge_json(cli, *arguments):
    result = cli("merge", *arguments, "--yes", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


LINKS = (("signal", "contact_id"), ("stage_change", "contact_id"), ("appointment", "contact_id"),
         ("attendee", "contact_id"), ("ticket", "contact_id"), ("note", "contact_id"))


def test_merging_contacts_moves_every_record_of_the_duplicate_to_the_one_kept(cli, duplicated):
    db = duplicated
    ann, other = contact_id(db, "ann.lee@acme.example"), contact_id(db, DUPLICATE_ANN)
    stage_since = rows(db, "SELECT stage_since FROM contact WHERE id = ?", ann)
    assert {table: rows(db, f"SELECT count(*) FROM {table} WHERE {column} = ?", other)[0][0]
            for table, column in LINKS} == {"signal": 3, "stage_change": 1, "appointment": 1, "attendee": 3,
                                            "ticket": 1, "note": 1}

    report = merge_json(cli, "ann.lee@acme.example", DUPLICATE_ANN)

    assert report["moved"] == {"signals": 2, "stage_changes": 0, "appointments": 1, "attendee_links": 2,
                               "tickets": 1, "notes": 1}
    # the webinar both records had, the duplicate's "entered as" entry from the day the export made it,
    # and its place in the meeting Ann herself had
    assert report["dropped"] == {"signals": 1, "stage_changes": 1, "attendee_links": 1, "notes": 0}
    assert report["filled"] == {"phone": "+1 415 555 0199", "owner": "Dana Ortiz"}
    assert [(c["field"], c["kept"], c["other"], c["result"]) for c in report["conflicts"]] == [
        ("email", "ann.lee@acme.example", DUPLICATE_ANN, "ann.lee@acme.example"),
        ("title", "Head of Data", "Data Lead", "Head of Data"),
        ("stage", "Adopter", "Audience", "Adopter")]
    assert report["aliases"] == [DUPLICATE_ANN]

    assert rows(db, "SELECT count(*) FROM contact WHERE id = ?", other) == [(0,)]
    for table, column in LINKS:
        assert rows(db, f"SELECT count(*) FROM {table} WHERE {column} = ?", other) == [(0,)], table
    assert sorted(title for (title,) in rows(db, "SELECT title FROM signal WHERE contact_id = ?", ann)) == [
        "Audit trail guide", "Data Governance Summit", "Governance at scale", "Guide: audit-ready pipelines",
        "Lineage in practice", "Old conference"]
    attendees = rows(db, "SELECT a.purpose, t.name, t.contact_id, t.role FROM attendee t JOIN appointment a "
                         "ON a.id = t.appointment_id WHERE a.purpose IN ('Summit follow-up on lineage', "
                         "'Rollout planning with the data team', 'Audit rollout security review') ORDER BY t.id")
    assert attendees == [
        ("Summit follow-up on lineage", "Ann Lee", ann, None),
        ("Summit follow-up on lineage", "Dana Ortiz (us)", None, "account manager"),
        ("Rollout planning with the data team", "Anna Berg", contact_id(db, "anna.berg@acme.example"), None),
        ("Rollout planning with the data team", "Ann Lee", ann, "sponsor"),
        ("Audit rollout security review", "Ann Lee", ann, "decision maker"),
    ]
    assert rows(db, "SELECT contact_id FROM appointment WHERE purpose = 'Summit follow-up on lineage'") == [(ann,)]
    assert rows(db, "SELECT contact_id FROM ticket WHERE ref = 'T-50'") == [(ann,)]
    assert rows(db, "SELECT contact_id FROM note WHERE text LIKE 'Met at the summit booth%'") == [(ann,)]
    assert rows(db, "SELECT name, email, phone, title, stage FROM contact WHERE id = ?", ann) == [
        ("Ann Lee", "ann.lee@acme.example", "+1 415 555 0199", "Head of Data", "Adopter")]
    assert rows(db, "SELECT stage_since FROM contact WHERE id = ?", ann) == stage_since
    assert rows(db, "SELECT contact_id, email FROM contact_alias") == [(ann, DUPLICATE_ANN)]
    assert rows(db, "SELECT kind, kept_id, merged_name, merged_email FROM merge_record") == [
        ("contact", ann, "Ann Lee", DUPLICATE_ANN)]
    assert rows(db, "PRAGMA foreign_key_check") == []


def test_after_a_merge_the_brief_shows_the_merged_history_and_no_second_person(cli, duplicated):
    before = cli("brief", "Ann Lee")
    assert before.exit_code == 2 and "2 contacts match 'Ann Lee'" in before.stderr

    merge_json(cli, "ann.lee@acme.example", DUPLICATE_ANN)

    brief = cli("brief", "Ann Lee", "--full")
    assert brief.exit_code == 0, brief.output
    for fact in ("Merged in: Ann Lee <ann.lee+events@acme.example>", "Signals — 6 in all",
                 "Data Governance Summit", "T-50", "Lineage view drops columns", "Adopter",
                 "ann.lee@acme.example · +1 415 555 0199"):
        assert fact in brief.stdout, fact
    by_old_email = cli("brief", DUPLICATE_ANN, "--full")
    assert by_old_email.exit_code == 0
    assert by_old_email.stdout == brief.stdout  # the same person, the one kept
    data = json.loads(cli("brief", "Ann Lee", "--json").stdout)
    assert [(m["name"], m["email"]) for m in data["merged"]] == [("Ann Lee", DUPLICATE_ANN)]
    people = json.loads(cli("contacts", "--json").stdout)
    assert [p["email"] for p in people if p["name"] == "Ann Lee"] == ["ann.lee@acme.example"]


def test_the_timeline_says_the_merge_happened(cli, duplicated):
    merge_json(cli, "ann.lee@acme.example", DUPLICATE_ANN)
    result = cli("timeline", "Ann Lee", "--kind", "merge", "--json")
    assert result.exit_code == 0, result.output
    events = json.loads(result.stdout)["events"]
    assert [(e["kind"], e["who"], e["title"], e["details"]) for e in events] == [
        ("merge", "Ann Lee", "merged in the duplicate Ann Lee",
         ["their email ann.lee+events@acme.example is kept as an alias"])]
    assert "merged in the duplicate Ann Lee" in cli("timeline", "Ann Lee").stdout


def test_a_merged_name_still_finds_the_person_it_became(cli, duplicated):
    merge_json(cli, "Omar Haddad", "Omar Hadad")
    brief = cli("brief", "Omar Hadad")
    assert brief.exit_code == 0, brief.output
    assert brief.stdout.splitlines()[0].startswith("┏━ Omar Haddad ")
    assert "Merged in: Omar Hadad <o.haddad@borealis.example>" in brief.stdout
    assert "Head of Planning" in brief.stdout  # the title Omar lacked, from the duplicate


def test_importing_the_old_export_again_creates_no_duplicate(cli, duplicated):
    db = duplicated
    merge_json(cli, "ann.lee@acme.example", DUPLICATE_ANN)
    merge_json(cli, "Omar Haddad", "Omar Hadad")
    merge_json(cli, "--company", "Acme Analytics", "Acme Analytcs")
    merge_json(cli, "--company", "Borealis Foods", "Borealis")
    kept = rows(db, "SELECT * FROM contact ORDER BY id")

    again = json.loads(cli("import", str(DUPLICATING_EXPORT), "--json").stdout)
    history = json.loads(cli("import", str(DUPLICATES_HISTORY), "--json").stdout)

    assert again["counts"]["contacts"] == {"unchanged": 4}
    assert again["counts"]["companies"] == {}
    assert all("created" not in counts for counts in history["counts"].values()), history["counts"]
    assert history["counts"]["signals"] == {"unchanged": 4}
    assert rows(db, "SELECT * FROM contact ORDER BY id") == kept  # nothing of the kept records overwritten
    assert rows(db, "SELECT count(*) FROM contact WHERE name IN ('Ann Lee', 'Omar Hadad', 'Omar Haddad')") == [(2,)]
    assert rows(db, "SELECT name FROM company ORDER BY name") == [("Acme Analytics",), ("Borealis Foods",)]
    assert json.loads(cli("duplicates", "--json").stdout) == []


def test_merging_companies_moves_their_contacts_and_records(cli, duplicated):
    db = duplicated
    acme, typo = company_id(db, "Acme Analytics"), company_id(db, "Acme Analytcs")

    report = merge_json(cli, "--company", "Acme Analytics", "Acme Analytcs")

    assert report["moved"] == {"contacts": 1, "appointments": 0, "tickets": 1, "notes": 1, "services": 1,
                               "success_criteria": 0}
    assert report["aliases"] == ["Acme Analytcs"]
    assert rows(db, "SELECT count(*) FROM company WHERE id = ?", typo) == [(0,)]
    assert rows(db, "SELECT company_id FROM contact WHERE email = 'ben.ortiz@acme.example'") == [(acme,)]
    assert rows(db, "SELECT company_id FROM ticket WHERE ref = 'T-51'") == [(acme,)]
    assert rows(db, "SELECT company_id FROM service WHERE name = 'Lineage pilot'") == [(acme,)]
    assert rows(db, "SELECT company_id FROM note WHERE text LIKE 'Signed up for the lineage pilot%'") == [(acme,)]
    assert rows(db, "SELECT company_id, name, domain FROM company_alias") == [(acme, "Acme Analytcs", None)]
    events = json.loads(cli("timeline", "Acme Analytics", "--kind", "merge", "--json").stdout)["events"]
    assert [(e["who"], e["title"]) for e in events] == [("Acme Analytics", "merged in the duplicate company Acme Analytcs")]

    borealis = merge_json(cli, "Borealis Foods", "Borealis")  # exact company names: no --company needed
    assert borealis["kind"] == "company" and borealis["moved"]["contacts"] == 1
    assert borealis["filled"] == {"industry": "Food production", "size": "200-500"}
    assert rows(db, "SELECT name, domain, industry, size FROM company WHERE name = 'Borealis Foods'") == [
        ("Borealis Foods", "borealis.example", "Food production", "200-500")]
    assert rows(db, "PRAGMA foreign_key_check") == []


def test_a_record_merged_twice_hands_on_its_aliases_and_merge_history(cli, duplicated):
    db = duplicated
    merge_json(cli, "ann.lee@acme.example", DUPLICATE_ANN)
    anna = contact_id(db, "anna.berg@acme.example")
    report = merge_json(cli, "anna.berg@acme.example", "ann.lee@acme.example")
    assert report["aliases"] == ["ann.lee@acme.example", DUPLICATE_ANN]
    assert rows(db, "SELECT contact_id, email FROM contact_alias ORDER BY email") == [
        (anna, DUPLICATE_ANN), (anna, "ann.lee@acme.example")]
    assert rows(db, "SELECT kept_id, merged_email FROM merge_record ORDER BY id") == [
        (anna, DUPLICATE_ANN), (anna, "ann.lee@acme.example")]
    assert json.loads(cli("brief", DUPLICATE_ANN, "--json").stdout)["name"] == "Anna Berg"


def test_forgetting_a_merged_contact_removes_their_aliases_and_merge_records(cli, duplicated):
    db = duplicated
    merge_json(cli, "ann.lee@acme.example", DUPLICATE_ANN)
    report = json.loads(cli("forget", "Ann Lee", "--yes", "--json").stdout)
    assert (report["removed"]["aliases"], report["removed"]["merges"]) == (1, 1)
    assert rows(db, "SELECT count(*) FROM contact_alias") == [(0,)]
    assert rows(db, "SELECT count(*) FROM merge_record") == [(0,)]
    assert rows(db, "PRAGMA foreign_key_check") == []
    assert cli("brief", DUPLICATE_ANN).exit_code == 1


def test_after_a_merge_the_reader_finds_the_one_kept_by_every_name_and_email(cli, duplicated):
    merge_json(cli, "ann.lee@acme.example", DUPLICATE_ANN)
    merge_json(cli, "--company", "Acme Analytics", "Acme Analytcs")
    reader = Reader.open(duplicated)
    ann = contact_id(duplicated, "ann.lee@acme.example")
    history = reader.contact_history(ann)
    assert [m.merged_name for m in history.merges] == ["Ann Lee", "Acme Analytcs"]
    assert [(m.kind, m.merged_email, m.merged_at.tzinfo is not None) for m in history.merges] == [
        ("contact", DUPLICATE_ANN, True), ("company", None, True)]
    for query in (DUPLICATE_ANN, "ANN.LEE+EVENTS@ACME.EXAMPLE", "Ann Lee"):
        assert [c.id for c in reader.find_contacts(query)] == [ann], query
    assert reader.find_contacts("Acme Analytcs") == []  # a company's old name names no contact


def test_an_older_database_is_upgraded_and_can_merge(cli, db):
    shutil.copy(FIXTURES / "schema-v1.db", db)
    result = cli("merge", "Vera Lind", "Tom Okafor", "--yes", "--json")
    assert result.exit_code == 0, result.output
    assert "note: upgraded" in result.stderr
    assert rows(db, "SELECT merged_name FROM merge_record") == [("Tom Okafor",)]
    assert rows(db, "SELECT name FROM contact") == [("Vera Lind",)]


# -- bad input: one clear line, nothing changed ------------------------------------------------------------


@pytest.mark.parametrize("arguments, code, message", [
    (("Ann Leigh", "Omar Haddad"), 1, "error: No contact or company matches 'Ann Leigh'."),
    (("Omar Haddad", "omar@borealis.example"), 1,
     "error: Cannot merge Omar Haddad into itself: 'Omar Haddad' and 'omar@borealis.example' are the same contact."),
    (("Omar Haddad", "Acme Analytics"), 1,
     "error: 'Omar Haddad' is a contact and 'Acme Analytics' a company: merge two contacts, or two companies."),
    (("#999", "Omar Haddad"), 1, "error: No contact #999 (a company's number needs --company)."),
    (("--company", "Acme Analytics", "Initech"), 1,
     "error: No company matches 'Initech'. Try 'custview duplicates --kind companies'."),
    (("--company", "Acme", "Borealis Foods"), 2,
     "error: 2 companies match 'Acme': Acme Analytcs #3, Acme Analytics #1. Use more of the name."),
    (("--company", "Borealis Foods", "borealis foods"), 1,
     "error: Cannot merge Borealis Foods into itself: 'Borealis Foods' and 'borealis foods' are the same company."),
])
def test_bad_input_gets_one_line_and_changes_nothing(cli, duplicated, arguments, code, message):
    before = dump(duplicated)
    result = cli("merge", *arguments, "--yes")
    assert result.exit_code == code
    assert result.stderr.splitlines() == [message]
    assert dump(duplicated) == before


def test_an_ambiguous_name_lists_the_candidates_and_changes_nothing(cli, duplicated):
    before = dump(duplicated)
    result = cli("merge", "Ann Lee", "Omar Haddad", "--yes")
    assert result.exit_code == 2
    assert "2 contacts match 'Ann Lee'" in result.stderr and DUPLICATE_ANN in result.stderr
    assert dump(duplicated) == before


def test_without_a_terminal_and_without_yes_it_refuses_and_changes_nothing(cli, duplicated):
    before = dump(duplicated)
    result = cli("merge", "ann.lee@acme.example", DUPLICATE_ANN, input="y\n")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "error: Not merging Ann Lee <ann.lee+events@acme.example> into Ann Lee <ann.lee@acme.example>: there is "
        "no terminal to ask for confirmation on. Add --yes to merge without asking. Nothing was changed."]
    assert dump(duplicated) == before


def merge_on_a_terminal(db, keep, other, answer):
    """Run the installed custview with a real terminal on stdin and type `answer` at the question."""
    return answer_on_a_terminal(db, "merge", keep, other, answer=answer)


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
def test_on_a_terminal_it_previews_the_conflicts_and_asks_first(duplicated):
    before = dump(duplicated)
    code, out, err = merge_on_a_terminal(duplicated, "ann.lee@acme.example", DUPLICATE_ANN, "n")
    assert code == 1
    assert "Merging Ann Lee <ann.lee+events@acme.example> into Ann Lee <ann.lee@acme.example>:" in err
    assert any(line.split() == ["title", "Head", "of", "Data", "Data", "Lead", "Head", "of", "Data"]
               for line in err.splitlines())
    assert "Merge Ann Lee <ann.lee+events@acme.example> into Ann Lee <ann.lee@acme.example>? [y/N]" in err
    assert "error: Not merging Ann Lee <ann.lee+events@acme.example> into Ann Lee <ann.lee@acme.example>: " \
           "nothing was changed." in err
    assert dump(duplicated) == before

    code, out, err = merge_on_a_terminal(duplicated, "ann.lee@acme.example", DUPLICATE_ANN, "y")
    assert code == 0, err
    assert out.startswith("Merged Ann Lee <ann.lee+events@acme.example> into Ann Lee <ann.lee@acme.example>:")
    assert rows(duplicated, "SELECT count(*) FROM contact WHERE email = ?", DUPLICATE_ANN) == [(0,)]
