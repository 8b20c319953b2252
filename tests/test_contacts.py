import json


def names(result):
    return [row["name"] for row in json.loads(result.stdout)]


def test_contacts_lists_everyone_with_company_and_stage(cli, book):
    result = cli("contacts")
    assert result.exit_code == 0
    for expected in ("Ann Lee", "Anna Berg", "Omar Haddad", "Acme Analytics", "Value Creator", "4 contacts"):
        assert expected in result.stdout


def test_filters_by_stage_company_and_search(cli, book):
    assert names(cli("contacts", "--stage", "adopter", "--json")) == ["Ann Lee"]
    assert names(cli("contacts", "--company", "acme", "--json")) == ["Ann Lee", "Anna Berg"]
    assert names(cli("contacts", "--search", "head of", "--json")) == ["Ann Lee"]
    assert names(cli("contacts", "--company", "borealis", "--search", "omar", "--json")) == ["Omar Haddad"]
    assert names(cli("contacts", "--search", "100%", "--json")) == []


def test_json_rows_carry_stage_and_since(cli, book):
    row = json.loads(cli("contacts", "--search", "Omar", "--json").stdout)[0]
    assert row["company"] == "Borealis Foods" and row["stage"] == "Researcher" and row["stage_since"]


def test_unknown_stage_filter_is_an_error(cli, book):
    result = cli("contacts", "--stage", "VIP")
    assert result.exit_code == 1 and "--stage: unknown stage 'VIP'" in result.stderr
