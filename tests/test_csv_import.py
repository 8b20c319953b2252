"""Importing other tools' CSV exports: mappings, detection, dedup, rejected rows, all-or-nothing."""

from __future__ import annotations

import json
import shutil
import sqlite3

import pytest

from conftest import FIXTURES, dump

EXPORTS = FIXTURES / "exports"
STAGES = "Audience, Researcher, Hand Raiser, Buyer, Value Creator, Adopter, Advocate, Champion"


@pytest.fixture
def exports(tmp_path):
    """A writable copy of the export fixtures (rejected-row files are written beside them)."""
    folder = tmp_path / "exports"
    shutil.copytree(EXPORTS, folder)
    return folder


def counts(result) -> dict:
    """The per-kind counts of an `import --json` run."""
    return {kind: c for kind, c in json.loads(result.stdout)["counts"].items() if c}


def query(db, sql: str, *params) -> list[tuple]:
    with sqlite3.connect(db) as connection:
        return connection.execute(sql, params).fetchall()


def test_hubspot_contacts_match_by_email_in_any_case_and_by_company_name_without_suffix(cli, book, exports):
    result = cli("import", str(exports / "hubspot-contacts.csv"), "--json")
    assert result.exit_code == 0, result.output
    # "Contact owner" brings Dana Ortiz in as a member, and gives the two contacts already known an owner.
    assert counts(result) == {"members": {"created": 1}, "companies": {"created": 1},
                              "contacts": {"created": 2, "updated": 2}}
    assert "hubspot-contacts.csv: recognised a HubSpot contacts export" in result.stderr
    assert "hubspot-contacts.csv: ignored columns: Record ID, Create Date" in result.stderr
    assert query(book, "SELECT name, email, title, stage FROM contact WHERE name = 'Ann Lee'") == [
        ("Ann Lee", "ann.lee@acme.example", "Chief Data Officer", "Advocate")]
    assert query(book, "SELECT c.name, co.name FROM contact c JOIN company co ON co.id = c.company_id "
                       "WHERE c.email IN ('omar@borealis.example', 'jose.nunez@borealis.example', 'kai@cobalt.example') "
                       "ORDER BY c.name") == [
        ("José Núñez", "Borealis Foods"), ("Kai Brandt", "Cobalt Labs"), ("Omar Haddad", "Borealis Foods")]


def test_a_newer_export_records_the_stage_change_in_stage_history(cli, book, exports):
    preview = cli("import", str(exports / "hubspot-contacts.csv"), "--dry-run", "--json")
    assert json.loads(preview.stdout)["stage_changes"] == [{"contact": "Ann Lee", "from": "Adopter", "to": "Advocate"}]
    result = cli("import", str(exports / "hubspot-contacts.csv"))
    assert "Ann Lee: Adopter → Advocate" in result.stdout
    history = query(book, "SELECT s.previous_stage, s.stage, s.source FROM stage_change s "
                          "JOIN contact c ON c.id = s.contact_id WHERE c.name = 'Ann Lee' ORDER BY s.changed_at")
    assert history[-2:] == [("Value Creator", "Adopter", "import"), ("Adopter", "Advocate", "import")]


def test_importing_the_same_exports_again_creates_nothing(cli, book, exports):
    files = [str(exports / name) for name in ("hubspot-contacts.csv", "hubspot-tickets.csv", "salesforce-accounts.csv",
                                               "google-contacts.csv", "signals.tsv")]
    assert cli("import", *files).exit_code == 0
    before = dump(book)
    again = cli("import", *files, "--json")
    assert again.exit_code == 0, again.output
    assert all(c.get("created", 0) == 0 and c.get("updated", 0) == 0 for c in counts(again).values())
    assert dump(book) == before


def test_every_bad_row_is_reported_with_file_line_and_column_and_nothing_is_written(cli, book, exports):
    before = dump(book)
    result = cli("import", str(exports / "hubspot-contacts-bad.csv"))
    assert result.exit_code == 1
    bad = exports / "hubspot-contacts-bad.csv"
    assert result.stderr.splitlines() == [
        f"error: {bad}:2: Lifecycle Stage: unknown stage 'partner' (expected one of: {STAGES})",
        f"error: {bad}:3: First Name + Last Name: missing (required)",
        f"error: {bad}:4: Email: 'sam-at-example.com' is not an email address",
    ]
    assert dump(book) == before


def test_skip_invalid_imports_the_good_rows_and_writes_the_rejected_ones_with_a_reason(cli, book, exports):
    result = cli("import", str(exports / "hubspot-contacts-bad.csv"), "--skip-invalid", "--json")
    assert result.exit_code == 0, result.output
    assert counts(result) == {"contacts": {"created": 1, "rejected": 3}}
    rejected = exports / "hubspot-contacts-bad.rejected.csv"
    assert json.loads(result.stdout)["rejected_files"] == [str(rejected)]
    assert rejected.read_text(encoding="utf-8").splitlines() == [
        "Record ID,First Name,Last Name,Email,Lifecycle Stage,reason",
        f"2001,Pat,Doe,pat@example.com,partner,\"Lifecycle Stage: unknown stage 'partner' (expected one of: {STAGES})\"",
        "2002,,,,lead,First Name + Last Name: missing (required)",
        "2003,Sam,Roe,sam-at-example.com,lead,Email: 'sam-at-example.com' is not an email address",
    ]
    assert query(book, "SELECT name, stage FROM contact WHERE email = 'good@example.com'") == [("Good Row", "Audience")]


def test_zendesk_tickets_read_type_organisation_and_tags_and_keep_unknown_requesters_unlinked(cli, book, exports):
    source = exports / "zendesk-tickets.csv"
    before = dump(book)
    strict = cli("import", str(source))
    assert strict.exit_code == 1
    assert strict.stderr.splitlines() == [
        f"error: {source}:7: Created at: unreadable date 'around lunch' (expected ISO 8601 or mm/dd/yyyy)"]
    assert dump(book) == before
    result = cli("import", str(source), "--skip-invalid", "--json")
    assert counts(result) == {"tickets": {"created": 3, "rejected": 1, "unlinked": 1}}
    assert json.loads(result.stdout)["warnings"] == [
        f"{source}:6: Requester email: 'stranger@nowhere.example' is not in the book: ticket kept unlinked "
        "(see `custview tickets --unlinked`); it is linked when they are added"]
    rows = query(book, "SELECT t.ref, c.name, co.name, t.status, t.priority, t.kind, t.topics, t.description "
                       "FROM ticket t LEFT JOIN contact c ON c.id = t.contact_id "
                       "LEFT JOIN company co ON co.id = t.company_id WHERE t.ref LIKE 'zendesk-%' ORDER BY t.ref")
    assert rows == [
        ("zendesk-501", "Ann Lee", "Acme Analytics", "open", "normal", "question", '["expansion", "finance"]',
         "Hi,\nfinance would like the audit dashboards too.\nThanks, Ann"),
        ("zendesk-502", "Omar Haddad", "Borealis Foods", "closed", "high", "issue", "[]", None),
        ("zendesk-503", None, None, "open", "low", "task", "[]", None),
    ]
    assert query(book, "SELECT requester_email, requester_name FROM ticket WHERE ref = 'zendesk-503'") == [
        ("stranger@nowhere.example", "Unknown Person")]


def test_an_unlinked_ticket_links_to_its_requester_once_they_are_imported(cli, book, exports, tmp_path):
    assert cli("import", str(exports / "zendesk-tickets.csv"), "--skip-invalid").exit_code == 0
    listed = cli("tickets", "--unlinked", "--json")
    assert [(t["ref"], t["requester_email"]) for t in json.loads(listed.stdout)] == [
        ("zendesk-503", "stranger@nowhere.example")]
    people = tmp_path / "people.csv"
    people.write_text("First Name,Last Name,Email,Lifecycle Stage\nUna,Person,Stranger@Nowhere.example,lead\n",
                      encoding="utf-8")
    result = cli("import", str(people), "--from", "hubspot")
    assert result.exit_code == 0, result.output
    assert "note: linked 1 earlier ticket to the contacts who raised them" in result.stderr
    assert query(book, "SELECT c.name FROM ticket t JOIN contact c ON c.id = t.contact_id "
                       "WHERE t.ref = 'zendesk-503'") == [("Una Person",)]
    assert json.loads(cli("tickets", "--unlinked", "--json").stdout) == []


def test_hubspot_epoch_millisecond_dates_and_associated_contact_labels(cli, book, exports):
    assert cli("import", str(exports / "hubspot-tickets.csv")).exit_code == 0
    assert query(book, "SELECT t.ref, c.name, t.status, t.priority, t.opened_at, t.closed_at FROM ticket t "
                       "JOIN contact c ON c.id = t.contact_id WHERE t.ref LIKE 'hubspot-%' ORDER BY t.ref") == [
        ("hubspot-7001", "Ann Lee", "open", "high", "2026-11-02 08:00:00.000000", None),
        ("hubspot-7002", "Anna Berg", "closed", "low", "2026-11-02 08:00:00.000000", "2026-11-03 08:00:00.000000"),
    ]


def test_a_users_own_mapping_reads_semicolons_and_day_first_dates(cli, book, exports, tmp_path):
    shown = cli("mappings", "show", "salesforce")
    assert shown.exit_code == 0 and "Case Number" in shown.stdout
    mine = tmp_path / "salesforce-eu.yaml"
    mine.write_text(shown.stdout.replace("dayfirst: false", "dayfirst: true\ntimezone: UTC"), encoding="utf-8")
    result = cli("import", str(exports / "salesforce-cases-eu.csv"), "--mapping", str(mine), "--kind", "tickets")
    assert result.exit_code == 0, result.output
    assert query(book, "SELECT ref, status, priority, opened_at, closed_at FROM ticket WHERE ref LIKE 'salesforce-%' "
                       "ORDER BY ref") == [
        ("salesforce-00001026", "open", "normal", "2026-11-03 09:30:00.000000", None),
        ("salesforce-00001027", "closed", "high", "2026-10-01 08:00:00.000000", "2026-10-05 17:00:00.000000"),
    ]


def test_companies_match_by_domain_from_a_website_url(cli, book, exports):
    result = cli("import", str(exports / "salesforce-accounts.csv"), "--json")
    assert counts(result) == {"companies": {"created": 1, "updated": 1}}
    assert query(book, "SELECT name, domain, industry, size FROM company WHERE name != 'Acme Analytics' "
                       "ORDER BY name") == [
        ("Borealis Foods", "borealis.example", "Food & Beverage", "1200"),
        ("Cobalt Labs", "cobalt.example", "Software", "80"),
    ]


def test_windows_1252_files_are_read_and_said_so(cli, book, exports):
    result = cli("import", str(exports / "google-contacts.csv"))
    assert result.exit_code == 0, result.output
    assert f"{exports / 'google-contacts.csv'}: not UTF-8; read as Windows-1252" in result.stderr
    assert query(book, "SELECT name, email, phone, title, context FROM contact WHERE name LIKE 'Ren%'") == [
        ("Renée Dubois", "renee@cobalt.example", "+33 6 12 34 56 78", "COO", "Met at Signal Summit.\nPrefers mornings.")]


def test_signal_rows_load_in_bulk_once_each_and_update_when_their_topics_change(cli, book, exports):
    result = cli("import", str(exports / "signals.tsv"), "--json")
    assert counts(result) == {"signals": {"created": 2, "unchanged": 1}}
    rows = query(book, "SELECT c.name, s.kind, s.title, s.topics, s.occurred_at, s.detail, s.source FROM signal s "
                       "JOIN contact c ON c.id = s.contact_id WHERE s.title LIKE '%:%' ORDER BY s.occurred_at")
    assert rows == [
        ("Ann Lee", "content", "Whitepaper: Signal quality", '["Signal quality", "Governance"]',
         "2026-11-10 09:00:00.000000", None, "web"),
        ("Omar Haddad", "event", "Webinar: Forecasting", '["Forecasting"]', "2026-11-12 14:00:00.000000",
         "attended live", "webinar"),
    ]
    changed = exports / "signals-changed.tsv"
    changed.write_text((exports / "signals.tsv").read_text().replace("\tForecasting\t", "\tForecasting; Planning\t"))
    again = cli("import", str(changed), "--json")
    assert counts(again) == {"signals": {"updated": 1, "unchanged": 2}}


def test_three_sources_show_up_in_one_brief(cli, book, exports, tmp_path):
    signals = tmp_path / "signals.yaml"
    signals.write_text("signals:\n  - {contact: ann.lee@acme.example, kind: event, title: Finance analytics roundtable,"
                       " topics: [Finance], at: -2d}\n")
    result = cli("import", str(exports / "hubspot-contacts.csv"), str(exports / "zendesk-tickets.csv"), str(signals),
                 "--skip-invalid")
    assert result.exit_code == 0, result.output
    brief = cli("brief", "Ann Lee")
    assert brief.exit_code == 0, brief.output
    assert "Advocate" in brief.stdout  # from HubSpot
    assert "Can we also roll this out to the finance team?" in brief.stdout  # from Zendesk
    assert "Finance analytics roundtable" in brief.stdout  # from YAML


@pytest.mark.parametrize("content, message", [
    (b"", "empty file (expected a header line and rows)"),
    (b"name,email,company,stage\n", "has a header but no rows"),
    (b"PK\x03\x04\x00\x00binary", "not a CSV file (binary content)"),
    (b"foo,bar\n1,2\n", "cannot tell what this file holds from its header: give --kind (and --from or --mapping)"),
])
def test_files_that_are_not_usable_csv_get_one_clear_line(cli, db, tmp_path, content, message):
    path = tmp_path / "export.csv"
    path.write_bytes(content)
    result = cli("import", str(path))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [f"error: {path}: {message}"]
    assert not db.exists()


def test_dry_run_reports_without_writing(cli, book, exports):
    before = dump(book)
    result = cli("import", str(exports / "hubspot-contacts.csv"), "--dry-run", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["dry_run"] is True
    assert counts(result)["contacts"] == {"created": 2, "updated": 2}
    assert dump(book) == before


def test_unknown_tool_and_kind_are_clear_errors(cli, exports):
    result = cli("import", str(exports / "signals.tsv"), "--from", "excel")
    assert result.exit_code == 1 and "unknown mapping 'excel'" in result.stderr
    result = cli("import", str(exports / "signals.tsv"), "--kind", "signal")
    assert result.exit_code == 1 and "unknown kind 'signal' for --kind" in result.stderr


def test_mappings_lists_the_built_in_tools(cli):
    result = cli("mappings", "--json")
    names = {m["name"]: m for m in json.loads(result.stdout)}
    assert set(names) == {"custview", "google", "hubspot", "pipedrive", "salesforce", "zendesk"}
    assert set(names["hubspot"]["kinds"]) == {"contacts", "companies", "tickets"}
    assert set(names["salesforce"]["kinds"]) == {"contacts", "companies", "tickets"}


def test_dry_run_with_skip_invalid_writes_no_rejected_file(cli, book, exports):
    result = cli("import", str(exports / "hubspot-contacts-bad.csv"), "--skip-invalid", "--dry-run", "--json")
    assert result.exit_code == 0
    assert counts(result) == {"contacts": {"created": 1, "rejected": 3}}
    assert not (exports / "hubspot-contacts-bad.rejected.csv").exists()


def test_the_progress_bar_shows_rows_and_speed_once_an_import_takes_a_moment(monkeypatch):
    import io

    from rich.console import Console

    from custview.cli import render_upkeep as render

    clock = iter([100.0, 100.1, 101.0, 102.0, 102.0, 102.0, 102.0])
    monkeypatch.setattr(render.time, "monotonic", lambda: next(clock, 102.0))
    screen = io.StringIO()
    with render.import_progress(Console(file=screen, force_terminal=True, width=100)) as update:
        update(1_000, 10, 1_000)  # 0.1 s in: too soon to show anything
        assert screen.getvalue() == ""
        update(20_000, 500, 1_000)
        update(40_000, 1_000, 1_000)
    assert "40,000 rows" in screen.getvalue() and "20,000 rows/s" in screen.getvalue()


@pytest.mark.parametrize("name, tool, expected", [
    ("salesforce-contacts.csv", "Salesforce contacts",
     ("Dr. Ingrid Holm", "ingrid.holm@borealis.example", "+46 8 123 456", "Head of Research", "Borealis Foods")),
    ("pipedrive-people.csv", "Pipedrive contacts",
     ("Lucas Moreau", "lucas@cobalt.example", "+33 1 23 45 67 89", "Procurement Lead", "Cobalt Labs")),
])
def test_salesforce_and_pipedrive_people_exports(cli, book, exports, name, tool, expected):
    result = cli("import", str(exports / name))
    assert result.exit_code == 0, result.output
    assert f"recognised a {tool} export" in result.stderr
    assert query(book, "SELECT c.name, c.email, c.phone, c.title, co.name FROM contact c "
                       "JOIN company co ON co.id = c.company_id WHERE c.email = ?", expected[1]) == [expected]


def test_hubspot_companies_match_by_domain_and_map_lifecycle_stages(cli, book, exports):
    result = cli("import", str(exports / "hubspot-companies.csv"), "--json")
    assert counts(result) == {"companies": {"created": 1, "updated": 1}}
    assert query(book, "SELECT name, domain, industry, size, stage FROM company WHERE domain IN "
                       "('acme.example', 'deltafreight.example') ORDER BY name") == [
        ("Acme Analytics", "acme.example", "Software", "250", "Value Creator"),
        ("Delta Freight", "deltafreight.example", "Logistics", "900", "Buyer"),
    ]


def test_companies_in_other_scripts_are_told_apart_and_the_exact_name_wins_over_the_domain(cli, db, tmp_path):
    first = tmp_path / "companies.yaml"
    first.write_text("companies:\n  - {name: Яндекс, industry: Search}\n  - {name: Globex, domain: globex.example}\n"
                     "  - {name: Acme, domain: acme.example}\n", encoding="utf-8")
    assert cli("import", str(first)).exit_code == 0
    second = tmp_path / "more.yaml"
    second.write_text("companies:\n  - {name: Газпром, industry: Energy}\n  - {name: Acme, domain: globex.example}\n",
                      encoding="utf-8")
    result = cli("import", str(second), "--json")
    assert counts(result) == {"companies": {"created": 1, "updated": 1}}
    assert query(db, "SELECT name, domain, industry FROM company ORDER BY id") == [
        ("Яндекс", None, "Search"), ("Globex", "globex.example", None), ("Acme", "globex.example", None),
        ("Газпром", None, "Energy")]


@pytest.mark.parametrize("setting, message", [
    ("dayfirst: maybe", "m.yaml:1: dayfirst: expected true or false"),
    ("separator: 5", "m.yaml:1: separator: expected text"),
    ("date_formats: [5]", "m.yaml:1: date_formats: expected a list of texts"),
    ("kinds:\n  contacts:\n    columns: {name: Person - Name}\n    values: [1]",
     "m.yaml:4: contacts.values: expected their value: our value lines"),
    ("kinds:\n  contacts:\n    columns: {name: Person - Name}\n    lists: 5", "m.yaml:4: contacts.lists: expected a list of texts"),
])
def test_a_mapping_file_with_wrong_types_is_one_clear_line_each(cli, db, tmp_path, setting, message):
    mine = tmp_path / "m.yaml"
    body = setting if setting.startswith("kinds:") else setting + "\nkinds:\n  contacts:\n    columns: {name: Person - Name}"
    mine.write_text(body + "\n", encoding="utf-8")
    result = cli("import", str(EXPORTS / "pipedrive-people.csv"), "--mapping", str(mine), "--kind", "contacts")
    assert result.exit_code == 1
    assert result.stderr == f"error: {tmp_path}/{message}\n"
    assert not db.exists()


def test_overlong_signal_titles_are_refused_from_csv_and_yaml_alike(cli, book, tmp_path):
    long_title = "x" * 1_001
    as_csv = tmp_path / "signals.csv"
    as_csv.write_text(f"contact,kind,title,at\nann.lee@acme.example,content,{long_title},2026-11-10T09:00:00Z\n")
    as_yaml = tmp_path / "signals.yaml"
    as_yaml.write_text(f"signals:\n  - {{contact: ann.lee@acme.example, kind: content, title: {long_title}, at: -1d}}\n")
    for path in (as_csv, as_yaml):
        result = cli("import", str(path))
        assert result.exit_code == 1, path
        assert result.stderr.endswith("title: too long: 1,001 characters (at most 1,000)\n"), result.stderr


def test_the_rejected_rows_file_is_private_and_a_folder_that_cannot_take_it_is_one_line(cli, book, exports):
    assert cli("import", str(exports / "hubspot-contacts-bad.csv"), "--skip-invalid").exit_code == 0
    rejected = exports / "hubspot-contacts-bad.rejected.csv"
    assert rejected.stat().st_mode & 0o777 == 0o600
    rejected.unlink()
    rejected.mkdir()  # something that is not a file is in the way
    before = dump(book)
    result = cli("import", str(exports / "hubspot-contacts-bad.csv"), "--skip-invalid")
    assert result.exit_code == 1
    assert "error: " in result.stderr and "Traceback" not in result.output
    assert dump(book) == before


def test_a_failed_first_import_leaves_no_database_file_behind(cli, db, exports):
    result = cli("import", str(exports / "hubspot-contacts-bad.csv"))
    assert result.exit_code == 1
    assert not db.exists() and not list(db.parent.glob(db.name + "-*"))
