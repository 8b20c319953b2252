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


# Commands without --json, and why: nothing they print is data a script would parse.
WITHOUT_JSON = {
    "mappings show": "prints the mapping file itself, to copy and adapt",
}


def test_every_command_offers_json():
    from test_cli_params import every_help_page

    pages = every_help_page()
    groups = [name for name, page in pages.items() if "Commands:" in page and "--json" not in page]
    missing = sorted(name for name, page in pages.items()
                     if "--json" not in page and name not in WITHOUT_JSON and name not in groups)
    assert missing == []
    assert {"add contact", "add note", "stage set", "demo", "next-steps", "next-steps done"} <= set(pages)
    assert sorted(WITHOUT_JSON) == sorted(name for name in pages if "--json" not in pages[name] and name not in groups)


def test_add_says_as_json_whether_it_added_or_updated(cli, book):
    first = json.loads(cli("add", "company", "Globex", "--industry", "Retail", "--json").stdout)
    assert first == {"kind": "company", "outcome": "created", "record": {"name": "Globex", "industry": "Retail"}}
    again = json.loads(cli("add", "company", "Globex", "--industry", "Retail", "--json").stdout)
    assert again["outcome"] == "unchanged"
    note = json.loads(cli("add", "note", "Ann Lee", "--text", "Prefers mornings", "--json").stdout)
    assert (note["kind"], note["outcome"], note["record"]["text"]) == ("note", "created", "Prefers mornings")


def test_stage_set_reports_the_move_as_json(cli, book):
    result = cli("stage", "set", "Ann Lee", "Buyer", "--json")
    assert result.exit_code == 0, result.output
    moved = json.loads(result.stdout)
    assert (moved["contact"], moved["changed"], moved["from"], moved["to"], moved["stage_now"]) == (
        "Ann Lee", True, "Adopter", "Buyer", "Buyer")
    assert moved["at"].endswith("Z")
    earlier = json.loads(cli("stage", "set", "Ann Lee", "Advocate", "--when", "2026-01-05", "--json").stdout)
    assert (earlier["changed"], earlier["to"], earlier["stage_now"]) == (True, "Advocate", "Buyer")
    again = json.loads(cli("stage", "set", "Ann Lee", "Buyer", "--json").stdout)
    assert (again["changed"], again["at"]) == (False, None)


def test_json_output_never_loads_rich_or_the_renderers(book):
    """A script's answer does not wait for the drawing code: with --json nothing is drawn."""
    import subprocess
    import sys

    probe = (
        "import sys\n"
        "from custview.cli.app import app\n"
        "for args in (['brief', 'Ann Lee', '--json'], ['contacts', '--json'], ['attention', '--json']):\n"
        "    try:\n"
        f"        app(['--db', {str(book)!r}, *args])\n"
        "    except SystemExit as done:\n"
        "        assert not done.code, (args, done.code)\n"
        "print(sorted({m.split('.')[0] for m in sys.modules if m.split('.')[0] == 'rich'}\n"
        "             | {m for m in sys.modules if m.startswith('custview.cli.render')}), file=sys.stderr)\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "[]"
