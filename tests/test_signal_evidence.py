"""Each signal keeps what the readiness rules count it as (signal.evidence), however it was written: `stage suggest`
finds who is ahead from those bits alone, so a signal written without them would never be called out."""

from __future__ import annotations

import shutil
import sqlite3

from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from custview.cli.app import app
from custview.db.schema import CURRENT_VERSION
from custview.evidence import (ADVOCACY, ASSESSMENT, BUSINESS_CASE, CO_PRESENTING, FORM, PRICING, QUESTION,
                               SECURITY, TERMS, evidence_of)

PEOPLE = """contacts:
  - {name: Omar Haddad, email: omar@borealis.example, stage: Researcher}
"""
SIGNALS = PEOPLE + """signals:
  - {contact: omar@borealis.example, kind: assessment, title: Readiness assessment, topics: [Pricing], at: -9d}
  - {contact: omar@borealis.example, kind: office hours, title: Office Hours, detail: Asked about NetSuite, at: -8d}
  - {contact: omar@borealis.example, kind: content, title: Pricing page, at: -7d}
  - {contact: omar@borealis.example, kind: email, title: Follow-up, at: -6d}
"""
# By title: the kinds of evidence the readiness rules see in each signal, worked out by hand from the rules.
IMPORTED = {
    "Readiness assessment": ASSESSMENT | TERMS,  # an assessment; pricing in its topics, for a buyer's terms
    "Office Hours": QUESTION,  # a question asked live
    "Pricing page": PRICING | TERMS,
    "Follow-up": 0,  # an email that asks nothing
}
CSV = """contact,kind,title,topics,at,detail,source
omar@borealis.example,form,Demo request,,2026-06-10T10:00:00Z,,web
omar@borealis.example,content,ROI calculator,Business case;Security,2026-06-11T10:00:00Z,,web
omar@borealis.example,event,Signal Summit,Keynote,2026-06-12T10:00:00Z,Presented the rollout,events
omar@borealis.example,content,Blog post,Onboarding,2026-06-13T10:00:00Z,,web
"""
FROM_CSV = {"Demo request": FORM, "ROI calculator": BUSINESS_CASE, "Signal Summit": CO_PRESENTING, "Blog post": 0}


def stored_evidence(engine: str, db: str, request) -> dict[str, int]:
    """Per signal title, the bits the book holds."""
    sql = "SELECT title, evidence FROM signal ORDER BY id"
    if engine == "sqlite":
        with sqlite3.connect(db) as connection:
            return dict(connection.execute(sql).fetchall())
    return dict(request.getfixturevalue("pg_server").sql(sql, db.split("?")[0].rsplit("/", 1)[1]))


def ok(result):
    assert result.exit_code == 0, result.output
    return result


def test_every_way_of_writing_a_signal_stores_what_the_rules_count_it_as(engine, engine_cli, engine_db, tmp_path,
                                                                         request):
    (tmp_path / "book.yaml").write_text(SIGNALS, encoding="utf-8")
    (tmp_path / "signals.csv").write_text(CSV, encoding="utf-8")
    ok(engine_cli("import", str(tmp_path / "book.yaml")))  # into a book without signals: straight into the table
    ok(engine_cli("import", str(tmp_path / "signals.csv")))  # staged, then added
    ok(engine_cli("add", "signal", "Omar Haddad", "--kind", "review", "--title", "G2 review", "--at", "-1d"))
    assert stored_evidence(engine, engine_db, request) == IMPORTED | FROM_CSV | {"G2 review": ADVOCACY}
    # The same signals again, one with a detail now: the rows are updated and their bits with them.
    changed = SIGNALS.replace("title: Follow-up,", "title: Follow-up, detail: Can you set up a reference call?,")
    (tmp_path / "book.yaml").write_text(changed, encoding="utf-8")
    assert '"updated": 1' in ok(engine_cli("import", str(tmp_path / "book.yaml"), "--json")).stdout
    assert stored_evidence(engine, engine_db, request)["Follow-up"] == QUESTION | ADVOCACY


def test_a_book_from_before_the_bits_gets_them_when_upgraded_and_stage_suggest_says_the_same(tmp_path, monkeypatch):
    monkeypatch.setenv("CUSTVIEW_NOW", "2026-06-15T09:00:00Z")
    book = tmp_path / "book.db"
    (tmp_path / "book.yaml").write_text(SIGNALS, encoding="utf-8")
    (tmp_path / "signals.csv").write_text(CSV, encoding="utf-8")
    runner = CliRunner()
    for path in ("book.yaml", "signals.csv"):
        ok(runner.invoke(app, ["--db", str(book), "import", str(tmp_path / path)]))
    suggested = ok(runner.invoke(app, ["--db", str(book), "stage", "suggest", "--json"])).stdout
    assert '"behaves_like": "Hand Raiser"' in suggested
    older = tmp_path / "older.db"
    shutil.copy(book, older)
    with sqlite3.connect(older) as connection:  # the book as schema 17 had it: no bits, no index on them
        connection.execute("DROP INDEX ix_signal_evidence_when")
        connection.execute("DROP INDEX ix_signal_evidence_contact")
        connection.execute("ALTER TABLE signal DROP COLUMN evidence")
        connection.execute("PRAGMA user_version = 17")
    upgraded = runner.invoke(app, ["--db", str(older), "stage", "suggest", "--json"])
    assert upgraded.exit_code == 0 and upgraded.stdout == suggested
    assert "upgraded" in upgraded.stderr
    with sqlite3.connect(older) as connection:
        assert dict(connection.execute("SELECT title, evidence FROM signal").fetchall()) == IMPORTED | FROM_CSV
        assert connection.execute("SELECT count(*) FROM sqlite_master WHERE name = 'ix_signal_evidence_when'"
                                  ).fetchone() == (1,)


def test_a_book_from_before_the_evidence_index_gets_it_when_upgraded_and_stage_suggest_says_the_same(
        pinned_sample, cli):
    suggested = ok(cli("stage", "suggest", "--json")).stdout
    assert '"direction": "ahead"' in suggested
    with sqlite3.connect(pinned_sample) as connection:  # the book as schema 18 had it
        connection.execute("DROP INDEX ix_signal_evidence_contact")
        connection.execute("PRAGMA user_version = 18")
    upgraded = cli("stage", "suggest", "--json")
    assert upgraded.exit_code == 0 and upgraded.stdout == suggested
    assert f"from schema version 18 to {CURRENT_VERSION}" in upgraded.stderr
    with sqlite3.connect(pinned_sample) as connection:
        assert evidence_indexes(connection) == {"ix_signal_evidence_when", "ix_signal_evidence_contact"}


def evidence_indexes(connection) -> set[str]:
    """The names of a SQLite book's indexes on the signals that are evidence."""
    return {name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE name LIKE 'ix_signal_evidence%'")}


def test_a_copy_to_a_server_and_back_keeps_the_bits(pg_server, pg_url, tmp_path):
    book, back = tmp_path / "book.db", tmp_path / "back.db"
    (tmp_path / "book.yaml").write_text(SIGNALS, encoding="utf-8")
    runner = CliRunner()
    ok(runner.invoke(app, ["--db", str(book), "import", str(tmp_path / "book.yaml")]))
    ok(runner.invoke(app, ["--db", str(book), "copy", "--to", pg_url]))
    ok(runner.invoke(app, ["--db", str(back), "copy", "--from", pg_url]))
    with sqlite3.connect(back) as connection:
        assert dict(connection.execute("SELECT title, evidence FROM signal").fetchall()) == IMPORTED
        assert evidence_indexes(connection) == {"ix_signal_evidence_when", "ix_signal_evidence_contact"}
    # A server keeps no titles or details in an index (its index entries are limited in size; they are free text).
    assert pg_server.sql("SELECT indexname FROM pg_indexes WHERE indexname LIKE 'ix_signal_evidence%'",
                         pg_url.split("?")[0].rsplit("/", 1)[1]) == [("ix_signal_evidence_when",)]


def rules_before_the_bits(kind: str, title: str, topics: list[str], detail: str | None) -> int:
    """What readiness.py counted a signal as before the bits were kept, rule by rule as it was written then."""
    def mentions(*words):
        return any(word in " ".join([title, *topics]).lower() for word in words)

    def says(*words):
        return any(word in " ".join([title, *topics, detail or ""]).lower() for word in words)

    bits = 0
    if kind == "assessment":
        bits = ASSESSMENT
    elif kind in ("office hours", "email", "event", "webinar") and detail and ("asked" in detail.lower() or "?" in detail):
        bits = QUESTION
    elif mentions("pricing"):
        bits = PRICING
    elif kind == "form":
        bits = FORM
    if mentions("business case", "roi"):
        bits |= BUSINESS_CASE
    elif mentions("security", "compliance"):
        bits |= SECURITY
    elif mentions("pricing", "commercial terms"):
        bits |= TERMS
    if kind in ("referral", "review", "testimonial") or says(
            "referral", "referred", "reference call", "testimonial", "review site", "peer review", "case study quote",
            "win story"):
        bits |= ADVOCACY
    if says("co-present", "co-author", "keynote", "guest speaker", "presented", "panel"):
        bits |= CO_PRESENTING
    return bits


PIECES = st.sampled_from(["Pricing", "business", "case", "Business Case", "ROI", "SECURITY", "compliance", "Commercial",
                          "terms", "referred", "reference call", "Testimonial", "Keynote", "co-presented", "panel",
                          "asked", "?", "Asked?", "İstanbul", "ΣΑΣ", "", " ", "webinar"])
TEXT = st.lists(st.one_of(PIECES, st.text(max_size=8)), max_size=4).map(" ".join)


@settings(max_examples=400, deadline=None)
@given(kind=st.sampled_from(["assessment", "office hours", "email", "event", "webinar", "form", "content", "referral",
                             "review", "testimonial", "product usage"]),
       title=TEXT, topics=st.lists(TEXT, max_size=3), detail=st.one_of(st.none(), TEXT))
def test_the_bits_are_what_the_rules_counted_before_they_were_kept(kind, title, topics, detail):
    # Words across the title and a topic ("business" then "case") count as the rules read them: joined by a space.
    assert evidence_of(kind, title, topics, detail) == rules_before_the_bits(kind, title, topics, detail)
