import csv
import json
import stat
import textwrap
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from round_trip import MERGE_TABLES, book_content, import_export
from conftest import dump
from custview.cli.app import app
from custview.exporters.export import csv_columns, csv_row
from custview.importers.mapping import builtin_path, load_mapping
from custview.importers.translate import Header, translator
from custview.spreadsheet import guard_cell, list_cell, read_list_cell, unguard_cell

SAMPLE = Path(__file__).parent.parent / "data" / "sample.yaml"
CALENDAR = Path(__file__).parent.parent / "docs" / "examples" / "week.ics"  # one meeting with Sarah Chen
KINDS = ("members", "companies", "contacts", "signals", "appointments", "tickets", "services", "success_criteria",
         "notes", "handovers")


def run(db, *args):
    return CliRunner().invoke(app, ["--db", str(db), *args])


@pytest.fixture
def sample_db(tmp_path):
    db = tmp_path / "sample.db"
    result = run(db, "import", str(SAMPLE))
    assert result.exit_code == 0, result.output
    return db


@pytest.fixture
def far_from_utc(monkeypatch):
    """Run in a local timezone far from UTC, so that a time written without its zone would move."""
    monkeypatch.setenv("TZ", "Pacific/Auckland")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def record_hand_overs(db: Path) -> None:
    """An account and a contact handed over (owners, open steps and services move; two hand-over records)."""
    for handed in (("--company", "Northwind", "--to", "Maya Singh"), ("Sarah Chen", "--to", "Jordan Blake")):
        result = run(db, "handoff", *handed, "--out", str(db.parent / "handoff.md"), "--force")
        assert result.exit_code == 0, result.output


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_an_export_imports_into_an_empty_database_as_the_same_book(fmt, far_from_utc, sample_db, tmp_path,
                                                                   monkeypatch):
    monkeypatch.setenv("CUSTVIEW_ME", "Maya Singh")
    made_by_column = {"handover": -1, "appointment": -1, "next_step": -2, "ticket": -2}
    record_hand_overs(sample_db)
    for command in (["log", "Sarah Chen", "-p", "Renewal call", "-o", "ok", "--next", "Send the quote"],
                    ["ticket", "close", "T-1001"], ["stage", "set", "Marcus Webb", "Buyer"],
                    ["import", str(CALENDAR)]):
        assert run(sample_db, *command).exit_code == 0
    exported = run(sample_db, "export", "--format", fmt, "--out", str(tmp_path / "out"))
    assert exported.exit_code == 0, exported.output
    copy = tmp_path / "copy.db"
    imported = run(copy, "import", str(tmp_path / "out" / f"custview-export.{fmt}"))
    assert imported.exit_code == 0, imported.output
    original, restored = book_content(sample_db), book_content(copy)
    assert all(original[table] for table in original if table not in MERGE_TABLES)  # every table is compared
    # and every link to one of our people: owners, member attendees, both sides of a hand-over
    assert {row[-1] for table in ("company", "contact", "ticket", "service", "next_step", "attendee")
            for row in original[table]} > {None}
    assert len(original["handover"]) == 2 and all(row[2] and row[3] for row in original["handover"])
    # and who made each record (hand-overs, the meeting, its step and a step handed over, the closed ticket)
    made_by = {table: sum(1 for row in original[table] if row[made_by_column[table]] == "Maya Singh")
               for table in made_by_column}
    assert made_by == {"handover": 2, "appointment": 1, "next_step": 2, "ticket": 1}
    # and what only a calendar or a command says: meetings' calendar UIDs, a stage move made by hand
    assert sum(1 for row in original["appointment"] if row[-2]) == 1
    assert {row[4] for row in original["stage_change"]} > {"import"}
    for table in original:
        assert restored[table] == original[table], table


def test_the_export_reimported_into_its_own_database_changes_nothing(sample_db, tmp_path):
    record_hand_overs(sample_db)
    assert run(sample_db, "export", "--out", str(tmp_path)).exit_code == 0
    before = dump(sample_db)
    again = run(sample_db, "import", str(tmp_path / "custview-export.yaml"), "--json")
    assert again.exit_code == 0, again.output
    assert all(set(c) == {"unchanged"} for c in json.loads(again.stdout)["counts"].values())
    assert dump(sample_db) == before


def test_yaml_export_looks_like_the_sample_format(sample_db, tmp_path):
    assert run(sample_db, "export", "--out", str(tmp_path)).exit_code == 0
    document = yaml.safe_load((tmp_path / "custview-export.yaml").read_text())
    assert list(document) == list(KINDS)
    sarah = next(c for c in document["contacts"] if c["name"] == "Sarah Chen")
    assert sarah["company"] == "Northwind Logistics"
    assert [entry["stage"] for entry in sarah["stage_history"]] == ["Audience", "Researcher"]
    assert sarah["preferences"] == {"channel": "email", "time": "mornings", "tone": "direct, technical"}
    meeting = next(a for a in document["appointments"] if a["purpose"].startswith("Office-hours follow-up"))
    assert meeting["contact"] == "sarah.chen@northwind.example"
    assert meeting["attendees"][1] == {"name": "Dana Ortiz", "role": "account manager"}
    assert meeting["next_steps"][0]["done"] is True and "done" not in meeting["next_steps"][1]
    assert meeting["at"].endswith("Z") and meeting["at"][:4].isdigit()


def test_kinds_can_be_chosen(sample_db, tmp_path):
    result = run(sample_db, "export", "-f", "json", "--kind", "companies", "--kind", "services", "--out", str(tmp_path),
                 "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["counts"] == {"companies": 9, "services": 8}
    assert list(json.loads((tmp_path / "custview-export.json").read_text())) == ["companies", "services"]


def test_csv_writes_one_file_per_kind_with_the_import_field_names(sample_db, tmp_path):
    result = run(sample_db, "export", "--format", "csv", "--out", str(tmp_path / "csv"), "--json")
    assert result.exit_code == 0, result.output
    # one file per kind with records: the sample has no recorded hand-over yet
    assert [Path(p).name for p in json.loads(result.stdout)["files"]] == [f"{kind}.csv" for kind in KINDS[:-1]]
    with open(tmp_path / "csv" / "contacts.csv", encoding="utf-8-sig", newline="") as file:
        contacts = list(csv.DictReader(file))
    assert len(contacts) == 25
    sarah = next(row for row in contacts if row["name"] == "Sarah Chen")
    assert "stage_history" not in sarah
    assert (sarah["preferred_channel"], sarah["preferred_time"], sarah["preferred_tone"]) == \
        ("email", "mornings", "direct, technical")
    assert sarah["phone"] == "'+1 415 555 0134"  # guarded: a spreadsheet would compute +1 415 …
    assert sarah["stage"] == "Researcher" and sarah["stage_since"].endswith("Z")
    with open(tmp_path / "csv" / "appointments.csv", encoding="utf-8-sig", newline="") as file:
        meeting = next(row for row in csv.DictReader(file) if row["purpose"].startswith("Quarterly business review"))
    assert meeting["attendees"] == ("marcus.webb@northwind.example (sponsor); priya.nair@northwind.example "
                                    "(project lead); Dana Ortiz (account manager)")
    # next steps with an owner, a due date or done: a JSON array, so that they come back whole
    steps = json.loads(meeting["next_steps"])  # (the sample's dates are relative to the day it is imported)
    assert [(s["step"], s["owner"], s.get("done")) for s in steps] == [
        ("Send Reno warehouse proposal", "Dana Ortiz", None), ("Share QBR slides", "Dana Ortiz", True)]
    assert all(s["due"].endswith("Z") for s in steps)
    assert meeting["decisions"] == "Extend the rollout to the Reno warehouse in Q1; Introduce Finance (Sarah Chen) to the programme"


def test_csv_cells_that_a_spreadsheet_would_run_are_guarded(tmp_path):
    db = tmp_path / "hostile.db"
    source = tmp_path / "hostile.yaml"
    source.write_text(textwrap.dedent("""
        contacts:
          - name: '=HYPERLINK("http://evil.example","click me")'
            phone: "+1 555 0100"
            title: "@SUM(A1:A9)"
            context: "-2+3"
          - name: "'=already quoted"
            title: "Plain title"
    """), encoding="utf-8")
    assert run(db, "import", str(source)).exit_code == 0
    assert run(db, "export", "-f", "csv", "--kind", "contacts", "--out", str(tmp_path / "csv")).exit_code == 0
    with open(tmp_path / "csv" / "contacts.csv", encoding="utf-8-sig", newline="") as file:
        rows = list(csv.DictReader(file))
    assert rows[0]["name"] == """'=HYPERLINK("http://evil.example","click me")"""
    assert (rows[0]["phone"], rows[0]["title"], rows[0]["context"]) == ("'+1 555 0100", "'@SUM(A1:A9)", "'-2+3")
    assert rows[1]["name"] == "''=already quoted" and rows[1]["title"] == "Plain title"
    assert [unguard_cell(row["name"]) for row in rows] == ['=HYPERLINK("http://evil.example","click me")',
                                                            "'=already quoted"]


@pytest.mark.parametrize("text", ["=1+1", "+1 555", "-3", "@x", "\tx", "\rx", "'=x", "''+x", "'tis", "plain", "", "'"])
def test_guarded_cells_read_back_exactly(text):
    guarded = guard_cell(text)
    assert unguard_cell(guarded) == text
    assert not guarded.startswith(("=", "+", "-", "@", "\t", "\r"))


def test_files_are_private_and_never_overwritten_without_force(sample_db, tmp_path):
    out = tmp_path / "new" / "folder"
    assert run(sample_db, "export", "--out", str(out)).exit_code == 0
    target = out / "custview-export.yaml"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    target.write_text("mine")
    refused = run(sample_db, "export", "--out", str(out))
    assert refused.exit_code == 1
    assert refused.stderr.strip() == f"error: {target}: already exists (use --force to overwrite it)"
    assert target.read_text() == "mine"
    target.chmod(0o644)
    forced = run(sample_db, "export", "--out", str(out), "--force")
    assert forced.exit_code == 0, forced.output
    assert target.read_text().startswith("# custview export")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert [p.name for p in out.iterdir()] == ["custview-export.yaml"]  # no temporary files left


def test_csv_refuses_when_any_file_exists_and_writes_none(sample_db, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.csv").write_text("mine")
    result = run(sample_db, "export", "-f", "csv", "--out", str(out))
    assert result.exit_code == 1 and "notes.csv: already exists" in result.stderr
    assert [p.name for p in out.iterdir()] == ["notes.csv"]


def test_the_report_names_the_file_and_counts_per_kind(sample_db, tmp_path):
    result = run(sample_db, "export", "--out", str(tmp_path))
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == f"Wrote {tmp_path / 'custview-export.yaml'}"
    rows = {line.split()[0]: line.split()[1] for line in lines[1:] if line.split()[:1] and line.split()[0] in
            (*KINDS, "total")}
    assert rows == {"members": "5", "companies": "9", "contacts": "25", "signals": "150", "appointments": "12",
                    "tickets": "15", "services": "8", "success_criteria": "8", "notes": "16", "handovers": "0",
                    "total": "248"}


def test_bad_choices_and_a_missing_database_are_clear_errors(sample_db, tmp_path):
    result = run(sample_db, "export", "--format", "xml", "--kind", "people", "--out", str(tmp_path / "x"))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "error: --format: unknown format 'xml' (expected one of: yaml, json, csv)",
        "error: --kind: unknown kind 'people' (expected one of: members, companies, contacts, signals, appointments, "
        "tickets, services, success_criteria, notes, handovers)",
    ]
    assert not (tmp_path / "x").exists()
    missing = run(tmp_path / "none.db", "export", "--out", str(tmp_path / "y"))
    assert missing.exit_code == 1 and "No customer data yet" in missing.stderr
    assert not (tmp_path / "none.db").exists() and not (tmp_path / "y").exists()


def test_contacts_without_email_sharing_a_name_are_warned_about(tmp_path):
    db = tmp_path / "twins.db"
    source = tmp_path / "twins.yaml"
    source.write_text(textwrap.dedent("""
        companies: [{name: A}, {name: B}]
        contacts:
          - {name: Jo Smith, company: A}
          - {name: Jo Smith, company: B}
    """), encoding="utf-8")
    assert run(db, "import", str(source)).exit_code == 0
    result = run(db, "export", "--out", str(tmp_path / "out"))
    assert result.exit_code == 0
    assert "warning: 2 contacts are called 'Jo Smith'" in result.stderr


def test_a_csv_export_imports_back_through_the_custview_profile(far_from_utc, sample_db, tmp_path):
    record_hand_overs(sample_db)
    assert run(sample_db, "import", str(CALENDAR)).exit_code == 0  # a meeting known by its calendar UID
    out = tmp_path / "csv"
    assert run(sample_db, "export", "-f", "csv", "--out", str(out)).exit_code == 0
    copy = tmp_path / "copy.db"
    imported = run(copy, "import", *sorted(str(path) for path in out.iterdir()), "--from", "custview")
    assert imported.exit_code == 0, imported.output
    original, restored = book_content(sample_db, makers=False), book_content(copy, makers=False)
    # CSV carries no stage history nor who made each record: all else comes back as it was, next steps with their owner, due date and done.
    for table in ("member", "company", "contact", "signal", "appointment", "attendee", "next_step", "ticket", "service",
                  "success_criterion", "note", "handover"):
        assert restored[table] == original[table], table
    assert sum(1 for row in restored["appointment"] if row[-2]) == 1


def test_a_value_starting_with_a_quote_and_an_equals_sign_survives_csv(tmp_path):
    db, copy = tmp_path / "a.db", tmp_path / "b.db"
    (tmp_path / "in.yaml").write_text("companies:\n  - {name: \"'=quoted\", summary: \"=1+1\"}\n", encoding="utf-8")
    assert run(db, "import", str(tmp_path / "in.yaml")).exit_code == 0
    assert run(db, "export", "-f", "csv", "--kind", "companies", "--out", str(tmp_path / "csv")).exit_code == 0
    result = run(copy, "import", str(tmp_path / "csv" / "companies.csv"), "--from", "custview")
    assert result.exit_code == 0, result.output
    assert book_content(copy)["company"] == book_content(db)["company"]


TRICKY_LISTS = textwrap.dedent("""
    contacts: [{name: Ann Lee, email: ann@x.example}]
    signals:
      - {contact: ann@x.example, kind: content, title: ERP guide, at: 2026-03-01T10:00:00Z,
         topics: ["ERP; NetSuite", "pricing (EU)", '"quoted", with commas', "[beta] rollout"]}
      - {contact: ann@x.example, kind: content, title: Plain guide, at: 2026-03-02T10:00:00Z, topics: [ERP, pricing]}
    appointments:
      - contact: ann@x.example
        purpose: Kick-off
        at: 2026-03-14T09:00:00Z
        attendees: [{name: Ann Lee, role: sponsor}, {name: Dana (us), role: lead (tech)}, {name: "Kai; Lee"},
                    {name: Dana Ortiz (us)}, {name: Bo, role: "a, b; c"}]
        decisions: ["Go with plan A; not B", 'Budget (2027), "approved"', "[draft] later"]
        next_steps:
          - {step: "Send scope; v2", owner: Dana (us), due: 2026-03-20T17:00:00Z, done: true}
          - {step: Book the room}
      - contact: ann@x.example
        purpose: Check-in
        at: 2026-04-14T09:00:00Z
        attendees: [{name: Ann Lee, role: sponsor}, {name: Dana Ortiz (us), role: account manager}]
        decisions: [Keep the plan, Meet monthly]
        next_steps: [Send the notes, Book the next call]
""")


def test_csv_keeps_list_values_exactly_and_plain_ones_readable(tmp_path):
    db, copy = tmp_path / "a.db", tmp_path / "b.db"
    (tmp_path / "in.yaml").write_text(TRICKY_LISTS, encoding="utf-8")
    assert run(db, "import", str(tmp_path / "in.yaml")).exit_code == 0
    assert run(db, "export", "-f", "csv", "--out", str(tmp_path / "csv")).exit_code == 0
    with open(tmp_path / "csv" / "appointments.csv", encoding="utf-8-sig", newline="") as file:
        kick_off, check_in = csv.DictReader(file)
    assert (check_in["attendees"], check_in["decisions"], check_in["next_steps"]) == (
        "ann@x.example (sponsor); Dana Ortiz (us) (account manager)", "Keep the plan; Meet monthly",
        "Send the notes; Book the next call")
    assert json.loads(kick_off["attendees"])[1] == {"name": "Dana (us)", "role": "lead (tech)"}
    assert json.loads(kick_off["decisions"]) == ["Go with plan A; not B", 'Budget (2027), "approved"', "[draft] later"]
    assert json.loads(kick_off["next_steps"])[0] == {"step": "Send scope; v2", "owner": "Dana (us)",
                                                     "due": "2026-03-20T17:00:00Z", "done": True}
    imported = import_export("csv", tmp_path / "csv", copy)
    assert imported.exit_code == 0, imported.output
    original, restored = book_content(db), book_content(copy)
    for table in ("contact", "signal", "appointment", "attendee", "next_step"):
        assert restored[table] == original[table], table
    assert len(original["attendee"]) == 7 and len(original["next_step"]) == 4


plain_items = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)


@settings(max_examples=150, deadline=None)
@given(items=st.lists(plain_items.map(str.strip).filter(bool), max_size=4))
def test_a_list_cell_reads_back_as_the_list_written(items):
    assert read_list_cell(unguard_cell(guard_cell(list_cell(items)))) == items


@settings(max_examples=150, deadline=None)
@given(people=st.lists(st.fixed_dictionaries({"name": plain_items.map(str.strip).filter(bool)},
                                             optional={"role": plain_items.map(str.strip).filter(bool)}), max_size=3))
def test_attendees_read_back_from_their_csv_cell_as_written(people):
    mapping = load_mapping(builtin_path("custview")).kinds["appointments"]
    row = csv_row("appointments", {"attendees": people})
    read = translator(mapping, Header(list(csv_columns("appointments"))), None, unescape=True)(row)
    assert [{key: value for key, value in person.items() if value} for person in read.get("attendees", [])] == people


def test_an_out_folder_that_cannot_be_one_is_a_clear_error(sample_db, tmp_path):
    (tmp_path / "a-file").write_text("x")
    for out in (tmp_path / "a-file", tmp_path / "a-file" / "sub"):
        result = run(sample_db, "export", "--out", str(out))
        assert result.exit_code == 1 and isinstance(result.exception, SystemExit)  # not an escaped exception
        assert result.stderr.startswith(f"error: {out}: ") and len(result.stderr.splitlines()) == 1


def test_hand_over_records_that_cannot_be_read_are_one_line_each_and_nothing_is_written(sample_db, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(textwrap.dedent("""\
        handovers:
          - {company: Northwind Logistics, contact: sarah.chen@northwind.example, to: Maya Singh, at: 2026-06-01}
          - {company: Northwind Logistics, to: Maya Singh, at: 2026-06-01, steps_moved: -2}
          - {contact: nobody@nowhere.example, at: 2026-06-01}
        """), encoding="utf-8")
    before = dump(sample_db)
    result = run(sample_db, "import", str(bad))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"error: {bad}:2: handovers[0]: contact: a hand-over is of one contact or of one account: give a contact "
        "or a company",
        f"error: {bad}:3: handovers[1]: steps_moved: expected a whole number, found -2",
        f"error: {bad}:4: handovers[2]: contact: unknown contact 'nobody@nowhere.example' (add the contact first, "
        "or use their email)",
        f"error: {bad}:4: handovers[2]: to: missing (required)",
    ]
    assert dump(sample_db) == before
