import json

from custview.sample import sample_path


def ranked(cli, *args):
    result = cli("attention", "--json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_attention_ranks_overdue_steps_and_ageing_tickets_above_a_healthy_adopter(cli):
    cli("import", str(sample_path()))
    items = ranked(cli, "--limit", "50")
    names = [item["name"] for item in items]
    assert names[0] == "Olivia Grant"
    top = items[0]
    assert any("overdue" in reason for reason in top["reasons"])
    assert any("urgent issue open" in reason for reason in top["reasons"])
    assert "Marcus Webb" not in names or names.index("Marcus Webb") > 0


def test_readiness_is_a_reason_for_attention(cli):
    cli("import", str(sample_path()))
    sarah = next(item for item in ranked(cli, "--limit", "50") if item["name"] == "Sarah Chen")
    assert sarah["reasons"][0].startswith("readiness: behaves like a Hand Raiser")


def test_filters_and_limit(cli):
    cli("import", str(sample_path()))
    assert {item["company"] for item in ranked(cli, "--company", "brightwater")} == {"Brightwater Energy"}
    assert {item["stage"] for item in ranked(cli, "--stage", "researcher")} == {"Researcher"}
    assert len(ranked(cli, "--limit", "2")) == 2


def test_table_output_shows_reasons(cli):
    cli("import", str(sample_path()))
    out = cli("attention", "--limit", "1").stdout
    assert "Olivia Grant" in out and "at risk" in out and "urgent issue open" in out


def test_bad_stage_is_one_clear_error(cli, book):
    result = cli("attention", "--stage", "sleeping")
    assert result.exit_code == 1 and "--stage: unknown stage 'sleeping'" in result.stderr


def test_an_audience_contact_is_never_ranked_for_lack_of_two_way_contact():
    from datetime import datetime, timezone

    from custview.insight.attention import attention_from_facts
    from custview.insight.facts import ContactFacts
    from custview.stages import Stage

    class Person:
        name, email = "Noah Patel", None

    now = datetime(2026, 6, 15, tzinfo=timezone.utc)
    silent = ContactFacts(stage=Stage.AUDIENCE, stage_since=None)  # no two-way contact on record, ever
    assert attention_from_facts(Person(), None, silent, silent, now) is None
    researcher = ContactFacts(stage=Stage.RESEARCHER, stage_since=None)
    item = attention_from_facts(Person(), None, researcher, researcher, now)
    assert item.reasons == ["no two-way contact on record yet"]
