"""`custview next-steps`: the open promises, soonest due first, by owner, and as calendar to-dos (--ics)."""

from __future__ import annotations

import json
import os
import stat
import textwrap
from datetime import date, timedelta
from pathlib import Path


def error_lines(result) -> list[str]:
    """The `error:` lines a command wrote on stderr."""
    return [line for line in result.stderr.splitlines() if line.startswith("error:")]




def test_next_steps_lists_the_open_ones_soonest_first(cli, book):
    result = cli("next-steps", "--json")
    assert result.exit_code == 0, result.output
    steps = json.loads(result.stdout)
    assert [(s["step"], s["owner"], s["contact"]) for s in steps] == [
        ("Send SSO options", "Dana Ortiz", "Ann Lee"), ("Book training", "Ann Lee", "Ann Lee")]  # not the done one
    table = cli("next-steps")
    assert table.exit_code == 0
    lines = table.stdout.splitlines()
    assert any("Send SSO options" in line and "overdue" in line for line in lines)
    assert not any("Book training" in line and "overdue" in line for line in lines)
    assert "2 open next steps, 1 overdue" in table.stdout


def test_next_steps_for_one_owner(cli, book):
    result = cli("next-steps", "--owner", "dana ortiz", "--json")
    assert [s["step"] for s in json.loads(result.stdout)] == ["Send SSO options"]


def test_next_steps_owner_matches_in_any_case_beyond_ascii(cli, db, tmp_path):
    book = tmp_path / "steps.yaml"
    book.write_text("contacts:\n  - {name: Ann Lee, email: ann@example.com}\nappointments:\n"
                    "  - {contact: Ann Lee, purpose: Kick-off, at: -1d,\n"
                    "     next_steps: [{step: Send plan, owner: Émile Roux}, {step: Book room, owner: Ann Lee}]}\n",
                    encoding="utf-8")
    assert cli("import", str(book)).exit_code == 0
    result = cli("next-steps", "--owner", "ÉMILE ROUX", "--json")
    assert [s["step"] for s in json.loads(result.stdout)] == ["Send plan"]


def read_todos(path: Path):
    from icalendar import Calendar

    calendar = Calendar.from_ical(path.read_bytes())
    assert not calendar.walk("VEVENT")
    return calendar.walk("VTODO")


def test_next_steps_as_calendar_to_dos_in_a_private_file(cli, book, tmp_path):
    target = tmp_path / "steps.ics"
    result = cli("next-steps", "--ics", str(target))
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"Wrote 2 to-dos to {target}"
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    todos = read_todos(target)
    today = date.today()
    assert [(str(t["SUMMARY"]), t.decoded("DUE"), str(t["STATUS"])) for t in todos] == [
        ("Send SSO options", today - timedelta(days=2), "NEEDS-ACTION"),
        ("Book training", today + timedelta(weeks=1), "NEEDS-ACTION")]
    assert "Quarterly review of the audit rollout" in str(todos[0]["DESCRIPTION"])


def test_next_steps_calendar_is_never_overwritten_without_force_and_keeps_its_uids(cli, book, tmp_path):
    target = tmp_path / "steps.ics"
    target.write_text("my own calendar\n")
    result = cli("next-steps", "--ics", str(target))
    assert result.exit_code == 1
    assert error_lines(result) == [f"error: {target}: already exists (use --force to overwrite it)"]
    assert target.read_text() == "my own calendar\n"
    assert cli("next-steps", "--ics", str(target), "--force").exit_code == 0
    first = [str(t["UID"]) for t in read_todos(target)]
    assert cli("next-steps", "--ics", str(target), "--force").exit_code == 0
    assert [str(t["UID"]) for t in read_todos(target)] == first and len(set(first)) == 2


def test_steps_without_a_due_date_stay_out_of_the_calendar_and_say_so(cli, book, tmp_path):
    extra = tmp_path / "extra.yaml"
    extra.write_text(textwrap.dedent("""\
        appointments:
          - contact: Omar Haddad
            purpose: Assessment walkthrough
            at: -1d 09:00
            next_steps: [{step: Send the benchmark, owner: Dana Ortiz}]
        """), encoding="utf-8")
    assert cli("import", str(extra)).exit_code == 0
    result = cli("next-steps", "--ics", str(tmp_path / "steps.ics"), "--json")
    assert json.loads(result.stdout) == {"file": str(tmp_path / "steps.ics"), "todos": 2, "without_due_date": 1}
    assert [str(t["SUMMARY"]) for t in read_todos(tmp_path / "steps.ics")] == ["Send SSO options", "Book training"]
    listed = cli("next-steps", "--json")
    assert json.loads(listed.stdout)[-1]["step"] == "Send the benchmark"  # listed, last: no due date


def test_json_and_jsonl_give_the_same_steps_with_moments_in_utc(pinned_sample):
    from conftest import run

    steps = json.loads(run(pinned_sample, "next-steps", "--json").stdout)
    lines = run(pinned_sample, "next-steps", "--jsonl").stdout.splitlines()
    assert [json.loads(line) for line in lines] == steps and len(steps) > 2
    assert {key: steps[0][key] for key in ("id", "due", "met_at")} == {"id": "S12", "due": "2026-05-18T00:00:00Z",
                                                                     "met_at": "2026-05-04T15:00:00Z"}
