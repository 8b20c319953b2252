"""custview duplicates: likely duplicate contacts and companies, each pair with its evidence and a score.

tests/fixtures/exports/hubspot-contacts-duplicates.csv, imported on top of the test book, creates
what real exports create: a second Ann Lee under a "+events" address, a misspelt Omar Hadad, and
the companies "Acme Analytcs" and "Borealis" that its Company Name column implies.
"""

import json
from types import SimpleNamespace

from conftest import FIXTURES, dump

from custview.insight.duplicates import find_duplicates

DUPLICATING_EXPORT = FIXTURES / "exports" / "hubspot-contacts-duplicates.csv"


def duplicates_json(cli, *options):
    result = cli("duplicates", "--json", *options)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def pair_names(pairs):
    return {(p["kind"], p["first"]["name"], p["first"]["detail"], p["second"]["name"], p["second"]["detail"])
            for p in pairs}


def test_a_book_without_duplicates_lists_none(cli, book):
    result = cli("duplicates")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "No likely duplicates found."
    assert duplicates_json(cli) == []


def test_the_duplicates_an_export_created_are_listed_with_their_evidence(cli, book):
    assert cli("import", str(DUPLICATING_EXPORT)).exit_code == 0

    pairs = duplicates_json(cli)

    assert pair_names(pairs) == {
        ("contact", "Ann Lee", "ann.lee@acme.example", "Ann Lee", "ann.lee+events@acme.example"),
        ("contact", "Omar Haddad", "omar@borealis.example", "Omar Hadad", "o.haddad@borealis.example"),
        ("company", "Acme Analytics", "acme.example", "Acme Analytcs", None),
        ("company", "Borealis Foods", "borealis.example", "Borealis", None),
    }
    by_second = {p["second"]["name"]: p for p in pairs}
    assert by_second["Ann Lee"]["evidence"] == [
        "the same email apart from a +tag: ann.lee@acme.example / ann.lee+events@acme.example",
        "the same name at Acme Analytics"]
    assert by_second["Omar Hadad"]["evidence"] == ["names a typo apart: Omar Haddad / Omar Hadad (95% alike)",
                                                   "both at Borealis Foods"]
    assert by_second["Acme Analytcs"]["evidence"] == [
        "nearly identical names (96% alike)",
        "1 contact of Acme Analytcs has an email at acme.example, the domain of Acme Analytics"]
    assert by_second["Borealis"]["evidence"] == [
        "1 contact of Borealis has an email at borealis.example, the domain of Borealis Foods",
        "'Borealis Foods' starts with 'Borealis'"]
    scores = [p["score"] for p in pairs]
    assert scores == sorted(scores, reverse=True) and all(50 <= s <= 100 for s in scores)
    # two clues beat one: the +tag with the same name outranks a typo at the same company
    assert by_second["Ann Lee"]["score"] > by_second["Acme Analytcs"]["score"] > by_second["Omar Hadad"]["score"]
    assert by_second["Ann Lee"]["merge_command"] == "custview merge ann.lee@acme.example ann.lee+events@acme.example"
    assert by_second["Borealis"]["merge_command"] == "custview merge --company 'Borealis Foods' Borealis"


def test_the_list_shows_each_pair_and_the_command_that_merges_it(cli, book):
    assert cli("import", str(DUPLICATING_EXPORT)).exit_code == 0
    result = cli("duplicates")
    assert result.exit_code == 0, result.output
    lines = [line.rstrip() for line in result.stdout.splitlines()]
    assert lines[0].startswith("4 likely duplicates (2 contact pairs, 2 company pairs), best first")
    ann = lines.index("98  contact  Ann Lee <ann.lee@acme.example>  Acme Analytics · #1")
    assert lines[ann + 1].strip() == "Ann Lee <ann.lee+events@acme.example>  Acme Analytics · #5"
    assert "• the same name at Acme Analytics" in lines[ann + 3]
    assert lines[ann + 4].strip() == "→ custview merge ann.lee@acme.example ann.lee+events@acme.example"
    assert "→ custview merge --company 'Acme Analytics' 'Acme Analytcs'" in result.stdout


def test_kind_and_min_score_narrow_the_list_and_nothing_is_written(cli, book):
    assert cli("import", str(DUPLICATING_EXPORT)).exit_code == 0
    before = dump(book)
    companies = duplicates_json(cli, "--kind", "companies")
    assert {p["kind"] for p in companies} == {"company"} and len(companies) == 2
    strong = duplicates_json(cli, "--min-score", "80")
    everything = duplicates_json(cli)
    assert strong == [p for p in everything if p["score"] >= 80] and 0 < len(strong) < len(everything)
    assert dump(book) == before


def test_bad_options_get_one_line_each(cli, book):
    result = cli("duplicates", "--kind", "people", "--min-score", "101")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "error: --kind: unknown kind 'people' (expected contacts or companies)",
        "error: --min-score: 101 is not between 0 and 100"]


# -- the rules, on rows as any reader gives them ------------------------------------------------------------


def person(id, name, email=None, phone=None, company_id=None):
    return SimpleNamespace(id=id, name=name, email=email, phone=phone, company_id=company_id)


def firm(id, name, domain=None):
    return SimpleNamespace(id=id, name=name, domain=domain)


COMPANIES = [firm(1, "Northwind Logistics", "northwind.example"), firm(2, "Contoso", "contoso.example")]


def contact_pairs(*people):
    return {(p.first.id, p.second.id): p for p in find_duplicates(list(people), COMPANIES, ["contact"])}


def test_the_same_email_in_another_case_is_the_strongest_clue():
    pairs = contact_pairs(person(1, "Sarah Chen", "Sarah.Chen@Northwind.example"),
                          person(2, "S. Chen", "sarah.chen@northwind.example"))
    assert list(pairs) == [(1, 2)]
    assert pairs[1, 2].score == 99
    assert pairs[1, 2].evidence == [
        "the same email apart from letter case: Sarah.Chen@Northwind.example / sarah.chen@northwind.example"]


def test_a_name_written_another_way_at_the_same_company_is_one_person():
    pairs = contact_pairs(person(1, "José Núñez", "jose@northwind.example", company_id=1),
                          person(2, "Nunez, Jose", "j.nunez@northwind.example", company_id=1),
                          person(3, "José Núñez", "jose@contoso.example", company_id=2))
    assert list(pairs) == [(1, 2)]  # the namesake at another company, with another email, is someone else
    assert pairs[1, 2].evidence == ["the same name at Northwind Logistics"]


def test_a_name_typo_needs_a_matching_phone_or_email_domain():
    pairs = contact_pairs(
        person(1, "John Smith", "john@northwind.example", phone="+1 (415) 555-0134"),
        person(2, "Jon Smith", "js@gmail.com", phone="415 555 0134"),  # the same line without country code
        person(3, "Jonn Smith", "jonn@gmail.com"),  # only a free-mail domain in common with 2: no evidence
        person(4, "Joan Smith", "joan@contoso.example"),  # similar name, nothing else in common
    )
    assert set(pairs) == {(1, 2)}
    assert pairs[1, 2].evidence == ["the same phone number: 415 555 0134",
                                    "names a typo apart: John Smith / Jon Smith (95% alike)"]


def test_colleagues_sharing_a_phone_or_domain_are_not_duplicates():
    pairs = contact_pairs(person(1, "Ann Lee", "ann@northwind.example", "+1 415 555 0100", 1),
                          person(2, "Bob Park", "bob@northwind.example", "+1 415 555 0100", 1))
    assert pairs == {}


def test_companies_with_one_domain_or_one_name_are_listed():
    companies = [firm(1, "Acme Analytics", "acme.example"), firm(2, "ACME Analytics, Inc.", None),
                 firm(3, "Acme Data", "https://www.acme.example/about"), firm(4, "Globex", "globex.example")]
    pairs = {(p.first.id, p.second.id): p for p in find_duplicates([], companies, ["company"])}
    assert set(pairs) == {(1, 2), (1, 3)}
    assert pairs[1, 2].evidence == ["the same name apart from case, punctuation and legal suffixes"]
    assert pairs[1, 3].evidence == ["the same domain: acme.example"]


def test_a_name_typo_at_the_same_company_is_found_whatever_the_email_domains():
    pairs = contact_pairs(
        person(1, "Priya Raman", "priya.raman@northwind.example", company_id=1),
        person(2, "Priya Ramen", "priya.r@gmail.com", company_id=1),  # her personal address
        person(3, "Priya Rahman", "p.rahman@northwind-logistics.example", company_id=1),  # an older work domain
        person(4, "Priya Raman", "praman@contoso.example", company_id=2),  # a namesake elsewhere: too weak alone
    )
    assert set(pairs) == {(1, 2), (1, 3), (2, 3)}
    assert pairs[1, 2].evidence == ["names a typo apart: Priya Raman / Priya Ramen (91% alike)",
                                    "both at Northwind Logistics"]
    assert pairs[1, 2].score == 58
