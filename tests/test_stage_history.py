"""Stage history is one truth: a backdated move is placed in date order, and every view agrees on the stage."""

import json

import pytest
import yaml

from custview.sample import sample_path


@pytest.fixture
def diego(cli, monkeypatch):
    """The sample book at a pinned moment, with Diego moved to Value Creator now and to Adopter 3 days ago."""
    monkeypatch.setenv("CUSTVIEW_NOW", "2026-06-15T09:00:00Z")
    monkeypatch.setenv("TZ", "UTC")
    assert cli("import", str(sample_path())).exit_code == 0
    assert cli("stage", "set", "Diego", "Value Creator").exit_code == 0
    backdated = cli("stage", "set", "Diego", "Adopter", "--when", "-3d")
    assert backdated.exit_code == 0, backdated.output
    return backdated


def test_a_backdated_move_is_placed_before_the_later_one(cli, diego):
    assert diego.stdout.splitlines() == ["Moved Diego Alvarez: Buyer → Adopter  (as of 12 Jun 2026); "
                                         "a later move keeps them at Value Creator now"]
    events = json.loads(cli("timeline", "Diego", "--kind", "stage", "--json").stdout)["events"]
    assert [(e["at"][:10], e["title"]) for e in events][-2:] == [
        ("2026-06-12", "Buyer → Adopter"), ("2026-06-15", "Adopter → Value Creator")]


def test_every_view_agrees_on_the_current_stage(cli, tmp_path, diego):
    contacts = json.loads(cli("contacts", "--json").stdout)
    assert next(c["stage"] for c in contacts if c["name"] == "Diego Alvarez") == "Value Creator"
    assert json.loads(cli("brief", "Diego", "--json").stdout)["stage"]["stage"] == "Value Creator"
    attention = json.loads(cli("attention", "--company", "Crestline", "--json").stdout)
    assert [item["stage"] for item in attention if item["name"] == "Diego Alvarez"] == ["Value Creator"]
    assert cli("export", "--out", str(tmp_path / "out"), "--kind", "contacts").exit_code == 0
    exported = yaml.safe_load(next((tmp_path / "out").glob("*.yaml")).read_text())
    person = next(c for c in exported["contacts"] if c["name"] == "Diego Alvarez")
    history = person.get("stage_history") or [{"stage": person["stage"]}]
    assert history[-1]["stage"] == "Value Creator" and person.get("stage", "Value Creator") == "Value Creator"


def test_a_move_to_the_stage_they_had_then_changes_nothing(cli, diego):
    again = cli("stage", "set", "Diego", "Adopter", "--when", "-2d")
    assert again.exit_code == 0 and "already" in again.stdout
