"""Exports shaped like real ones: email-only people, headers that differ in case or run to 10,000
columns, UTF-16 files. Each imports with exact counts; every refusal is still one line per problem."""

from __future__ import annotations

import json
import sqlite3

from conftest import dump

HUBSPOT = "First Name,Last Name,Email,Lifecycle Stage"


def counts(result) -> dict:
    return {kind: c for kind, c in json.loads(result.stdout)["counts"].items() if c}


def query(db, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as connection:
        return connection.execute(sql).fetchall()


def test_email_only_people_are_contacts_named_from_their_email_until_a_real_name_comes(cli, book, tmp_path):
    first = tmp_path / "hubspot.csv"
    first.write_text(f"{HUBSPOT}\n,,priya.raman@lumen.example,lead\n,,j_o-neill@lumen.example,subscriber\n"
                     "Ada,Park,ada@lumen.example,lead\n", encoding="utf-8")
    result = cli("import", str(first), "--json")
    assert result.exit_code == 0, result.output
    assert counts(result) == {"contacts": {"created": 3}}
    assert query(book, "SELECT name, name_derived, stage FROM contact WHERE email LIKE '%@lumen.example' "
                       "ORDER BY email") == [("Ada Park", 0, "Researcher"), ("J O Neill", 1, "Audience"),
                                             ("Priya Raman", 1, "Researcher")]
    later = tmp_path / "later.csv"
    later.write_text(f"{HUBSPOT}\nPriya,Raman-Iyer,Priya.Raman@lumen.example,lead\n,,ada@lumen.example,lead\n",
                     encoding="utf-8")
    again = cli("import", str(later), "--json")
    assert counts(again) == {"contacts": {"updated": 1, "unchanged": 1}}
    assert query(book, "SELECT name, name_derived FROM contact WHERE email IN "
                       "('priya.raman@lumen.example', 'ada@lumen.example') ORDER BY email") == [
        ("Ada Park", 0), ("Priya Raman-Iyer", 0)]
    assert cli("brief", "Priya Raman-Iyer").exit_code == 0


def test_a_row_with_neither_name_nor_email_is_still_refused_and_nothing_is_written(cli, book, tmp_path):
    source = tmp_path / "hubspot.csv"
    source.write_text(f"{HUBSPOT}\n,,,lead\n,,ok@x.example,lead\n", encoding="utf-8")
    before = dump(book)
    result = cli("import", str(source))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [f"error: {source}:2: First Name + Last Name: missing (required)"]
    assert dump(book) == before


def test_two_columns_differing_only_in_case_the_associated_company_wins_and_the_report_names_both(cli, book,
                                                                                                  tmp_path):
    source = tmp_path / "hubspot.csv"
    source.write_text(f"{HUBSPOT},Company Name,Company name\n"
                      "Lea,Stone,lea@x.example,lead,Typed Name Ltd,Borealis Foods\n"
                      "Max,Roe,max@x.example,lead,Cobalt Labs,\n", encoding="utf-8")
    result = cli("import", str(source), "--json")
    assert result.exit_code == 0, result.output
    assert counts(result) == {"companies": {"created": 1}, "contacts": {"created": 2}}
    assert (f"note: {source}: company is read from 'Company name', else from 'Company Name' (the file has both)"
            in result.stderr)
    assert query(book, "SELECT c.name, co.name FROM contact c JOIN company co ON co.id = c.company_id "
                       "WHERE c.email LIKE '%@x.example' ORDER BY c.name") == [
        ("Lea Stone", "Borealis Foods"), ("Max Roe", "Cobalt Labs")]


def test_a_header_of_10000_columns_is_read_and_the_ignored_ones_are_summarised(cli, book, tmp_path):
    source = tmp_path / "wide.csv"
    extra = [f"Custom property {number}" for number in range(9996)]
    source.write_text(f"{HUBSPOT},{','.join(extra)}\n" + "".join(
        f"Wide,Row{n},wide{n}@x.example,lead{',' * 9996}\n" for n in range(3)), encoding="utf-8")
    assert len(source.read_text().splitlines()[0]) > 64 * 1024
    result = cli("import", str(source), "--json")
    assert result.exit_code == 0, result.output
    assert counts(result) == {"contacts": {"created": 3}}
    shown = ", ".join(extra[:15])
    assert f"note: {source}: ignored columns: {shown} … and 9,981 more" in result.stderr.splitlines()


def test_utf16_files_with_and_without_byte_order_mark_are_read_and_named(cli, book, tmp_path):
    text = "First Name\tLast Name\tEmail\tLifecycle Stage\nZoë\tKim\tzoe{n}@x.example\tlead\n"
    cases = {"utf-16": "UTF-16", "utf-16-le": "UTF-16 (little endian)", "utf-16-be": "UTF-16 (big endian)"}
    for number, (encoding, name) in enumerate(cases.items()):
        source = tmp_path / f"excel-{encoding}.txt"
        source.write_bytes(text.format(n=number).encode(encoding))
        result = cli("import", str(source), "--from", "hubspot", "--kind", "contacts", "--json")
        assert result.exit_code == 0, result.output
        assert counts(result) == {"contacts": {"created": 1}}
        assert f"note: {source}: not UTF-8; read as {name}" in result.stderr
    assert query(book, "SELECT name, email FROM contact WHERE email LIKE 'zoe%' ORDER BY email") == [
        ("Zoë Kim", "zoe0@x.example"), ("Zoë Kim", "zoe1@x.example"), ("Zoë Kim", "zoe2@x.example")]
