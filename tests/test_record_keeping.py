"""add, ticket close and show company: keeping the book current from the terminal."""

import json
import sqlite3

from conftest import dump
from custview.sample import sample_path


def test_add_company_contact_signal_ticket_and_note_then_brief(cli, db):
    assert cli("add", "company", "Zeta Labs", "--domain", "zeta.example", "--health", "watch").stdout.startswith("Added company Zeta Labs")
    assert "Added contact Zoe Park" in cli("add", "contact", "Zoe Park", "--email", "zoe@zeta.example", "--company",
                                           "Zeta Labs", "--stage", "researcher", "--channel", "email").stdout
    assert "Updated contact Zoe Park" in cli("add", "contact", "Zoe Park", "--email", "ZOE@zeta.example", "--title", "CTO").stdout
    assert "Added signal" in cli("add", "signal", "zoe", "--kind", "webinar", "--title", "Intro webinar", "--topic",
                                 "Onboarding", "--at", "-2d").stdout
    assert "Added ticket" in cli("add", "ticket", "zoe", "--subject", "Can we also add SSO?").stdout
    assert "Added note" in cli("add", "note", "zoe", "--text", "Met at a meetup").stdout
    assert "Added note" in cli("add", "note", "--company", "Zeta Labs", "--text", "Series B").stdout
    brief = json.loads(cli("brief", "Zoe", "--json").stdout)
    assert (brief["title"], brief["stage"]["stage"], brief["preferences"]) == ("CTO", "Researcher", {"channel": "email"})
    assert [s["title"] for s in brief["recent_signals"]] == ["Intro webinar"]
    assert [(t["subject"], t["kind"], t["kind_inferred"]) for t in brief["open_tickets"]] == [("Can we also add SSO?", "expansion", True)]
    assert {n["text"] for n in brief["key_notes"]} == {"Met at a meetup", "Series B"}


def test_add_reports_every_bad_field_and_writes_nothing(cli, book):
    before = dump(book)
    result = cli("add", "contact", "Bad One", "--stage", "boss", "--company", "Nowhere")
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert errors == [
        "error: add contact (Bad One): company: unknown company 'Nowhere' (add the company first)",
        "error: add contact (Bad One): stage: unknown stage 'boss' (expected one of: Audience, Researcher, "
        "Hand Raiser, Buyer, Value Creator, Adopter, Advocate, Champion)",
    ]
    bad_date = cli("add", "signal", "Ann Lee", "--kind", "email", "--title", "x", "--at", "never")
    assert bad_date.exit_code == 1 and "at: unreadable date 'never'" in bad_date.stderr
    assert dump(book) == before


def test_ticket_close_by_ref_or_number(cli, book):
    assert "Closed T-1 Export fails on large files" in cli("ticket", "close", "T-1").stdout
    assert "was already closed" in cli("ticket", "close", "T-1").stdout
    with sqlite3.connect(book) as connection:
        number = connection.execute("SELECT id FROM ticket WHERE ref = 'T-2'").fetchone()[0]
        assert connection.execute("SELECT status, closed_at IS NOT NULL FROM ticket WHERE ref='T-1'").fetchone() == ("closed", 1)
    assert "Closed T-2" in cli("ticket", "close", f"#{number}").stdout
    assert json.loads(cli("brief", "Ann Lee", "--json").stdout)["open_tickets"] == []


def test_ticket_close_unknown_id_is_a_clear_error(cli, book):
    before = dump(book)
    result = cli("ticket", "close", "T-404")
    assert result.exit_code == 1 and "No ticket 'T-404'" in result.stderr
    assert dump(book) == before


def test_show_company_gives_account_health_people_services_tickets(cli):
    cli("import", str(sample_path()))
    view = json.loads(cli("show", "company", "brightwater", "--json").stdout)
    assert view["name"] == "Brightwater Energy"
    assert view["health"]["label"] == "at risk"
    assert any("Olivia Grant: at risk" in r["text"] for r in view["health"]["reasons"])
    assert {p["name"] for p in view["people"]} == {"Olivia Grant", "Ravi Menon", "Nadia Haddad"}
    assert [t["raised_by"] for t in view["open_tickets"]] == ["Olivia Grant", "Nadia Haddad"]
    out = cli("show", "company", "Brightwater Energy").stdout
    assert "Account health: " in out and "Meter-data pipeline" in out and "drifting: Value Creator" in out


def test_show_company_unknown_or_ambiguous(cli):
    cli("import", str(sample_path()))
    assert cli("show", "company", "Umbrella").exit_code == 1
    ambiguous = cli("show", "company", "e")
    assert ambiguous.exit_code == 2 and "companies match 'e'" in ambiguous.stderr
