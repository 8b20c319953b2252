"""Issue 12's acceptance: a consultant's day on the sample book, from planning a call to keeping the promise."""

import json
import sqlite3
from pathlib import Path

from conftest import dump

from custview.sample import sample_path

WEEK = Path(__file__).parents[1] / "docs" / "examples" / "week.ics"  # Marcus Webb's QBR, Wed 17 Jun 14:00 UTC


def appointments(db) -> int:
    with sqlite3.connect(db) as connection:
        return connection.execute("SELECT count(*) FROM appointment").fetchone()[0]


def test_plan_today_brief_log_done_and_reimport(cli, db, monkeypatch):
    monkeypatch.setenv("CUSTVIEW_NOW", "2026-06-15T09:00:00Z")  # Monday
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.setenv("COLUMNS", "100")
    assert cli("import", str(sample_path())).exit_code == 0
    assert cli("import", str(WEEK)).exit_code == 0

    planned = cli("plan", "Sarah Chen", "--when", "14:00", "-p", "NetSuite pilot scope", "-k", "discovery", "--json")
    meeting = json.loads(planned.stdout)["id"]
    agenda = cli("today").stdout
    assert f"14:00  #{meeting} NetSuite pilot scope · discovery" in agenda
    assert "Sarah Chen · Northwind Logistics — Researcher, healthy 95" in agenda

    brief = cli("brief", "Sarah Chen").stdout.splitlines()
    assert len(brief) <= 40
    assert any(f"Next: Mon 14:00 — NetSuite pilot scope (today)  #{meeting}" in line for line in brief)
    overdue = next(line for line in brief if "Confirm custom-record support" in line)
    step = overdue.split("☐ ")[1].split()[0]
    assert "OVERDUE" in overdue

    count = appointments(db)
    logged = cli("log", "Sarah Chen", "--when", "15:00", "-o", "Pilot agreed", "-n", "Send the pilot plan | Dana Ortiz | Fri")
    assert f"Completed the planned meeting #{meeting}: NetSuite pilot scope with Sarah Chen" in logged.stdout
    assert appointments(db) == count

    health_before = json.loads(cli("brief", "Sarah Chen", "--json").stdout)["health"]["score"]
    assert cli("next-steps", "done", step).exit_code == 0
    after = cli("brief", "Sarah Chen")
    assert "Confirm custom-record support" not in after.stdout and "OVERDUE" not in after.stdout
    assert json.loads(cli("brief", "Sarah Chen", "--json").stdout)["health"]["score"] > health_before

    before = dump(db)
    for source in (sample_path(), WEEK):
        again = cli("import", str(source), "--json")
        assert again.exit_code == 0, again.output
    assert dump(db) == before
