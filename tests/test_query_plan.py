"""The brief's queries and the book-wide figures (attention, stage suggest) are answered from indexes.

Not timed: SQLite's EXPLAIN QUERY PLAN says how each query the fast reader actually ran would be
executed. "SEARCH t USING INDEX ..." stays fast at a million rows; "SCAN t" reads the whole table.
"""

import re
import sqlite3
from datetime import timedelta

import pytest

from custview.cli.commands._common import brief_contact
from custview.dates import utc_now
from custview.db.reader import Reader
from custview.sample import sample_path


@pytest.fixture
def sample_book(cli, db):
    """A database with the bundled sample (9 companies, 25 contacts, 150 signals)."""
    assert cli("import", str(sample_path())).exit_code == 0
    return db


def queries_run_by(db, action) -> list[str]:
    """Every statement the fast reader executes while doing `action(reader)`, with its values filled in."""
    reader = Reader.open(db)
    statements = []
    reader.connection.set_trace_callback(statements.append)
    action(reader)
    reader.close()
    return [s for s in statements if s.lstrip().upper().startswith("SELECT")]


def table_scans(db, statements: list[str]) -> list[str]:
    """The plan lines, across all statements, that read a whole table or index instead of searching it."""
    with sqlite3.connect(db) as connection:
        return [
            f"{detail}  <- {statement[:120]}"
            for statement in statements
            for *_, detail in connection.execute(f"EXPLAIN QUERY PLAN {statement}")
            if detail.startswith("SCAN")
        ]


def brief_sarah(reader):
    contact = reader.find_contacts("Sarah Chen")[0]
    brief_contact(reader, contact, utc_now())


def test_the_brief_uses_an_index_for_every_query(sample_book):
    statements = queries_run_by(sample_book, brief_sarah)
    tables = {word for s in statements for word in ("signal", "ticket", "appointment", "attendee", "next_step",
                                                    "note", "stage_change", "service", "contact", "company")
              if f"FROM {word} " in s + " "}
    assert tables == {"signal", "ticket", "appointment", "attendee", "next_step", "note", "stage_change", "service",
                      "contact", "company"}
    assert table_scans(sample_book, statements) == []


def test_the_check_fails_when_the_signals_index_is_dropped(sample_book):
    with sqlite3.connect(sample_book) as connection:
        connection.execute("DROP INDEX ix_signal_contact_when")
    scans = table_scans(sample_book, queries_run_by(sample_book, brief_sarah))
    assert scans and all(line.startswith("SCAN signal") for line in scans)


def book_wide_figures(reader):
    from custview.insight.facts import book_facts
    from custview.insight.readiness import evidence_kinds

    now = utc_now()
    for _, _, earlier in book_facts(reader, reader.list_contacts(), [now, now - timedelta(days=30)], evidence_kinds):
        earlier[0]()


def whole_table_reads(db, statements: list[str]) -> list[str]:
    """Plan lines that read a table row by row (not through an index), or sort what they read."""
    with sqlite3.connect(db) as connection:
        return [
            f"{detail}  <- {statement[:100]}"
            for statement in statements
            for *_, detail in connection.execute(f"EXPLAIN QUERY PLAN {statement}")
            if (detail.startswith("SCAN") and "INDEX" not in detail and not detail.startswith(("SCAN service", "SCAN contact")))
            or "TEMP B-TREE FOR GROUP BY" in detail
        ]


def not_by_contact(db, statements: list[str]) -> list[str]:
    """The reads for a batch of contacts (`contact_id IN (...)`) or companies (`company_id IN (...)`) whose plan does
    not search by contact or company: each batch would read the same rows again (open tickets by their closing
    date, say)."""
    with sqlite3.connect(db) as connection:
        return [statement[:100] for statement in statements for key in ("contact_id", "company_id")
                if f"{key} IN (" in statement and not any(
                    f"{key}=?" in detail for *_, detail in connection.execute(f"EXPLAIN QUERY PLAN {statement}"))]


def tables_read(statements: list[str], tables: tuple[str, ...]) -> set[str]:
    """Which of these tables the statements read (FROM or JOIN)."""
    return {table for s in statements for table in tables if re.search(rf"\b(FROM|JOIN) {table}\b", s)}


# The top of the attention list reads the stage history (about a row per contact) whole, once, to know whose
# stage is the recorded one: that read is meant to scan.
WHOLE_STAGE_HISTORY = "SELECT stage_change.contact_id FROM stage_change JOIN contact"


def reads_missing_an_index(db, statements: list[str]) -> list[str]:
    """The book-wide reads that read a table row by row, sort what they read, or read a batch of contacts
    without searching by contact (the one whole read of the stage history aside)."""
    searched = [s for s in statements if not s.startswith(WHOLE_STAGE_HISTORY)]
    return whole_table_reads(db, searched) + not_by_contact(db, searched)


def test_the_book_wide_figures_are_read_through_indexes(sample_book):
    statements = queries_run_by(sample_book, book_wide_figures)
    tables = ("signal", "appointment", "attendee", "stage_change", "ticket", "next_step")
    assert tables_read(statements, tables) == set(tables)
    assert reads_missing_an_index(sample_book, statements) == []


def attention_top(reader):
    from custview.insight.attention_top import top_attention

    assert top_attention(reader, utc_now(), 5)


def test_the_top_of_the_attention_list_is_read_through_indexes(sample_book):
    statements = queries_run_by(sample_book, attention_top)
    tables = ("signal", "stage_change", "ticket", "next_step", "attendee", "contact")
    assert tables_read(statements, tables) == set(tables)
    assert any("FROM contact WHERE company_id IN (" in s for s in statements)  # those at a company with a service at risk
    whole = [s for s in statements if s.startswith(WHOLE_STAGE_HISTORY)]
    assert len(whole) == 1 and [" ".join(line.split()[:2]) for line in table_scans(sample_book, whole)] == [
        "SCAN stage_change"]
    assert reads_missing_an_index(sample_book, statements) == []


def stage_suggest(reader):
    from custview.insight.readiness import book_call_outs

    assert list(book_call_outs(reader, utc_now()))


def test_stage_suggest_finds_who_shows_evidence_and_reads_them_through_indexes(sample_book):
    statements = queries_run_by(sample_book, stage_suggest)
    assert any(s.startswith("SELECT contact_id, evidence FROM signal WHERE evidence <> 0") for s in statements)
    assert tables_read(statements, ("signal", "ticket", "contact")) == {"signal", "ticket", "contact"}
    assert reads_missing_an_index(sample_book, statements) == []


EVIDENCE_SHOWN, EVIDENCE_QUOTED = ("SELECT contact_id, evidence FROM signal WHERE evidence <> 0",
                                   "SELECT contact_id, kind, title, detail, evidence FROM signal")


@pytest.mark.parametrize("read, index, plan", [
    (EVIDENCE_SHOWN, "ix_signal_evidence_when", "SEARCH signal USING COVERING INDEX ix_signal_evidence_when "
                                                "(occurred_at>? AND occurred_at<?)"),  # who shows evidence lately
    (EVIDENCE_QUOTED, "ix_signal_evidence_contact", "SEARCH signal USING COVERING INDEX ix_signal_evidence_contact "
                                                    "(contact_id=? AND occurred_at>? AND occurred_at<?)"),  # what of it
])
def test_stage_suggest_reads_the_evidence_from_the_indexes_of_evidence_alone(sample_book, read, index, plan):
    statements = [s for s in queries_run_by(sample_book, stage_suggest) if s.startswith(read)]
    assert statements and {plan_of(sample_book, s)[0] for s in statements} == {plan}
    with sqlite3.connect(sample_book) as connection:
        connection.execute(f"DROP INDEX {index}")
    assert not {plan_of(sample_book, s)[0] for s in statements} & {plan}


@pytest.mark.parametrize("reads, index", [
    *((stage_suggest, index) for index in ("ix_signal_contact_when", "ix_ticket_closed", "ix_ticket_contact_status")),
    *((book_wide_figures, index) for index in ("ix_signal_contact_when", "ix_ticket_contact_status",
                                               "ix_next_step_appointment_id", "ix_appointment_contact_when",
                                               "ix_stage_change_contact_when", "ix_attendee_contact_id")),
    *((attention_top, index) for index in ("ix_ticket_closed", "ix_next_step_open", "ix_next_step_appointment_id",
                                           "ix_attendee_contact_id", "ix_stage_change_contact_when",
                                           "ix_signal_contact_when", "ix_contact_company_stage")),
])
def test_the_checks_of_the_book_wide_reads_fail_without_their_index(sample_book, reads, index):
    with sqlite3.connect(sample_book) as connection:
        connection.execute(f"DROP INDEX {index}")
    assert reads_missing_an_index(sample_book, queries_run_by(sample_book, reads))


# Counting the entries into each stage reads the stage history (about a row per contact) whole, once: meant to scan.
STAGE_ENTRIES = "SELECT stage_change.stage, count(*)"


def stage_history_reads(db, statements: list[str]) -> set[str]:
    """The statements that read the stage history (stage_change, as s or m) row by row, not through an index."""
    with sqlite3.connect(db) as connection:
        return {statement for statement in statements for *_, detail in connection.execute(
                f"EXPLAIN QUERY PLAN {statement}") if detail.startswith(("SCAN", "SEARCH")) and "INDEX" not in detail
                and detail.split()[1] in ("stage_change", "s", "m")}


def test_the_funnel_finds_each_contacts_stage_moves_through_the_stage_history_index(sample_book):
    statements = [s for s in queries_run_by(sample_book, funnel) if not s.startswith(STAGE_ENTRIES)]
    assert len(statements) == 2  # the stays that ended with a move, and who is stalled
    assert stage_history_reads(sample_book, statements) == set()
    with sqlite3.connect(sample_book) as connection:
        connection.execute("DROP INDEX ix_stage_change_contact_when")
    assert len(stage_history_reads(sample_book, statements)) == 2


def test_typo_suggestions_search_the_name_and_email_indexes_instead_of_reading_every_name(sample_book):
    suggested = []
    statements = queries_run_by(sample_book, lambda reader: suggested.extend(reader.suggest_names("Sarha Chen")))
    assert suggested == ["Sarah Chen"]
    assert len(statements) == 2 and table_scans(sample_book, statements) == []


def readiness_evidence(reader):
    from custview.insight.readiness import book_readiness

    list(book_readiness(reader, reader.list_contacts(), utc_now()))


def test_the_signals_read_as_readiness_evidence_are_searched_through_the_index_and_filtered_in_sql(sample_book):
    statements = queries_run_by(sample_book, readiness_evidence)
    evidence = [s for s in statements if s.startswith(EVIDENCE_QUOTED) and "(evidence & " in s]
    assert evidence  # one read per stage whose rule reads signals, only those that could be evidence
    assert whole_table_reads(sample_book, evidence) == []
    with sqlite3.connect(sample_book) as connection:
        connection.execute("DROP INDEX ix_signal_contact_when")
        connection.execute("DROP INDEX ix_signal_evidence_contact")
    assert reads_missing_an_index(sample_book, evidence)  # the whole window of evidence for each batch


def portfolio_and_funnel(reader):
    from custview.db import accounts

    accounts.account_facts(reader, utc_now())
    funnel(reader)


def funnel(reader):
    from custview.db import accounts
    from custview.insight.portfolio import stalled_cutoffs

    now = utc_now()
    accounts.stage_entries(reader)
    accounts.completed_stays(reader)
    accounts.stalled_per_stage(reader, stalled_cutoffs(now), now)


def big_table_scans(db, statements: list[str]) -> list[str]:
    """Plan lines that read one of the big tables (signals, tickets, meetings) row by row, not through an index."""
    with sqlite3.connect(db) as connection:
        return [f"{detail}  <- {statement[:100]}" for statement in statements
                for *_, detail in connection.execute(f"EXPLAIN QUERY PLAN {statement}")
                if detail.startswith("SCAN") and "INDEX" not in detail and detail.split()[1] in ("signal", "s", "ticket",
                                                                                                   "t", "appointment", "a")]


def test_companies_and_pipeline_read_signals_tickets_and_meetings_through_indexes(sample_book):
    statements = queries_run_by(sample_book, portfolio_and_funnel)
    assert {table for s in statements for table in ("signal", "ticket", "appointment", "stage_change")
            if f"FROM {table} " in s} == {"signal", "ticket", "appointment", "stage_change"}
    assert big_table_scans(sample_book, statements) == []
    with sqlite3.connect(sample_book) as connection:
        for index in ("ix_ticket_closed", "ix_appointment_company_when", "ix_appointment_when"):
            connection.execute(f"DROP INDEX {index}")
    assert len(big_table_scans(sample_book, statements)) == 2  # the open tickets, and the meetings per company


def test_each_accounts_latest_meeting_is_one_search_of_the_company_and_moment_index(sample_book):
    statements = [s for s in queries_run_by(sample_book, portfolio_and_funnel)
                  if s.startswith("SELECT company.id") and "FROM appointment" in s]
    assert len(statements) == 1
    assert "SEARCH appointment USING COVERING INDEX ix_appointment_company_when (company_id=? AND scheduled_at<?)" in (
        plan_of(sample_book, statements[0]))
    with sqlite3.connect(sample_book) as connection:
        connection.execute("DROP INDEX ix_appointment_company_when")
    assert not any("COVERING" in line for line in plan_of(sample_book, statements[0]))


def plan_of(db, statement: str) -> list[str]:
    """The plan lines SQLite gives a statement."""
    with sqlite3.connect(db) as connection:
        return [detail for *_, detail in connection.execute(f"EXPLAIN QUERY PLAN {statement}")]


def test_each_accounts_people_and_latest_conversation_are_read_from_two_indexes_alone(sample_book):
    statements = [s for s in queries_run_by(sample_book, portfolio_and_funnel)
                  if s.startswith("SELECT company_id, count(*)") and "FROM signal" in s]
    assert len(statements) == 1
    assert plan_of(sample_book, statements[0]) == [  # grouped in the index's order: no sorting
        "SEARCH contact USING COVERING INDEX ix_contact_company_stage (company_id>?)", "CORRELATED SCALAR SUBQUERY 1",
        "SEARCH signal USING COVERING INDEX ix_signal_two_way (contact_id=? AND occurred_at<?)"]
    with sqlite3.connect(sample_book) as connection:
        connection.execute("DROP INDEX ix_signal_two_way")
        connection.execute("DROP INDEX ix_contact_company_stage")
    without = " ".join(plan_of(sample_book, statements[0]))
    assert "ix_signal_two_way" not in without and "COVERING INDEX ix_contact" not in without


def test_the_contacts_of_a_stage_are_read_in_the_lists_order_without_sorting(sample_book):
    statements = queries_run_by(sample_book, lambda reader: list(reader.contact_lines(stage="Researcher")))
    assert len(statements) == 1
    assert plan_of(sample_book, statements[0])[0] == "SEARCH contact USING INDEX ix_contact_stage_name (stage=?)"
    assert not any("TEMP B-TREE" in line for line in plan_of(sample_book, statements[0]))
    with sqlite3.connect(sample_book) as connection:
        connection.execute("DROP INDEX ix_contact_stage_name")
    without = plan_of(sample_book, statements[0])  # the whole table in name order, or the stage's rows sorted
    assert without[0].startswith("SCAN contact") or any("TEMP B-TREE FOR ORDER BY" in line for line in without)
