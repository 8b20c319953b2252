"""Issue 12, items 2 and 3 on the sample book: the one-screen brief says each thing once, in the right
group, and `today` shows a day of calls (also straight from a calendar file, importing nothing)."""

import json
from pathlib import Path

from conftest import dump

WEEK = Path(__file__).parents[1] / "docs" / "examples" / "week.ics"  # Marcus Webb's QBR, Wed 17 Jun 14:00 UTC


def test_the_short_brief_fits_one_screen_and_says_each_thing_once(cli, pinned_sample, monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    lines = cli("brief", "Olivia Grant").stdout.splitlines()
    assert len(lines) <= 40
    text = "\n".join(line.rstrip() for line in lines)
    assert text.count("Engage ") == 1 and "as an Adopter: enable optimisation; spot expansion" in text
    # Tactical notes come before the promises, tickets and health, not in a last panel.
    order = [next(i for i, line in enumerate(lines) if line.startswith(label))
             for label in ("Notes", "Promises", "Tickets", "Health")]
    assert order == sorted(order)
    assert "Tickets   Olivia's 1 · others at Brightwater Energy 1" in text
    assert "resolve: T-1001 Meter-data signals arrive 45+ minutes late (urgent, 7 weeks)" in text
    assert "expansion: T-1002 Can we also send fault alerts" in text
    assert "2 next steps are overdue" in text and text.count("Deliver the streaming ingestion fix") == 1
    assert not any(line.strip() == "OVERDUE" for line in lines)
    assert "(us) (" not in text and "Dana Ortiz (us," in text  # not "Dana Ortiz (us) (account manager)"


def test_a_question_is_answered_not_resolved(cli, pinned_sample):
    text = cli("brief", "Sarah Chen").stdout
    assert "answer: T-1014 Does the connector read NetSuite custom records? (9 days)" in text
    assert "resolve: T-1014" not in text


def test_today_lists_a_week_of_planned_meetings_and_filters_by_who_attends(cli, pinned_sample):
    week = json.loads(cli("today", "--days", "7", "--json").stdout)
    assert [(m["at"], m["contact"], m["purpose"]) for m in week] == [
        ("2026-06-20T10:00:00Z", "Victor Lang", "Commercial terms for the proof of value")]
    assert json.loads(cli("today", "--days", "7", "--owner", "Kai Moreno", "--json").stdout) == []
    assert json.loads(cli("today", "--json").stdout) == []  # nothing on Monday itself


def test_today_reads_a_calendar_file_without_importing_it(cli, pinned_sample):
    before = dump(pinned_sample)
    result = cli("today", "--ics", str(WEEK), "--days", "7")
    assert result.exit_code == 0, result.output
    lines = [line.rstrip() for line in result.stdout.splitlines()]
    assert lines[:3] == ["Mon 15 Jun – Sun 21 Jun 2026 — 1 planned meeting", "Wed 17 Jun",
                         "14:00  QBR: warehouse rollout and the Finance pilot"]
    assert lines[3] == "       Marcus Webb · Northwind Logistics — Adopter, healthy 100"
    assert dump(pinned_sample) == before
