"""Names resolve the same everywhere (issue 12, item 6): a company's timeline and hand-over, and every
--company option taking a unique part of a name, refusing an ambiguous or unknown one in one line."""

import json
import sqlite3

import pytest
from markdown_it import MarkdownIt

from conftest import dump


def company_id(db, name):
    with sqlite3.connect(db) as connection:
        return connection.execute("SELECT id FROM company WHERE name = ?", (name,)).fetchone()[0]


def timeline(cli, *args):
    result = cli("timeline", *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_a_part_of_a_company_name_gives_the_accounts_timeline_marked_with_who(cli, pinned_sample):
    data = timeline(cli, "Northwind")  # also fits the three people's emails: they all work there
    assert data["subject"] == "Northwind Logistics"
    notes = {e["title"]: (e["who"], e["details"]) for e in data["events"] if e["kind"] == "note"}
    assert notes["Renewal in March; Marcus wants a Finance use case before then."] == (
        "Northwind Logistics", ["by Dana Ortiz"])  # the company's own note
    assert notes["Prefers a one-page summary before any call."] == ("Marcus Webb", ["by Dana Ortiz"])
    assert {e["who"] for e in data["events"] if e["kind"] == "signal"} == {"Sarah Chen", "Marcus Webb", "Priya Nair"}
    assert timeline(cli, "--company", f"#{company_id(pinned_sample, 'Northwind Logistics')}") == data
    assert timeline(cli, "northwind.example") == data  # the domain


def test_an_account_with_nobody_on_record_still_has_its_own_events(cli, pinned_sample):
    assert cli("add", "note", "--company", "Orbit", "--text", "Exit interview booked", "--at", "-1d").exit_code == 0
    data = timeline(cli, "Orbit")
    assert [(e["kind"], e["who"], e["title"]) for e in data["events"]] == [
        ("note", "Orbit Freight", "Exit interview booked")]


def test_a_contact_still_wins_on_their_name(cli, pinned_sample):
    assert timeline(cli, "Sarah")["subject"] == "Sarah Chen"
    assert timeline(cli, "priya.nair@northwind.example")["subject"] == "Priya Nair"


def test_the_account_hand_over_holds_people_services_promises_problems_meetings_and_what_not_to_do(cli, pinned_sample):
    result = cli("handoff", "Northwind")
    assert result.exit_code == 0, result.output
    text = result.stdout
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert headings == ["Account hand-over: Northwind Logistics", "The account", "People", "Services",
                        "Success criteria (promised at purchase)", "Open promises", "Open problems", "Questions to answer", "Expansion interest",
                        "Last meetings", "Key notes", "What not to do"]
    assert "- **Commercial:** Renewal in 273 days · €120,000 ARR" in text
    assert ("| Sarah Chen | Director of Finance Operations | Researcher (ahead: Hand Raiser) | evaluator "
            "| 95 healthy | 2026-06-06 |") in text
    assert "| Marcus Webb | VP Supply Chain | Adopter | economic buyer | 100 healthy | 2026-05-25 |" in text
    assert "| Warehouse signal pipeline rollout | active | 2025-11-15 | 2026-07-15 | Kai Moreno |" in text
    promises = [line for line in text.splitlines() if line.startswith("- [ ] ")]
    assert [line.split(" (")[0] for line in promises] == [
        "- [ ] S2 Confirm custom-record support with product", "- [ ] S5 Ship empty-file handling to production",
        "- [ ] S3 Send Reno warehouse proposal"]  # soonest due first, each once
    assert promises[0].endswith("due 2026-06-13 **OVERDUE**") and "OVERDUE" not in promises[1]
    assert "| T-1004 | Carrier feed run fails on empty files | issue | high | Priya Nair | 5 days |" in text
    meetings = text.split("## Last meetings")[1].split("##")[0]
    assert meetings.index("2026-06-11") < meetings.index("2026-06-05") < meetings.index("2026-05-25")
    assert "Decided: Extend the rollout to the Reno warehouse in Q1; Introduce Finance" in meetings
    dont = text.split("## What not to do")[1]
    assert ("Don't try to sell more while a problem is open (\"I call with a problem and you try to sell me more.\"): "
            "first Carrier feed run fails on empty files (Priya Nair). Hold 'Can we also roll this out to the Reno "
            "warehouse?' until then.") in dont
    assert "S2 Confirm custom-record support with product" in dont and "Sarah Chen (behaves like a Hand Raiser)" in dont
    assert "Don't make anyone repeat themselves" in dont


def test_the_account_hand_over_as_json_and_to_a_file(cli, pinned_sample, tmp_path):
    data = json.loads(cli("handoff", "--company", "Northwind", "--json").stdout)
    assert data["markdown"].startswith("# Account hand-over: Northwind Logistics")
    account = data["account"]
    assert [p["name"] for p in account["account"]["people"]] == ["Marcus Webb", "Priya Nair", "Sarah Chen"]
    assert account["account"]["people"][0]["last_touch"].startswith("2026-05-25T")  # the quarterly review
    assert [t["ref"] for t in account["problems"]] == ["T-1004"]
    assert [p["step"]["id"] for p in account["promises"]] == [2, 5, 3]
    target = tmp_path / "northwind.md"
    result = cli("handoff", "Northwind", "--out", str(target))
    assert result.exit_code == 0 and "Hand-over for Northwind Logistics written to" in result.stderr
    assert target.read_text(encoding="utf-8") == data["markdown"]


@pytest.mark.parametrize("arguments, code, message", [
    (("handoff", "--company", "e"), 1, "error: --company: 7 companies match 'e': Brightwater Energy #4, Crestline "
     "Retail #3, Helios Health #2, Meridian Manufacturing #6, Orbit Freight #9, Pinecrest University #7, Quanta "
     "Finance #5. Use more of the name."),
    (("handoff", "--company", "Umbrella"), 1, "error: --company: no company matches 'Umbrella'."),
    (("handoff", "--company", "#99"), 1, "error: --company: no company #99."),
    (("handoff", "Sarah", "--company", "Northwind"), 1,
     "error: Give a contact or company NAME, or --company COMPANY (one of them)."),
    (("timeline", "--company", "Umbrella"), 1, "error: --company: no company matches 'Umbrella'."),
])
def test_an_ambiguous_or_unknown_company_for_timeline_and_handoff_is_one_line(cli, pinned_sample, tmp_path, arguments,
                                                                             code, message):
    target = tmp_path / "out.md"
    extra = ("--out", str(target)) if arguments[0] == "handoff" else ()
    result = cli(*arguments, *extra)
    assert (result.exit_code, result.stderr.splitlines()) == (code, [message])
    assert result.stdout == "" and not target.exists()


def test_a_name_fitting_a_contact_and_another_company_is_refused_in_one_line(cli, pinned_sample):
    assert cli("add", "contact", "Helen Orbitz").exit_code == 0
    before = dump(pinned_sample)
    for command in ("timeline", "handoff"):
        result = cli(command, "orbit")
        assert (result.exit_code, result.stderr.splitlines()) == (2, [
            "error: 'orbit' matches 1 contact (Helen Orbitz #26) and 1 company (Orbit Freight #9). "
            "Use more of the name, or --company NAME for a company."])
    assert dump(pinned_sample) == before
    assert timeline(cli, "--company", "orbit")["subject"] == "Orbit Freight"
    assert timeline(cli, "Orbitz")["subject"] == "Helen Orbitz"


def test_add_note_company_takes_a_unique_part_of_the_name(cli, pinned_sample):
    result = cli("add", "note", "--company", "northwind", "--text", "Board meets in July")
    assert result.exit_code == 0, result.output
    with sqlite3.connect(pinned_sample) as connection:
        assert connection.execute("SELECT contact_id, company_id FROM note WHERE text = 'Board meets in July'"
                                  ).fetchall() == [(None, company_id(pinned_sample, "Northwind Logistics"))]
    assert cli("add", "contact", "Zoe Park", "--company", "crestline").exit_code == 0
    assert [c["company"] for c in json.loads(cli("contacts", "--search", "Zoe", "--json").stdout)] == ["Crestline Retail"]


@pytest.mark.parametrize("arguments, message", [
    (("add", "note", "--company", "e", "--text", "x"), "error: --company: 7 companies match 'e': Brightwater "
     "Energy #4, Crestline Retail #3, Helios Health #2, Meridian Manufacturing #6, Orbit Freight #9, Pinecrest "
     "University #7, Quanta Finance #5. Use more of the name."),
    (("add", "note", "--company", "Umbrella", "--text", "x"),  # a note about nobody: refused, not stored unlinked
     "error: add note (x): company: unknown company 'Umbrella' (add the company first)"),
    (("add", "contact", "Zoe Park", "--company", "Pine University"),
     "error: add contact (Zoe Park): company: unknown company 'Pine University' (add the company first)"),
    (("add", "contact", "Zoe Park", "--company", "#99"), "error: --company: no company #99."),
    (("contacts", "--company", "Umbrella"), "error: --company: no company matches 'Umbrella'."),
    (("attention", "--company", "ht"), "error: --company: 2 companies match 'ht': Brightwater Energy #4, "
     "Orbit Freight #9. Use more of the name."),
    (("stage", "suggest", "--company", "Umbrella"), "error: --company: no company matches 'Umbrella'."),
    (("pipeline", "--company", "Umbrella"), "error: --company: no company matches 'Umbrella'."),
])
def test_every_company_option_refuses_an_ambiguous_or_unknown_name_in_one_line(cli, pinned_sample, arguments, message):
    before = dump(pinned_sample)
    result = cli(*arguments)
    assert (result.exit_code, result.stderr.splitlines()) == (1, [message])
    assert dump(pinned_sample) == before


def test_company_filters_take_a_part_of_the_name(cli, pinned_sample):
    people = json.loads(cli("contacts", "--company", "north", "--json").stdout)
    assert [p["name"] for p in people] == ["Marcus Webb", "Priya Nair", "Sarah Chen"]
    suggestions = json.loads(cli("stage", "suggest", "--company", "North", "--json").stdout)
    assert [s["name"] for s in suggestions] == ["Sarah Chen"]
