import csv
import json
import shutil
import sqlite3
import stat
import textwrap
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from conftest import BOOK, FIXTURES, dump
from custview.cli.app import app
from custview.exporters.export import csv_columns, csv_row
from custview.importers.mapping import builtin_path, load_mapping
from custview.importers.translate import Header, translator
from custview.spreadsheet import guard_cell, list_cell, read_list_cell, unguard_cell

SAMPLE = Path(__file__).parent.parent / "data" / "sample.yaml"
KINDS = ("members", "companies", "contacts", "signals", "appointments", "tickets", "services", "success_criteria",
         "notes")
MERGE_TABLES = ("contact_alias", "company_alias", "merge_record")
# A HubSpot export that makes a second Ann Lee (another email), Omar Hadad, "Acme Analytcs" and
# "Borealis"; and what was then recorded against those duplicates (see tests/test_merge.py).
DUPLICATING_EXPORT = FIXTURES / "exports" / "hubspot-contacts-duplicates.csv"
DUPLICATES_HISTORY = FIXTURES / "duplicates-history.yaml"
MERGES = (("ann.lee@acme.example", "ann.lee+events@acme.example"), ("Omar Haddad", "Omar Hadad"),
          ("--company", "Acme Analytics", "Acme Analytcs"), ("--company", "Borealis Foods", "Borealis"))


def run(db, *args):
    return CliRunner().invoke(app, ["--db", str(db), *args])


def book_content(db: Path) -> dict[str, list[tuple]]:
    """Every table's rows with database ids replaced by natural keys, sorted: equal books compare equal."""
    with sqlite3.connect(db) as connection:
        q = lambda sql: connection.execute(sql).fetchall()  # noqa: E731
        contact = "(SELECT coalesce(email, name) FROM contact WHERE contact.id = {})"
        company = "(SELECT name FROM company WHERE company.id = {})"
        meeting = ("(SELECT " + contact.format("a.contact_id") + " || ' @ ' || a.scheduled_at "
                   "FROM appointment a WHERE a.id = {})")
        rank = "(SELECT count(*) FROM {0} o WHERE o.appointment_id = {0}.appointment_id AND o.id < {0}.id)"
        content = {
            "company": q("SELECT name, domain, industry, size, stage, health, summary, status, renewal_at, "
                         "contract_value, contract_currency, contract_arr, ended_at, end_reason FROM company"),
            "contact": q(f"SELECT name, email, phone, title, buying_role, {company.format('company_id')}, stage, "
                         "stage_since, preferred_channel, preferred_time, preferred_tone, context FROM contact"),
            "stage_change": q(f"SELECT {contact.format('contact_id')}, stage, previous_stage, changed_at, source "
                              "FROM stage_change"),
            "signal": q(f"SELECT {contact.format('contact_id')}, kind, title, topics, occurred_at, detail, source "
                        "FROM signal"),
            "appointment": q(f"SELECT {contact.format('contact_id')}, {company.format('company_id')}, purpose, kind, "
                             "scheduled_at, outcome, decisions FROM appointment"),
            "attendee": q(f"SELECT {meeting.format('appointment_id')}, {rank.format('attendee')}, "
                          f"{contact.format('attendee.contact_id')}, name, role FROM attendee"),
            "next_step": q(f"SELECT {meeting.format('appointment_id')}, {rank.format('next_step')}, step, owner, "
                           "due_at, done FROM next_step"),
            "ticket": q(f"SELECT ref, {contact.format('contact_id')}, {company.format('company_id')}, subject, "
                        "description, status, priority, kind, opened_at, closed_at FROM ticket"),
            "service": q(f"SELECT {company.format('company_id')}, name, status, start_at, end_at, owner FROM service"),
            "note": q(f"SELECT {contact.format('contact_id')}, {company.format('company_id')}, text, written_at, "
                      "author FROM note"),
            "contact_alias": q(f"SELECT {contact.format('contact_id')}, email FROM contact_alias"),
            "company_alias": q(f"SELECT {company.format('company_id')}, name, domain FROM company_alias"),
            "merge_record": q(f"SELECT kind, CASE kind WHEN 'contact' THEN {contact.format('kept_id')} "
                              f"ELSE {company.format('kept_id')} END, merged_name, merged_email, merged_domain, "
                              "merged_at FROM merge_record"),
        }
    return {table: sorted(rows, key=repr) for table, rows in content.items()}


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


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_an_export_imports_into_an_empty_database_as_the_same_book(fmt, far_from_utc, sample_db, tmp_path):
    exported = run(sample_db, "export", "--format", fmt, "--out", str(tmp_path / "out"))
    assert exported.exit_code == 0, exported.output
    copy = tmp_path / "copy.db"
    imported = run(copy, "import", str(tmp_path / "out" / f"custview-export.{fmt}"))
    assert imported.exit_code == 0, imported.output
    original, restored = book_content(sample_db), book_content(copy)
    assert all(original[table] for table in original if table not in MERGE_TABLES)  # every table is compared
    for table in original:
        assert restored[table] == original[table], table


def test_the_export_reimported_into_its_own_database_changes_nothing(sample_db, tmp_path):
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
    assert [Path(p).name for p in json.loads(result.stdout)["files"]] == [f"{kind}.csv" for kind in KINDS]
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
                    "tickets": "15", "services": "8", "success_criteria": "8", "notes": "16", "total": "248"}


def test_bad_choices_and_a_missing_database_are_clear_errors(sample_db, tmp_path):
    result = run(sample_db, "export", "--format", "xml", "--kind", "people", "--out", str(tmp_path / "x"))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "error: --format: unknown format 'xml' (expected one of: yaml, json, csv)",
        "error: --kind: unknown kind 'people' (expected one of: members, companies, contacts, signals, appointments, "
        "tickets, services, success_criteria, notes)",
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
    out = tmp_path / "csv"
    assert run(sample_db, "export", "-f", "csv", "--out", str(out)).exit_code == 0
    copy = tmp_path / "copy.db"
    imported = run(copy, "import", *sorted(str(path) for path in out.iterdir()), "--from", "custview")
    assert imported.exit_code == 0, imported.output
    original, restored = book_content(sample_db), book_content(copy)
    # CSV carries no stage history: all else comes back as it was, next steps with their owner, due date and done.
    for table in ("company", "contact", "signal", "appointment", "attendee", "next_step", "ticket", "service", "note"):
        assert restored[table] == original[table], table


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


@pytest.fixture(scope="module")
def merged_book(tmp_path_factory):
    """The test book after a second import made duplicates of two people and two companies, all merged."""
    folder = tmp_path_factory.mktemp("merged")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HOME", str(folder / "home"))
        patch.setenv("XDG_DATA_HOME", str(folder / "xdg"))
        db = folder / "book.db"
        for path in (BOOK, DUPLICATING_EXPORT, DUPLICATES_HISTORY):
            assert run(db, "import", str(path)).exit_code == 0
        for pair in MERGES:
            merged = run(db, "merge", *pair, "--yes")
            assert merged.exit_code == 0, merged.output
    with sqlite3.connect(db) as connection:  # all of it in the file itself, for tests that copy the file
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return db


def import_export(fmt: str, out: Path, db: Path):
    """Import what `export --format fmt --out out` wrote into `db`."""
    files = sorted(str(path) for path in out.iterdir())
    return run(db, "import", *files, *(("--from", "custview") if fmt == "csv" else ()), "--json")


@pytest.mark.parametrize("fmt", ["yaml", "json", "csv"])
def test_a_merged_duplicate_s_old_file_finds_the_record_kept_in_a_book_made_from_the_export(fmt, merged_book,
                                                                                            tmp_path):
    book, fresh, out = tmp_path / "book.db", tmp_path / "fresh.db", tmp_path / "out"
    shutil.copy(merged_book, book)
    assert run(book, "export", "--format", fmt, "--out", str(out)).exit_code == 0
    before = dump(book)
    into_itself = import_export(fmt, out, book)
    assert all(set(c) <= {"unchanged"} for c in json.loads(into_itself.stdout)["counts"].values()), into_itself.stdout
    assert dump(book) == before
    imported = import_export(fmt, out, fresh)
    assert imported.exit_code == 0, imported.output
    original, restored = book_content(book), book_content(fresh)
    assert [len(original[table]) for table in MERGE_TABLES] == [2, 2, 4]  # both people's other emails; companies' names
    for table in original:
        if not (fmt == "csv" and table == "stage_change"):  # CSV carries no stage history
            assert restored[table] == original[table], table

    again = json.loads(run(fresh, "import", str(DUPLICATING_EXPORT), "--json").stdout)
    history = json.loads(run(fresh, "import", str(DUPLICATES_HISTORY), "--json").stdout)
    assert again["counts"]["contacts"] == {"unchanged": 4} and again["counts"]["companies"] == {}
    assert all("created" not in counts for counts in history["counts"].values()), history["counts"]
    assert book_content(fresh)["contact"] == original["contact"]  # nobody doubled, nothing of the kept overwritten
    assert json.loads(run(fresh, "duplicates", "--json").stdout) == []
    doctor = run(fresh, "doctor")
    assert doctor.exit_code == 0, doctor.output


def test_the_merge_history_reads_as_written_in_the_yaml_export(merged_book, tmp_path):
    assert run(merged_book, "export", "--kind", "companies", "--kind", "contacts", "--out", str(tmp_path)).exit_code == 0
    document = yaml.safe_load((tmp_path / "custview-export.yaml").read_text())
    ann = next(c for c in document["contacts"] if c.get("email") == "ann.lee@acme.example")
    assert ann["aliases"] == ["ann.lee+events@acme.example"]
    assert [(m["name"], m["email"]) for m in ann["merged"]] == [("Ann Lee", "ann.lee+events@acme.example")]
    acme = next(c for c in document["companies"] if c["name"] == "Acme Analytics")
    assert acme["aliases"] == ["Acme Analytcs"] and [m["name"] for m in acme["merged"]] == ["Acme Analytcs"]
    assert all(m["at"].endswith("Z") for m in ann["merged"] + acme["merged"])
