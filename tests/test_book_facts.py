"""The book-wide views (attention, stage suggest) read grouped figures instead of a history per contact:
on a random book they must say exactly what the per-contact path (the brief's) says about everyone."""

import json
import random
import sqlite3
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from custview.dates import stored_time
from custview.db.reader import Reader
from custview.db.signal_evidence import fill_evidence
from custview.db.writer import Store
from custview.insight.attention_top import top_attention
from custview.insight.attention import (HEALTH_DROP_WINDOW_DAYS, attention_from_facts, needs_attention,
                                        rank_book_attention)
from custview.insight.briefing import stage_at
from custview.insight.facts import book_facts, facts_from_history
from custview.insight.health import health_from_facts
from custview.insight.readiness import book_call_outs, book_readiness, evidence_kinds, readiness_from_facts

NOW = datetime(2026, 6, 15, 9, tzinfo=timezone.utc)
EARLIER = NOW - timedelta(days=HEALTH_DROP_WINDOW_DAYS)
CONTACTS, COMPANIES = 2_000, 150
STAGES = ("Audience", "Researcher", "Hand Raiser", "Buyer", "Value Creator", "Adopter", "Advocate", "Champion")
KINDS = ("content", "email", "event", "webinar", "office hours", "form", "assessment", "product usage")
WORDS = ("Pricing", "Business case", "ROI", "Security", "Compliance", "Onboarding", "Commercial terms", "SSO",
         "Referral", "Keynote")
SUBJECTS = ("Export fails", "Can we also add SSO?", "How do roles work?", "Dashboard slow", "Sync error",
            "Totals off by one day", "Feed arrives late", "Best practice for alerts")


def moment(rng: random.Random) -> str:
    """A stored moment around NOW: mostly the past 200 days, some older, a few in the future."""
    days = rng.choice((rng.uniform(-20, 200), rng.uniform(-20, 200), rng.uniform(0, 900)))
    return stored_time(NOW - timedelta(days=days))


def write_random_book(path, seed: int = 16) -> None:
    """Companies, contacts and every kind of history, drawn at random, written straight into the tables."""
    Store.open(path).ensure_schema()
    rng = random.Random(seed)
    rows: dict[str, list[tuple]] = {table: [] for table in (
        "company", "contact", "stage_change", "signal", "appointment", "attendee", "next_step", "ticket", "service")}
    for company_id in range(1, COMPANIES + 1):
        rows["company"].append((company_id, f"Company {company_id}"))
        for n in range(rng.choice((0, 0, 1, 2))):
            rows["service"].append((company_id, f"Service {company_id}.{n}",
                                    rng.choice(("planned", "active", "at risk", "delivered"))))
    for contact_id in range(1, CONTACTS + 1):
        company_id = rng.choice((None, *range(1, COMPANIES + 1)))
        since = rng.choice((None, moment(rng)))
        rows["contact"].append((contact_id, f"Person {contact_id}", f"p{contact_id}@x.example", company_id,
                                rng.choice(STAGES), since))
        for _ in range(rng.choice((0, 0, 1, 2, 3))):
            rows["stage_change"].append((contact_id, rng.choice(STAGES), rng.choice((None, *STAGES)), moment(rng)))
        for _ in range(rng.randrange(0, 25)):
            kind = rng.choice(KINDS)
            topics = rng.sample(WORDS, rng.randrange(0, 3))
            detail = rng.choice((None, None, "Asked about rollout", "Is there an API?", "read it"))
            rows["signal"].append((contact_id, kind, f"{kind}: {rng.choice(WORDS).lower()}", json.dumps(topics),
                                   moment(rng), detail))
        for _ in range(rng.choice((0, 1, 1, 2))):
            appointment_id = len(rows["appointment"]) + 1
            rows["appointment"].append((appointment_id, contact_id, company_id, moment(rng)))
            for _ in range(rng.choice((0, 1, 2))):
                rows["attendee"].append((appointment_id, rng.randrange(1, CONTACTS + 1)))
            for n in range(rng.choice((0, 1, 2, 3))):
                rows["next_step"].append((appointment_id, f"step {appointment_id}.{n}",
                                          rng.choice((None, moment(rng))), rng.random() < 0.3))
        for _ in range(rng.choice((0, 0, 1, 2))):
            closed = rng.choice((None, None, moment(rng)))
            rows["ticket"].append((rng.choice((contact_id, contact_id, None)), company_id, rng.choice(SUBJECTS),
                                   rng.choice(("open", "pending", "closed")), rng.choice(("low", "normal", "high", "urgent")),
                                   rng.choice((None, None, "issue", "question", "optimization")), moment(rng), closed))
    columns = {
        "company": "id, name", "service": "company_id, name, status",
        "contact": "id, name, email, company_id, stage, stage_since",
        "stage_change": "contact_id, stage, previous_stage, changed_at",
        "signal": "contact_id, kind, title, topics, occurred_at, detail",
        "appointment": "id, contact_id, company_id, scheduled_at", "attendee": "appointment_id, contact_id",
        "next_step": "appointment_id, step, due_at, done",
        "ticket": "contact_id, company_id, subject, status, priority, kind, opened_at, closed_at",
    }
    required = {"appointment": "purpose, kind, decisions", "attendee": "name", "stage_change": "source"}
    constants = {"appointment": "'Meeting', 'other', '[]'", "attendee": "'Someone'", "stage_change": "'import'"}
    with sqlite3.connect(path) as connection:
        for table, values in rows.items():
            names, marks = columns[table], ", ".join("?" * len(columns[table].split(",")))
            if table in required:
                names, marks = f"{names}, {required[table]}", f"{marks}, {constants[table]}"
            connection.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", values)
        fill_evidence(connection)  # what each signal is evidence of, as when a book is upgraded to have it


@pytest.fixture(scope="session")
def random_book(tmp_path_factory):
    """A random book of 2,000 contacts, built once and only read."""
    path = tmp_path_factory.mktemp("random_book") / "book.db"
    write_random_book(path)
    return Reader.open(path)


def test_the_grouped_figures_give_every_contact_the_same_health_readiness_and_attention(random_book):
    rows = random_book.list_contacts()
    assert len(rows) == CONTACTS  # several batches of contacts
    histories = random_book.histories([row.contact for row in rows])
    outcomes = {"attention": 0, "readiness": 0, "overdue": 0, "tickets": 0, "requests": 0}
    later = set()
    for (row, book_now, book_earlier), history in zip(book_facts(random_book, rows, [NOW, EARLIER], evidence_kinds),
                                                      histories, strict=True):
        now, before = (facts_from_history(history, *stage_at(history, m), m) for m in (NOW, EARLIER))
        # The book-wide path loads only the signals that could be evidence: the same call-out from fewer.
        assert replace(book_now, evidence_signals=[], evidence_bits=None) == replace(now, evidence_signals=[]), \
            row.contact.name
        assert readiness_from_facts(book_now, NOW) == readiness_from_facts(now, NOW), row.contact.name
        assert health_from_facts(book_earlier[0](), EARLIER) == health_from_facts(before, EARLIER)
        item = needs_attention(history, NOW)
        assert attention_from_facts(row.contact, row.company.name if row.company else None, book_now,
                                    book_earlier[0], NOW) == item
        outcomes["attention"] += item is not None
        outcomes["readiness"] += readiness_from_facts(now, NOW) is not None
        outcomes["overdue"] += bool(now.overdue_steps)
        outcomes["tickets"] += bool(now.open_issues)
        outcomes["requests"] += bool(now.open_requests)
        if (readiness := readiness_from_facts(now, NOW)) and readiness.behaves_like in ("Advocate", "Champion"):
            later.add(readiness.behaves_like)
    # The random book exercises every rule, not only the quiet one.
    assert all(count > 50 for count in outcomes.values()), outcomes
    assert later == {"Advocate", "Champion"}  # the later stages' call-outs are compared too


def test_attention_ranks_the_book_as_the_per_contact_path_does(random_book):
    rows = random_book.list_contacts()
    items = [item for history in random_book.histories([row.contact for row in rows])
             if (item := needs_attention(history, NOW))]
    ranked = sorted(items, key=lambda item: (-item.urgency, item.name.lower()))
    assert rank_book_attention(random_book, iter(rows), NOW, 25) == ranked[:25]
    assert rank_book_attention(random_book, rows, NOW) == ranked


def test_stage_suggest_from_grouped_figures_lists_who_the_per_contact_path_lists(random_book):
    rows = random_book.list_contacts()
    expected = [(h.contact.name, h.company.name if h.company else None, stage_at(h, NOW)[0].value, readiness)
                for h in random_book.histories([row.contact for row in rows])
                if (readiness := readiness_from_facts(facts_from_history(h, *stage_at(h, NOW), NOW), NOW))]
    assert list(book_readiness(random_book, rows, NOW)) == expected
    assert {r.direction for *_, r in expected} == {"ahead", "drifting"}


@pytest.mark.parametrize("limit", [1, 10, 25, 400])
def test_the_top_of_the_attention_list_is_found_without_reading_everyone_and_is_the_same(random_book, limit):
    rows = random_book.list_contacts()
    assert top_attention(random_book, NOW, limit) == rank_book_attention(random_book, rows, NOW, limit)


def test_people_of_the_same_name_rank_in_the_list_order_when_equally_urgent(random_book, tmp_path):
    # Names that differ only in case (ASCII or not) or not at all: ties broken as the contact list orders them.
    path = tmp_path / "book.db"
    with sqlite3.connect(random_book.path) as source, sqlite3.connect(path) as copy:
        source.backup(copy)
        names = ("Ann Lee", "ann lee", "ANN LEE", "Émile Roy", "émile roy", "Zoë Li")
        copy.executemany("UPDATE contact SET name = ? WHERE id = ?", [(names[n % 6], n) for n in range(1, 1200)])
    book = Reader.open(path)
    everyone = rank_book_attention(book, book.list_contacts(), NOW)
    assert len({item.name for item in everyone}) < 900  # many ties on urgency and name
    assert top_attention(book, NOW, len(everyone) + 1) == everyone
    assert top_attention(book, NOW, 40) == everyone[:40]


def test_the_top_of_a_filtered_attention_list_is_the_same_as_ranking_those_contacts(random_book):
    rows = random_book.list_contacts(stage="Adopter")
    assert top_attention(random_book, NOW, 15, stage="Adopter") == rank_book_attention(random_book, rows, NOW, 15)


def test_stage_suggest_reads_in_full_only_who_could_be_called_out_and_lists_the_same(random_book):
    assert list(book_call_outs(random_book, NOW)) == list(book_readiness(random_book, random_book.list_contacts(), NOW))
    company = random_book.list_contacts(company_id=7)
    assert list(book_call_outs(random_book, NOW, company_id=7)) == list(book_readiness(random_book, company, NOW))
