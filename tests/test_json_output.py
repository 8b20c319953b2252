"""`--json` output for scripts: one date format everywhere, ISO 8601 in UTC with `Z`."""

from __future__ import annotations

import json
import re

import pytest

MOMENT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d")


def moments_in(data) -> list[str]:
    """Every string in JSON data that is a moment (a date with a time)."""
    if isinstance(data, dict):
        return [m for value in data.values() for m in moments_in(value)]
    if isinstance(data, list):
        return [m for value in data for m in moments_in(value)]
    return [data] if isinstance(data, str) and MOMENT.match(data) else []


@pytest.mark.parametrize("command", [
    ["brief", "Ann Lee", "--json"],
    ["contacts", "--json"],
    ["imports", "--json"],
    ["timeline", "Ann Lee", "--json"],
    ["next-steps", "--json"],
    ["log", "Ann Lee", "-p", "Check-in", "-o", "Fine", "-n", "Send notes", "--due", "+3d", "--json"],
])
def test_every_moment_in_json_is_utc_with_z(cli, book, command):
    result = cli(*command)
    assert result.exit_code == 0, result.output
    moments = moments_in(json.loads(result.stdout))
    assert moments, "the output holds moments to check"
    assert [m for m in moments if not m.endswith("Z")] == []


def test_ticket_close_reports_the_closed_ticket_as_json(cli, book):
    result = cli("ticket", "close", "T-1", "--when", "2026-03-02T10:00:00Z", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["ref"], data["status"], data["closed_at"], data["already_closed"]) == (
        "T-1", "closed", "2026-03-02T10:00:00Z", False)
    again = json.loads(cli("ticket", "close", "T-1", "--json").stdout)
    assert again["already_closed"] is True and again["closed_at"] == "2026-03-02T10:00:00Z"
