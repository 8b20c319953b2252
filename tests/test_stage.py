import json
import sqlite3

from conftest import dump
from custview.sample import sample_path


def test_suggest_lists_readiness_with_evidence_and_changes_nothing(cli, db):
    cli("import", str(sample_path()))
    before = dump(db)
    rows = json.loads(cli("stage", "suggest", "--json").stdout)
    sarah = next(row for row in rows if row["name"] == "Sarah Chen")
    assert (sarah["stage"], sarah["direction"], sarah["behaves_like"]) == ("Researcher", "ahead", "Hand Raiser")
    assert any("NetSuite" in e for e in sarah["evidence"])
    olivia = next(row for row in rows if row["name"] == "Olivia Grant")
    assert olivia["direction"] == "drifting"
    assert "Marcus Webb" not in [row["name"] for row in rows]
    assert dump(db) == before
    assert "Sarah Chen" in cli("stage", "suggest").stdout


def test_set_moves_the_contact_and_keeps_history(cli, book):
    result = cli("stage", "set", "Omar Haddad", "hand raiser", "--when", "-1d")
    assert result.exit_code == 0 and "Researcher → Hand Raiser" in result.stdout
    assert "3/8 Hand Raiser" in cli("brief", "Omar").stdout
    again = cli("stage", "set", "Omar Haddad", "Hand Raiser")
    assert "already Hand Raiser: nothing changed" in again.stdout
    with sqlite3.connect(book) as connection:
        moves = connection.execute("SELECT previous_stage, stage, source FROM stage_change WHERE contact_id = "
                                   "(SELECT id FROM contact WHERE name='Omar Haddad') ORDER BY id").fetchall()
    assert moves == [(None, "Researcher", "import"), ("Researcher", "Hand Raiser", "manual")]


def test_set_rejects_unknown_stages_and_dates_without_writing(cli, book):
    before = dump(book)
    bad_stage = cli("stage", "set", "Omar Haddad", "Boss")
    assert bad_stage.exit_code == 1 and "STAGE: unknown stage 'Boss'" in bad_stage.stderr
    bad_date = cli("stage", "set", "Omar Haddad", "Buyer", "--when", "soonish")
    assert bad_date.exit_code == 1 and "--when: unreadable date" in bad_date.stderr
    assert dump(book) == before
