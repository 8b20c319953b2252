"""What was sold and what was promised: services and success criteria, added, changed, imported, exported, shown."""

import sqlite3

import pytest
import yaml
from typer.testing import CliRunner

from conftest import as_json, dump
from custview.cli.app import app
from custview.db.schema import CURRENT_VERSION
from custview.insight.commercial import commercial_line, criteria_phrase

BOOK = """\
companies:
  - {name: Northwind Logistics, status: customer, renewal: 2026-09-20, value: 120000, currency: EUR, arr: true}
  - {name: Borealis Foods, status: customer}
  - {name: Orbit Freight, status: churned, ended: 2026-04-30, end_reason: Moved in-house}
contacts:
  - {name: Priya Nair, email: priya@northwind.example, company: Northwind Logistics, stage: Value Creator}
services:
  - {company: Northwind Logistics, name: ERP pipeline, status: active, start: 2026-01-05}
  - {company: Borealis Foods, name: ERP pipeline, status: planned}
success_criteria:
  - {company: Northwind Logistics, metric: Signal latency, target: under 5 minutes, status: on track}
  - {company: Northwind Logistics, metric: Reconciliations, target: halved, status: on-track}
  - {company: Northwind Logistics, metric: Feed runs unattended, target: 99%, status: At Risk}
"""


pytestmark = pytest.mark.usefixtures("pinned_clock")


@pytest.fixture
def book(book_from_yaml):
    return book_from_yaml(BOOK)


def rows(db, sql, *parameters):
    with sqlite3.connect(db) as connection:
        return connection.execute(sql, parameters).fetchall()


def test_add_service_records_it_on_the_company_and_says_its_number(cli, book):
    result = cli("add", "service", "northwind", "Reno extension", "--status", "at risk", "--started", "2026-07-01")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "Added service #3 Reno extension (Northwind Logistics, at risk)"
    assert rows(book, "SELECT c.name, s.status, s.start_at FROM service s JOIN company c ON c.id = s.company_id "
                      "WHERE s.name = 'Reno extension'") == [("Northwind Logistics", "at risk", "2026-07-01 00:00:00.000000")]


def test_add_service_again_changes_only_what_is_given(cli, book):
    saved = as_json(cli("add", "service", "Northwind Logistics", "ERP pipeline", "--status", "delivered", "--json"))
    assert (saved["outcome"], saved["id"], saved["status"]) == ("updated", 1, "delivered")
    assert saved["start_at"] == "2026-01-05T00:00:00Z"  # kept: not given this time


def test_service_set_changes_the_status_by_number_or_by_name_within_a_company(cli, book):
    changed = as_json(cli("service", "set", "#1", "at-risk", "--json"))
    assert (changed["company"], changed["name"], changed["previous_status"], changed["status"]) == \
        ("Northwind Logistics", "ERP pipeline", "active", "at risk")
    result = cli("service", "set", "erp pipeline", "active", "--company", "borealis")
    assert result.stdout.strip() == "Set service #2 ERP pipeline: planned → active"
    assert rows(book, "SELECT status FROM service ORDER BY id") == [("at risk",), ("active",)]


def test_a_service_set_that_changes_nothing_says_so(cli, book):
    assert cli("service", "set", "1", "active").stdout.strip() == "Service #1 ERP pipeline was already active"


@pytest.mark.parametrize("args, message", [
    (("service", "set", "#1", "finished"),
     "error: unknown service status 'finished' (expected one of: planned, active, at risk, delivered)"),
    (("service", "set", "ERP pipeline", "active"),
     "error: 2 service records are called 'ERP pipeline': use the number (#1, #2) or --company."),
    (("service", "set", "#9", "active"), "error: No service '#9': use its number (#12, shown by `custview show "
                                         "company`) or its name as written."),
    (("add", "service", "Nowhere Inc", "Pilot"), "error: No company matches 'Nowhere Inc'."),
    (("add", "service", "Northwind", "Pilot", "--status", "done"),
     "error: add service (Pilot): status: unknown value 'done' (expected one of: planned, active, at risk, delivered)"),
    (("add", "criterion", "Northwind", "Uptime", "--status", "late"),
     "error: add success criterion (Uptime): status: unknown value 'late' (expected one of: on track, at risk, met)"),
    (("criterion", "set", "#1", "late"), "error: unknown success criterion status 'late' (expected one of: on track, "
                                         "at risk, met)"),
    (("add", "criterion", "Atlantis", "Uptime"), "error: No company matches 'Atlantis'."),
])
def test_unknown_status_or_company_is_one_line_exit_1_and_nothing_written(cli, book, args, message):
    before = dump(book)
    result = cli(*args)
    assert (result.exit_code, result.stderr.strip()) == (1, message)
    assert dump(book) == before


def test_success_criteria_come_in_from_yaml_with_their_statuses(book):
    assert rows(book, "SELECT metric, target, status FROM success_criterion ORDER BY id") == [
        ("Signal latency", "under 5 minutes", "on track"), ("Reconciliations", "halved", "on track"),
        ("Feed runs unattended", "99%", "at risk")]


def test_add_criterion_and_criterion_set(cli, book):
    added = as_json(cli("add", "criterion", "Borealis", "Waste reduced", "--target", "-20%", "--json"))
    assert (added["outcome"], added["id"], added["metric"], added["target"], added["status"]) == \
        ("created", 4, "Waste reduced", "-20%", "on track")
    assert cli("criterion", "set", "waste reduced", "met").stdout.strip() == \
        "Set success criterion #4 Waste reduced: on track → met"
    again = as_json(cli("add", "criterion", "Borealis", "Waste reduced", "--json"))
    assert (again["outcome"], again["target"], again["status"]) == ("unchanged", "-20%", "met")


def test_show_company_says_renewal_value_and_criteria_in_one_line_and_lists_them(cli, book):
    shown = cli("show", "company", "Northwind").stdout
    assert "Renewal in 97 days · €120,000 ARR · success criteria: 2 on track, 1 at risk" in shown
    assert "#3 Feed runs unattended  target 99%  at risk" in shown
    view = as_json(cli("show", "company", "Northwind", "--json"))
    assert [(c["metric"], c["status"]) for c in view["success_criteria"]][-1] == ("Feed runs unattended", "at risk")


def test_the_brief_company_panel_counts_the_criteria(cli, book):
    brief = cli("brief", "Priya Nair").stdout
    assert "success criteria: 2 on track, 1 at risk" in " ".join(brief.split())


def test_criteria_phrase_counts_in_the_usual_order():
    class C:
        def __init__(self, status):
            self.status = status

    assert criteria_phrase([C("met"), C("at risk"), C("on track"), C("met")]) == \
        "success criteria: 1 on track, 1 at risk, 2 met"
    assert criteria_phrase([]) is None


def test_an_ended_account_says_how_it_ended_not_its_criteria(book):
    from custview.db.reader import Reader

    reader = Reader.open(book)
    orbit = reader.find_companies("Orbit")[0]
    assert commercial_line(orbit, reader.find_companies("Orbit")[0].ended_at, [object()]) == \
        "Churned on 2026-04-30 · reason: Moved in-house"


def test_criteria_survive_export_and_import_into_a_new_book(cli, book, tmp_path):
    assert cli("export", "--out", str(tmp_path)).exit_code == 0
    exported = yaml.safe_load((tmp_path / "custview-export.yaml").read_text())
    assert exported["success_criteria"][2] == {"company": "Northwind Logistics", "metric": "Feed runs unattended",
                                               "target": "99%", "status": "at risk"}
    fresh = tmp_path / "fresh.db"
    result = CliRunner().invoke(app, ["--db", str(fresh), "import", str(tmp_path / "custview-export.yaml")])
    assert result.exit_code == 0, result.output
    assert rows(fresh, "SELECT metric, target, status FROM success_criterion ORDER BY id") == \
        rows(book, "SELECT metric, target, status FROM success_criterion ORDER BY id")


def test_merging_companies_moves_their_criteria(cli, book):
    assert cli("merge", "--company", "Borealis Foods", "Northwind Logistics", "--yes").exit_code == 0
    assert rows(book, "SELECT DISTINCT c.name FROM success_criterion s JOIN company c ON c.id = s.company_id") == \
        [("Borealis Foods",)]


def test_a_book_from_before_success_criteria_is_upgraded_and_takes_one(cli, book):
    with sqlite3.connect(book) as connection:
        connection.execute("DROP TABLE success_criterion")
        connection.execute("PRAGMA user_version = 9")
    result = cli("add", "criterion", "Northwind", "Uptime", "--target", "99.9%")
    assert result.exit_code == 0, result.output
    # every later step too (members, hand-overs, who, calendar UIDs, …), up to the current version
    assert f"from schema version 9 to {CURRENT_VERSION}" in result.stderr
    assert rows(book, "SELECT metric FROM success_criterion") == [("Uptime",)]


def test_an_account_hand_over_carries_what_was_promised_at_purchase(cli, book):
    document = cli("handoff", "Northwind Logistics").stdout
    section = document.split("## Success criteria (promised at purchase)")[1].split("##")[0]
    assert "| Feed runs unattended | 99% | at risk |" in section and "| Signal latency | under 5 minutes | on track |" in section
