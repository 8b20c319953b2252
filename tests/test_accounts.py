"""Accounts: commercial context on companies (import, export, show), the portfolio and the Value Path funnel."""

from datetime import datetime, timezone

import pytest

from conftest import as_json, dump, fresh_consoles
from custview.insight.commercial import commercial_line
from custview.money import format_money

BOOK = """\
companies:
  - {name: Today Co, status: customer, renewal: 2026-06-15, value: 1000, currency: EUR, arr: true}
  - {name: Edge Co, status: customer, renewal: 2026-09-13, value: 250000, currency: USD}
  - {name: Later Co, status: customer, renewal: 2026-09-14, value: 99.5, currency: gbp, arr: true}
  - {name: Overdue Co, status: customer, renewal: 2026-06-01}
  - {name: Lost Co, status: lost, ended: 2026-05-02, end_reason: Chose a competitor}
  - {name: Acme, status: prospect}
  - {name: Borealis}
contacts:
  - name: Ann
    company: Acme
    stage: Researcher
    stage_history: [{stage: Audience, at: 2026-01-01}, {stage: Researcher, at: 2026-02-01}]
  - name: Ben
    company: Acme
    stage: Hand Raiser
    stage_history: [{stage: Audience, at: 2026-01-01}, {stage: Researcher, at: 2026-01-11},
                    {stage: Hand Raiser, at: 2026-03-12}]
  - name: Cas
    company: Acme
    stage: Audience
    stage_history: [{stage: Audience, at: 2026-03-01}]
  - name: Dee
    company: Acme
    stage: Audience
    stage_history: [{stage: Researcher, at: 2026-04-01}, {stage: Audience, at: 2026-05-01}]
  - name: Eve
    company: Borealis
    stage: Value Creator
    stage_history: [{stage: Buyer, at: 2026-05-01}, {stage: Value Creator, at: 2026-06-01}]
"""


pytestmark = pytest.mark.usefixtures("pinned_clock")


@pytest.fixture
def accounts(book_from_yaml):
    return book_from_yaml(BOOK)


def test_renewal_within_90_days_lists_exactly_the_accounts_renewing_from_today_to_day_90(cli, accounts):
    rows = as_json(cli("companies", "--renewal-within", "90d", "--sort", "renewal", "--json"))
    assert [(r["name"], r["renewal_in_days"]) for r in rows] == [("Today Co", 0), ("Edge Co", 90)]
    assert [r["name"] for r in as_json(cli("companies", "--renewal-within", "13w", "--json"))] == ["Edge Co",
                                                                                                 "Later Co",
                                                                                                 "Today Co"]


def test_companies_filter_by_status_and_sort_by_value(cli, accounts):
    assert [r["name"] for r in as_json(cli("companies", "--status", "lost", "--json"))] == ["Lost Co"]
    by_value = [r["name"] for r in as_json(cli("companies", "--sort", "value", "--json"))]
    assert by_value[:3] == ["Edge Co", "Today Co", "Later Co"]
    acme = next(r for r in as_json(cli("companies", "--json")) if r["name"] == "Acme")
    assert (acme["stage"], acme["contacts"], acme["status"]) == ("Hand Raiser", 4, "prospect")


def test_companies_table_shows_renewal_and_value(cli, accounts):
    result = cli("companies", "--sort", "renewal")
    assert result.exit_code == 0, result.output
    assert "€1,000 ARR" in result.stdout and "$250,000 contract" in result.stdout and "£99.50 ARR" in result.stdout
    assert "14 days overdue" in result.stdout and "7 accounts" in result.stdout


def test_bad_companies_options_are_one_clear_line(cli, accounts):
    for args, message in ((("--sort", "size"), "--sort: unknown order 'size'"),
                          (("--status", "gone"), "--status: unknown status 'gone'"),
                          (("--renewal-within", "soon"), "--renewal-within: not a number of days: 'soon'")):
        result = cli("companies", *args)
        assert result.exit_code == 1 and message in result.stderr and "Traceback" not in result.output


def test_pipeline_counts_conversions_and_median_days(cli, accounts):
    funnel = {s["stage"]: s for s in as_json(cli("pipeline", "--json"))["stages"]}
    counts = {stage: s["contacts"] for stage, s in funnel.items() if s["contacts"]}
    assert counts == {"Audience": 2, "Researcher": 1, "Hand Raiser": 1, "Value Creator": 1}
    audience = funnel["Audience"]
    assert (audience["entered"], audience["moved_on"], audience["conversion"]) == (4, 2, 0.5)
    assert (funnel["Researcher"]["entered"], funnel["Researcher"]["moved_on"]) == (3, 1)  # Dee went back
    assert funnel["Researcher"]["conversion"] == 0.333 and funnel["Buyer"]["conversion"] == 1.0
    assert funnel["Audience"]["median_days"] == 20.5 and funnel["Researcher"]["median_days"] == 45.0
    assert funnel["Hand Raiser"]["median_days"] is None and funnel["Champion"]["conversion"] is None


def test_pipeline_counts_who_is_stalled_in_each_stage_as_their_health_says(cli, accounts, db):
    from collections import Counter

    from custview.db.reader import Reader
    from custview.insight.briefing import build_briefing

    stages = as_json(cli("pipeline", "--json"))["stages"]
    stalled = {s["stage"]: s["stalled"] for s in stages if s["stalled"]}
    assert stalled == {"Researcher": 1, "Hand Raiser": 1}  # Ann 134 days (typical 90), Ben 95 days (typical 45)
    now = datetime(2026, 6, 15, 9, tzinfo=timezone.utc)
    health_says = Counter(h.contact.stage for h in Reader.open(db).contact_histories()
                          if any(r.rule == "stalled" for r in build_briefing(h, now).health.reasons))
    assert health_says == stalled
    borealis = as_json(cli("pipeline", "--company", "Borealis", "--json"))["stages"]
    assert sum(s["stalled"] for s in borealis) == 0
    assert "Stalled" in cli("pipeline").stdout


def test_pipeline_since_and_company_narrow_the_period_and_the_people(cli, accounts):
    since = {s["stage"]: s for s in as_json(cli("pipeline", "--since", "2026-03-01", "--json"))["stages"]}
    assert (since["Audience"]["entered"], since["Audience"]["conversion"]) == (2, 0.0)
    assert (since["Researcher"]["entered"], since["Researcher"]["median_days"]) == (1, 30.0)
    acme = as_json(cli("pipeline", "--company", "acme", "--json"))
    stages = {s["stage"]: s for s in acme["stages"]}
    assert acme["company"] == "Acme" and stages["Value Creator"]["contacts"] == 0 and stages["Buyer"]["entered"] == 0


def test_pipeline_chart_is_plain_text_when_piped(cli, accounts):
    result = cli("pipeline")
    assert result.exit_code == 0, result.output
    audience = next(line for line in result.stdout.splitlines() if line.strip().startswith("Audience"))
    assert "#" * 24 in audience and "50% (2/4)" in audience and "█" not in result.stdout


def test_show_company_says_renewal_and_value_in_one_line(cli, accounts):
    assert "Renewal in 90 days · $250,000 contract" in cli("show", "company", "Edge Co").stdout
    assert "Lost on 2026-05-02 · reason: Chose a competitor" in cli("show", "company", "Lost Co").stdout


def test_commercial_context_survives_export_and_import(cli, accounts, tmp_path, db):
    out = tmp_path / "export"
    assert cli("export", "--format", "yaml", "--out", str(out)).exit_code == 0
    exported = next(out.glob("*.yaml")) if out.is_dir() else out
    text = exported.read_text(encoding="utf-8")
    assert "value: 99.5" in text and "currency: GBP" in text and "end_reason: Chose a competitor" in text
    before = {row[1:] for row in dump(db)["company"]}
    db.unlink()
    assert cli("import", str(exported)).exit_code == 0
    assert {row[1:] for row in dump(db)["company"]} == before


@pytest.mark.parametrize("field, value, message", [
    ("value", "lots", "value: not an amount: 'lots'"),
    ("value", "-5", "value: not an amount: -5"),
    ("currency", "EURO", "currency: unknown currency 'EURO'"),
    ("status", "gone", "status: unknown value 'gone'"),
    ("renewal", "someday", "renewal: unreadable date 'someday'"),
    ("arr", "'yes'", "arr: expected true or false, found 'yes'"),
])
def test_bad_commercial_field_is_one_line_with_file_and_line_and_nothing_is_written(cli, accounts, tmp_path, db,
                                                                                     field, value, message):
    before = dump(db)
    bad = tmp_path / "bad.yaml"
    extra = "" if field == "currency" else "\n    currency: EUR"
    bad.write_text(f"companies:\n  - name: New Co{extra}\n    {field}: {value}\n", encoding="utf-8")
    result = cli("import", str(bad))
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    line = 4 if extra else 3
    assert result.exit_code == 1 and len(errors) == 1 and f"bad.yaml:{line}:" in errors[0] and message in errors[0]
    assert dump(db) == before


def test_a_value_needs_its_currency_and_an_end_needs_an_ended_status(cli, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("companies:\n  - {name: A, value: 10}\n  - {name: B, status: customer, ended: 2026-01-01}\n",
                   encoding="utf-8")
    result = cli("import", str(bad))
    assert result.exit_code == 1
    assert "a contract value needs its currency" in result.stderr and "belongs to a churned or lost" in result.stderr


class _Company:
    def __init__(self, **values):
        self.status = self.renewal_at = self.contract_value = self.contract_currency = None
        self.ended_at = self.end_reason = None
        self.contract_arr = False
        self.__dict__.update(values)


def test_commercial_line_reads_like_a_person_wrote_it():
    now = datetime(2026, 6, 15, 9, tzinfo=timezone.utc)
    line = commercial_line(_Company(renewal_at=datetime(2026, 9, 20, tzinfo=timezone.utc), contract_value=120000.0,
                                    contract_currency="EUR", contract_arr=True), now)
    assert line == "Renewal in 97 days · €120,000 ARR"
    assert commercial_line(_Company(renewal_at=datetime(2026, 6, 14, tzinfo=timezone.utc)), now) == \
        "Renewal 1 day overdue"
    assert commercial_line(_Company(status="prospect"), now) == "Prospect"
    assert commercial_line(_Company(), now) is None
    assert format_money(80000, "CHF") == "CHF 80,000" and format_money(99.5, "USD") == "$99.50"


def test_an_upgraded_first_schema_book_lists_its_company_and_takes_a_renewal(cli, db, tmp_path):
    import shutil

    from conftest import FIXTURES

    shutil.copy(FIXTURES / "schema-v1.db", db)
    rows = as_json(cli("companies", "--json"))
    bakery = next(r for r in rows if r["name"] == "Old Mill Bakery")
    assert (bakery["renewal_at"], bakery["value"], bakery["arr"]) == (None, None, False)
    update = tmp_path / "renewal.yaml"
    update.write_text("companies:\n  - {name: Old Mill Bakery, status: customer, renewal: 2026-07-15, value: 9000, "
                      "currency: EUR}\n", encoding="utf-8")
    assert cli("import", str(update)).exit_code == 0
    assert "Renewal in 30 days · €9,000 contract" in cli("show", "company", "Old Mill Bakery").stdout


def test_the_brief_company_panel_says_renewal_and_value(cli, accounts, tmp_path):
    person = tmp_path / "person.yaml"
    person.write_text("contacts:\n  - {name: Gus, company: Edge Co, stage: Buyer}\n", encoding="utf-8")
    assert cli("import", str(person)).exit_code == 0
    assert "Renewal in 90 days · $250,000 contract" in cli("brief", "Gus").stdout


def columns_of(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().split("  ") if cell.strip()]


@pytest.fixture
def terminal_width(monkeypatch):
    """terminal_width(N): the commands run next draw for a terminal N columns wide."""
    def narrow_to(columns: int) -> None:
        monkeypatch.setenv("COLUMNS", str(columns))
        fresh_consoles()

    yield narrow_to
    fresh_consoles()


@pytest.mark.parametrize("width, shown, hidden, row", [
    (80, ["Company", "Stage", "Health", "Renewal", "Value", "Issues"], "Status, Owner, Last touch",
     "Brightwater Energy  Adopter  at risk  in 56 days  €85,000 ARR  1"),
    (60, ["Company", "Health", "Renewal", "Value", "Issues"], "Status, Stage, Owner, Last touch",
     "Helios Health  healthy  in 45 days  €310,000 ARR  —"),
])
def test_a_narrow_terminal_keeps_the_company_names_and_says_which_columns_it_hides(cli, pinned_sample, terminal_width,
                                                                                   width, shown, hidden, row):
    terminal_width(width)
    lines = cli("companies").stdout.splitlines()
    assert max(map(len, lines)) <= width and "…" not in "".join(lines)  # nothing cut
    assert columns_of(lines[1]) == shown
    assert f"Hidden at {width} columns: {hidden}." in lines
    assert columns_of(row) in [columns_of(line) for line in lines]
    names = " ".join(line[:20] for line in lines[3:-3])  # the Company column, wrapped names read on
    assert all(word in names.split() for word in "Atlas Consulting Group Meridian Manufacturing".split())


def test_a_wide_terminal_shows_who_owns_each_account(cli, pinned_sample, terminal_width):
    terminal_width(140)
    lines = cli("companies").stdout.splitlines()
    assert columns_of(lines[1]) == ["Company", "Status", "Stage", "Health", "Renewal", "Value", "Owner", "Last touch",
                                    "Issues"]
    assert columns_of("Pinecrest University  prospect  Audience  —  —  —  Jordan Blake  never  —") in \
        [columns_of(line) for line in lines]
    assert not any(line.startswith("Hidden") for line in lines)
    owners = {row["name"]: row["owner"] for row in as_json(cli("companies", "--json"))}
    assert owners["Crestline Retail"] == "Maya Singh" and owners["Orbit Freight"] == "Dana Ortiz"


@pytest.mark.parametrize("width, shown, hidden, row", [
    (80, ["Stage", "Contacts", "→ next", "Median days", "Stalled"], None, "Researcher  5  ############  38% (3/8)  39  —"),
    (60, ["Stage", "Contacts", "→ next"], "Median days, Stalled", "Researcher  5  ############  38% (3/8)"),
])
def test_a_narrow_terminal_gets_shorter_bars_then_fewer_pipeline_columns(cli, pinned_sample, terminal_width, width,
                                                                         shown, hidden, row):
    terminal_width(width)
    lines = cli("pipeline").stdout.splitlines()
    assert max(map(len, lines)) <= width and "…" not in "".join(lines)
    assert columns_of(lines[2]) == shown
    assert columns_of(row) in [columns_of(line) for line in lines]
    assert [line for line in lines if line.startswith("Hidden")] == ([f"Hidden at {width} columns: {hidden}."]
                                                                      if hidden else [])
