import json

from conftest import dump


def test_brief_finds_a_contact_by_partial_name_in_any_case(cli, book):
    result = cli("brief", "ANN LE")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Ann Lee" in out and "Head of Data" in out and "Acme Analytics" in out
    assert "6/8 Adopter" in out
    assert "enable optimisation; spot expansion" in out


def test_brief_finds_a_contact_by_email(cli, book):
    result = cli("brief", "omar@borealis.example")
    assert result.exit_code == 0
    assert "Omar Haddad" in result.stdout and "2/8 Researcher" in result.stdout


def test_brief_shows_signals_topics_tickets_meeting_company_and_notes(cli, book):
    out = cli("brief", "Ann Lee", "--full").stdout
    assert "Governance ×2" in out  # top topic over 90 days; the 200-day-old signal is not counted
    assert "Legacy" not in out.split("What resonates")[1].splitlines()[0]
    assert "5 days ago" in out and "Audit trail guide" in out
    assert "Problems to resolve" in out and "Export fails on large files" in out
    assert "Expansion interest" in out and "Can we also add SSO?" in out and "raised by Anna Berg" in out
    assert "don't pitch" in out
    assert "How do roles work?" not in out  # closed ticket
    assert "Quarterly review of the audit rollout" in out and "Rollout on track; wants SSO next." in out
    assert "Decided: Keep weekly syncs" in out
    assert "Send SSO options" in out and "OVERDUE" in out and "Book training" in out
    assert "Share slides" not in out  # done
    assert "Anna Berg, Value Creator" in out.split("Company — Acme Analytics")[1]
    assert "Services: Audit rollout (active)" in out
    assert "Prefers numbers over stories." in out and "Budget cycle starts in January." in out
    assert "prefers phone, afternoons, brief" in out


def test_overdue_marking_applies_only_to_past_due_steps(cli, book):
    for view in ([], ["--full"]):
        lines = cli("brief", "Ann Lee", *view).stdout.splitlines()
        assert "OVERDUE Send SSO options" in next(line for line in lines if "☐ S1" in line)
        assert "OVERDUE" not in next(line for line in lines if "☐ S2" in line)


def test_ambiguous_name_lists_the_matches_and_exits_2(cli, book):
    result = cli("brief", "an")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[1:3] == [
        "  1. Ann Lee · Acme Analytics  ann.lee@acme.example  Adopter  #1",
        "  2. Anna Berg · Acme Analytics  anna.berg@acme.example  Value Creator  #2"]
    assert "Use more of the name, the email or #ID to pick one." in result.stderr


def test_a_contact_can_be_named_by_id(cli, book):
    assert cli("brief", "#2").stdout.startswith("┏━ Anna Berg")
    missing = cli("brief", "#99")
    assert (missing.exit_code, missing.stderr) == (1, "error: No contact #99.\n")


def test_an_exact_name_wins_over_longer_partial_matches(cli, book):
    result = cli("brief", "ann lee")
    assert result.exit_code == 0 and "Ann Lee" in result.stdout


def test_no_match_suggests_close_names(cli, book):
    result = cli("brief", "Omar Hadad")
    assert result.exit_code == 1
    assert "No contact matches 'Omar Hadad'. Did you mean: Omar Haddad?" in result.stderr


def test_markup_and_control_characters_in_names_print_literally(cli, book):
    result = cli("brief", "eve@borealis.example")
    assert result.exit_code == 0
    assert "[bold]Eve[/bold] \\x1bRed" in result.stdout.replace("[31m", "")
    assert "\x1b" not in result.stdout


def test_json_has_the_same_briefing(cli, book):
    result = cli("brief", "Ann Lee", "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["name"] == "Ann Lee"
    assert data["stage"]["stage"] == "Adopter" and data["stage"]["engagement_style"].startswith("enable")
    assert [t["subject"] for t in data["expansion_requests"]] == ["Can we also add SSO?"]
    assert [t["subject"] for t in data["problems"]] == ["Export fails on large files"]
    assert data["last_meeting"]["outcome"] == "Rollout on track; wants SSO next."
    assert data["top_topics"][0] == {"topic": "Governance", "signals": 2}


def test_as_of_shows_the_relationship_as_it_was(cli, book):
    data = json.loads(cli("brief", "Ann Lee", "--json", "--as-of", "-6m").stdout)
    assert data["stage"]["stage"] == "Value Creator"
    assert [s["title"] for s in data["recent_signals"]] == ["Old conference"]
    assert data["last_meeting"] is None and data["open_tickets"] == []


def test_bad_as_of_is_a_clear_error(cli, book):
    result = cli("brief", "Ann Lee", "--as-of", "someday")
    assert result.exit_code == 1 and "--as-of: unreadable date" in result.stderr


def test_brief_without_a_database_says_what_to_do_and_creates_nothing(cli, db):
    result = cli("brief", "Ann")
    assert result.exit_code == 1
    assert "No customer data yet" in result.stderr and "custview demo" in result.stderr
    assert not db.exists()


def test_a_file_that_is_not_a_database_is_a_clear_error(cli, db):
    db.write_text("just some text, not SQLite " * 100)
    result = cli("brief", "Ann")
    assert result.exit_code == 1
    assert "cannot use the database" in result.stderr and "Traceback" not in result.output


def test_reading_changes_nothing(cli, book):
    before = dump(book)
    cli("brief", "Ann Lee")
    assert dump(book) == before
