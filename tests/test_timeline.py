import json

from custview.sample import sample_path


def events(cli, *args):
    result = cli("timeline", *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_contact_timeline_has_every_kind_in_date_order(cli, book):
    data = events(cli, "Ann Lee")
    assert data["subject"] == "Ann Lee"
    stamps = [e["at"] for e in data["events"]]
    assert stamps == sorted(stamps)
    kinds = {e["kind"] for e in data["events"]}
    assert kinds == {"signal", "appointment", "ticket", "stage", "note"}
    titles = [e["title"] for e in data["events"]]
    assert "Buyer → Value Creator" in titles and "opened T-3 How do roles work?" in titles
    assert "closed T-3 How do roles work?" in titles
    meeting = next(e for e in data["events"] if e["kind"] == "appointment")
    assert "outcome: Rollout on track; wants SSO next." in meeting["details"]


def test_since_and_kind_filters(cli, book):
    data = events(cli, "Ann Lee", "--since", "-10d", "--kind", "signal", "--kind", "ticket")
    assert {e["kind"] for e in data["events"]} == {"signal", "ticket"}
    assert [e["title"] for e in data["events"] if e["kind"] == "signal"] == ["content: Audit trail guide"]


def test_company_timeline_merges_its_people_without_duplicates(cli):
    cli("import", str(sample_path()))
    data = events(cli, "Northwind Logistics")
    assert data["subject"] == "Northwind Logistics"
    who = {e["who"] for e in data["events"] if e["kind"] == "signal"}
    assert who == {"Sarah Chen", "Marcus Webb", "Priya Nair"}
    qbr = [e for e in data["events"] if "Quarterly business review: warehouse rollout" in e["title"]]
    assert len(qbr) == 1


def test_table_output_and_bad_filters(cli, book):
    out = cli("timeline", "Ann Lee", "--no-pager").stdout
    assert "Timeline — Ann Lee" in out and "Export fails on large files" in out
    result = cli("timeline", "Ann Lee", "--kind", "party", "--since", "never")
    assert result.exit_code == 1
    assert len([line for line in result.stderr.splitlines() if line.startswith("error:")]) == 2
    assert cli("timeline", "Nobody Atall").exit_code == 1


def test_a_company_timeline_holds_only_that_companys_people(cli, book, tmp_path):
    extra = tmp_path / "europe.yaml"
    extra.write_text("companies:\n  - {name: Acme Analytics Europe}\ncontacts:\n"
                     "  - {name: Eric Europe, email: eric@acme.example.eu, company: Acme Analytics Europe}\n"
                     "signals:\n  - {contact: Eric Europe, kind: event, title: Paris meetup, at: -2d}\n")
    assert cli("import", str(extra)).exit_code == 0
    result = cli("timeline", "Acme Analytics")
    assert result.exit_code == 0, result.output
    assert "Paris meetup" not in result.stdout and "Eric Europe" not in result.stdout


def test_limit_keeps_the_latest_events_oldest_first_and_jsonl_gives_one_a_line(cli, book):
    every = events(cli, "Ann Lee")["events"]
    assert len(every) > 3
    assert events(cli, "Ann Lee", "--limit", "3") == {"subject": "Ann Lee", "events": every[-3:]}
    lines = cli("timeline", "Ann Lee", "--limit", "3", "--jsonl").stdout.splitlines()
    assert [json.loads(line) for line in lines] == every[-3:]
    shown = cli("timeline", "Ann Lee", "-n", "2", "--no-pager").stdout.splitlines()
    assert shown[0] == "Timeline — Ann Lee" and shown[-1] == "2 events"
    assert [line[:10] for line in shown if line[:4].isdigit()] == [e["at"][:10] for e in every[-2:]]
    assert every[-1]["title"] in "\n".join(shown) and every[-3]["title"] not in "\n".join(shown)
