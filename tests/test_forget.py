"""custview forget NAME: a contact and everything that belongs only to them go; company records stay."""

import json
import sqlite3
import sys

import pytest
from conftest import answer_on_a_terminal, dump


def rows(db, sql, *parameters):
    with sqlite3.connect(db) as connection:
        return connection.execute(sql, parameters).fetchall()


def count(db, table):
    return rows(db, f"SELECT count(*) FROM {table}")[0][0]


def contact_id(db, name):
    return rows(db, "SELECT id FROM contact WHERE name = ?", name)[0][0]


def test_forget_removes_what_is_theirs_and_keeps_the_company_and_other_peoples_records(cli, book):
    assert cli("log", "Anna Berg", "-p", "SSO scoping", "-o", "Agreed on SAML", "-a", "Ann Lee:sponsor",
               "-n", "Send the SAML guide").exit_code == 0
    ann = contact_id(book, "Ann Lee")
    tables = ("signal", "stage_change", "note", "ticket", "appointment", "attendee", "next_step", "contact")
    before = {table: count(book, table) for table in tables}
    companies_services_before = {t: v for t, v in dump(book).items() if t in ("company", "service")}
    anna_appointment = rows(book, "SELECT id FROM appointment WHERE purpose = 'SSO scoping'")[0][0]

    result = cli("forget", "Ann Lee", "--yes", "--json")

    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    after = {table: count(book, table) for table in tables}
    removed = report["removed"]
    assert (report["contact"], report["company"]) == ("Ann Lee", "Acme Analytics")
    assert removed["signals"] == before["signal"] - after["signal"] == 3
    assert removed["stage_changes"] == before["stage_change"] - after["stage_change"] > 0
    assert removed["notes"] == before["note"] - after["note"] == 1
    assert removed["appointments"] == before["appointment"] - after["appointment"] == 1
    assert removed["appointment_next_steps"] == before["next_step"] - after["next_step"] == 3
    assert (removed["appointment_attendees"] + removed["attendance_elsewhere"]
            == before["attendee"] - after["attendee"])
    assert removed["attendance_elsewhere"] == 1
    assert removed["tickets"] == 0 and before["ticket"] == after["ticket"]
    assert report["tickets_kept_for_company"] == 2
    assert report["total_removed"] == sum(removed.values())

    # nothing anywhere still points at her
    for table, column in (("signal", "contact_id"), ("stage_change", "contact_id"), ("note", "contact_id"),
                          ("ticket", "contact_id"), ("appointment", "contact_id"), ("attendee", "contact_id")):
        assert rows(book, f"SELECT count(*) FROM {table} WHERE {column} = ?", ann) == [(0,)]
    assert rows(book, "SELECT count(*) FROM attendee WHERE name = 'Ann Lee'") == [(0,)]
    assert rows(book, "PRAGMA foreign_key_check") == []
    # her company's tickets stay with the company; the company, its services and its note are untouched
    assert rows(book, "SELECT ref, contact_id, company_id IS NOT NULL FROM ticket WHERE ref IN ('T-1', 'T-3') "
                      "ORDER BY ref") == [("T-1", None, 1), ("T-3", None, 1)]
    assert {t: v for t, v in dump(book).items() if t in ("company", "service")} == companies_services_before
    assert rows(book, "SELECT text FROM note") == [("Budget cycle starts in January.",)]
    # Anna's appointment stays, without Ann among the attendees
    assert [name for (name,) in rows(book, "SELECT name FROM attendee WHERE appointment_id = ? ORDER BY id",
                                     anna_appointment)] == ["Anna Berg"]
    assert "SSO scoping" in cli("brief", "Anna Berg").stdout
    gone = cli("brief", "Ann Lee")
    assert gone.exit_code == 1 and "No contact matches 'Ann Lee'" in gone.stderr


def test_forget_shows_a_table_of_what_it_removed(cli, book):
    result = cli("forget", "omar@borealis.example", "--yes")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "Forgot Omar Haddad (Borealis Foods): removed"
    assert any(line.split() == ["signals", "1"] for line in lines)
    assert any(line.split()[:1] == ["total"] for line in lines)
    assert "Kept: the records of Borealis Foods." in result.stdout


def test_a_contact_without_company_loses_their_tickets_and_their_name_in_others_attendees(cli, book, tmp_path):
    first = tmp_path / "first.yaml"
    first.write_text("appointments:\n  - {contact: Anna Berg, purpose: Intro to Sam, at: -3d, "
                     "attendees: [{name: Sam Solo, role: freelancer}]}\n")
    then = tmp_path / "then.yaml"
    then.write_text("contacts:\n  - {name: Sam Solo, email: sam@solo.example}\n"
                    "tickets:\n  - {ref: T-9, contact: Sam Solo, subject: Invoice copy please, opened: -1d}\n")
    assert cli("import", str(first)).exit_code == 0
    assert cli("import", str(then)).exit_code == 0
    assert rows(book, "SELECT contact_id FROM attendee WHERE name = 'Sam Solo'") == [(None,)]

    report = json.loads(cli("forget", "Sam Solo", "--yes", "--json").stdout)

    assert (report["company"], report["removed"]["tickets"], report["removed"]["attendance_elsewhere"]) == (None, 1, 1)
    assert rows(book, "SELECT count(*) FROM ticket WHERE ref = 'T-9'") == [(0,)]
    assert rows(book, "SELECT count(*) FROM attendee WHERE name = 'Sam Solo'") == [(0,)]
    assert rows(book, "SELECT count(*) FROM appointment WHERE purpose = 'Intro to Sam'") == [(1,)]


def test_without_a_terminal_and_without_yes_it_refuses_and_removes_nothing(cli, book):
    before = dump(book)
    result = cli("forget", "Ann Lee", input="y\n")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "error: Not forgetting Ann Lee: there is no terminal to ask for confirmation on. Add --yes to forget "
        "without asking. Nothing was removed."]
    assert dump(book) == before


def test_an_ambiguous_or_unknown_name_removes_nothing(cli, book):
    before = dump(book)
    ambiguous = cli("forget", "an", "--yes")
    assert ambiguous.exit_code == 2
    assert "Ann Lee" in ambiguous.stderr and "Anna Berg" in ambiguous.stderr
    unknown = cli("forget", "Ann Leigh", "--yes")
    assert unknown.exit_code == 1 and "Did you mean: Ann Lee" in unknown.stderr
    assert dump(book) == before


def forget_on_a_terminal(db, name, answer):
    """Run the installed custview with a real terminal on stdin and type `answer` at the question."""
    return answer_on_a_terminal(db, "forget", name, answer=answer)


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
def test_on_a_terminal_it_shows_what_would_go_and_asks_first(book):
    before = dump(book)
    code, out, err = forget_on_a_terminal(book, "Ann Lee", "n")
    assert code == 1
    assert "Forgetting Ann Lee (Acme Analytics) removes:" in err
    assert "Forget Ann Lee for good? [y/N]" in err
    assert "error: Not forgetting Ann Lee: nothing was removed." in err
    assert dump(book) == before

    code, out, err = forget_on_a_terminal(book, "Ann Lee", "y")
    assert code == 0, err
    assert out.startswith("Forgot Ann Lee (Acme Analytics): removed")
    assert rows(book, "SELECT count(*) FROM contact WHERE name = 'Ann Lee'") == [(0,)]
