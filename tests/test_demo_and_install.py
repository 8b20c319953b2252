"""The bundled sample, the demo, and the installed `custview` executable."""

import json
import subprocess
import sys

from typer.testing import CliRunner

from conftest import BOOK, as_json, dump, run_installed
from custview.cli.app import app
from custview.sample import sample_path


def test_sample_is_bundled_and_imports_twice_without_duplicates(cli):
    assert sample_path().is_file()
    first = json.loads(cli("import", str(sample_path()), "--json").stdout)["counts"]
    assert first["contacts"]["created"] >= 20 and first["signals"]["created"] >= 100
    second = cli("import", str(sample_path()), "--json")
    assert second.exit_code == 0
    assert all(c.get("created", 0) == 0 for c in json.loads(second.stdout)["counts"].values())


def test_sample_covers_every_value_path_stage(cli):
    cli("import", str(sample_path()))
    stages = {row["stage"] for row in json.loads(cli("contacts", "--json").stdout)}
    assert len(stages) == 8


def test_sarah_chen_in_the_sample_is_the_domain_example(cli):
    cli("import", str(sample_path()))
    data = json.loads(cli("brief", "sarah", "--json").stdout)
    assert data["name"] == "Sarah Chen"
    assert data["stage"]["stage"] == "Researcher" and 35 <= data["stage"]["days_in_stage"] <= 49
    assert data["top_topics"][0]["topic"] == "ERP integration"
    details = " ".join(s["detail"] or "" for s in data["recent_signals"])
    assert "High Signal Blindness" in details and "NetSuite" in details
    assert cli("brief", "Sarha Chen").stderr.count("Did you mean: Sarah Chen") == 1
    ambiguous = cli("brief", "a")
    assert ambiguous.exit_code == 2
    assert "25 contacts match 'a'" in ambiguous.stderr and "10. " in ambiguous.stderr and "11. " not in ambiguous.stderr
    assert "… and 15 more." in ambiguous.stderr


def test_logging_sarahs_pilot_call_shows_in_her_brief(cli):
    cli("import", str(sample_path()))
    logged = cli("log", "Sarah Chen", "--purpose", "NetSuite integration deep-dive", "--outcome",
                 "Agreed to a pilot scope", "--next", "Send pilot proposal", "--due", "+3d")
    assert logged.exit_code == 0, logged.output
    data = json.loads(cli("brief", "Sarah Chen", "--json").stdout)
    assert data["last_meeting"]["purpose"] == "NetSuite integration deep-dive"
    assert data["last_meeting"]["outcome"] == "Agreed to a pilot scope"
    assert {"step": "Send pilot proposal", "overdue": False} in [
        {"step": s["step"], "overdue": s["overdue"]} for s in data["open_next_steps"]]


def test_demo_uses_its_own_database_and_briefs_sarah(tmp_path, db):
    real = CliRunner().invoke(app, ["--db", str(db), "import", str(BOOK)])
    assert real.exit_code == 0
    before = dump(db)
    result = CliRunner().invoke(app, ["--db", str(db), "demo"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Sarah Chen" in out and "Researcher" in out and "ERP integration" in out
    assert "High Signal Blindness" in out and "NetSuite" in out
    assert "Try:  custview --db" in out and "contacts" in out
    assert (tmp_path / "xdg-data" / "custview" / "demo.db").exists()
    assert dump(db) == before


def test_demo_twice_starts_fresh_each_time():
    runner = CliRunner()
    assert runner.invoke(app, ["demo"]).exit_code == 0
    again = runner.invoke(app, ["demo"])
    assert again.exit_code == 0 and "Sarah Chen" in again.stdout


def test_installed_executable_imports_and_briefs(tmp_path):
    db = tmp_path / "installed.db"
    assert run_installed("--version").stdout.startswith("custview ")
    imported = run_installed("--db", str(db), "import", str(BOOK))
    assert imported.returncode == 0, imported.stderr
    brief = run_installed("brief", "Ann Lee", env_extra={"CUSTVIEW_DB": str(db), "COLUMNS": "200"})
    assert brief.returncode == 0 and "6/8 Adopter" in brief.stdout


def test_installed_executable_defaults_to_the_user_data_folder(tmp_path):
    data_home = tmp_path / "xdg"
    result = run_installed("import", str(BOOK), env_extra={"XDG_DATA_HOME": str(data_home)})
    assert result.returncode == 0, result.stderr
    assert (data_home / "custview" / "custview.db").exists()


def test_version_and_help_do_not_load_the_database_layer_or_yaml():
    probe = (
        "import sys\n"
        "from custview.cli.app import app\n"
        "for args in (['--version'], ['--help'], ['brief', '--help']):\n"
        "    try:\n"
        "        app(args)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'sqlalchemy', 'sqlmodel', 'yaml', 'dateutil'}))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip().splitlines()[-1] == "[]", result.stdout + result.stderr


def test_after_the_demo_commands_without_db_use_the_demo_book_until_the_user_imports_their_own(tmp_path):
    runner = CliRunner()
    demo = runner.invoke(app, ["demo"])
    assert demo.exit_code == 0, demo.output
    assert "Try:  custview brief" in demo.stdout  # no --db needed while the demo is the only book
    brief = runner.invoke(app, ["brief", "Sarah Chen"])
    assert brief.exit_code == 0 and "NetSuite" in brief.stdout
    noted = runner.invoke(app, ["add", "note", "Sarah Chen", "--text", "Prefers mornings"])
    assert noted.exit_code == 0, noted.output

    own = runner.invoke(app, ["import", str(BOOK)])  # the user's own data never lands in the demo book
    assert own.exit_code == 0, own.output
    data = tmp_path / "xdg-data" / "custview"
    assert (data / "custview.db").exists()
    assert "Prefers mornings" in str(dump(data / "demo.db")["note"])
    assert "Sarah Chen" not in str(dump(data / "custview.db")["contact"])
    gone = runner.invoke(app, ["brief", "Sarah Chen"])
    assert gone.exit_code != 0  # now the default is the user's own book


def test_the_demo_book_has_our_team_owners_renewals_success_criteria_and_a_churned_account(cli, pinned_sample):
    assert {m["team"] for m in as_json(cli("members", "--json"))} == {"sales", "service", "success", "marketing"}
    assert [c["name"] for c in as_json(cli("companies", "--owner", "Jordan Blake", "--json"))] == ["Pinecrest University"]
    accounts = as_json(cli("companies", "--json"))
    assert [(c["name"], c["status"]) for c in accounts if c["status"] in ("churned", "lost")] == [
        ("Orbit Freight", "churned")]
    assert sum(c["renewal_at"] is not None for c in accounts) == 4
    northwind = as_json(cli("show", "company", "Northwind", "--json"))
    assert [c["status"] for c in northwind["success_criteria"]] == ["on track", "on track", "at risk"]
    assert as_json(cli("show", "company", "Orbit", "--json"))["commercial"] == (
        "Churned on 2026-04-15 · reason: Moved the pipeline in-house after a budget cut")
    demo = cli("demo").stdout
    assert "Renewal in 273 days · €120,000 ARR · success criteria: 2 on track, 1 at risk" in demo
    assert " companies   (renewals, value, a churned account; or members, pipeline, contacts)\n" in demo
