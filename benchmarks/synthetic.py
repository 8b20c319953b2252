"""A synthetic book of business, as big as a team lead's years of exports, written straight into SQLite.

The schema is made by custview itself (`Store.ensure_schema`, i.e. the SQLModel tables); the rows
are written with plain `sqlite3.executemany`, indexes dropped first and rebuilt at the end, so a
book of a million signals takes seconds to make. Everything is seeded: the same scale gives the
same book.

Every book also holds the same "benchmark account": Benchmark Industries, ten people with a fixed
history, among them Quinn Benchmark, the contact the benchmarks brief. Because that account is the
same in every book, the brief's time at different book sizes shows the cost of the book's size alone.
"""

from __future__ import annotations

import csv
import itertools
import json
import random
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from custview.evidence import evidence_of

SUBJECT_NAME = "Quinn Benchmark"
SUBJECT_EMAIL = "quinn.benchmark@benchmark.example"
SUBJECT_COMPANY = "Benchmark Industries"

STAGES = ("Audience", "Researcher", "Hand Raiser", "Buyer", "Value Creator", "Adopter", "Advocate", "Champion")
STAGE_WEIGHTS = (30, 20, 10, 8, 10, 12, 6, 4)
SIGNAL_KINDS = ("content", "content", "content", "email", "event", "webinar", "office hours", "form",
                "assessment", "product usage")
TOPICS = ("ERP integration", "Data quality", "Pricing", "Security", "Governance", "Case study", "NetSuite",
          "Forecasting", "Alerting", "Onboarding", "Business case", "Compliance", "Signal maturity", "SSO")
TICKET_SUBJECTS = (
    "Export fails on large files", "Can we also add SSO?", "How do roles work?", "Dashboard slow with history",
    "Can we also roll this out to another team?", "Sync error on custom fields", "Which fields does scoring need?",
    "Best practice for alert thresholds?", "Report totals off by one day", "Feed arrives late",
)
APPOINTMENT_KINDS = ("discovery", "implementation", "check-in", "review", "strategic", "other")
FIRST = ("Ann", "Ben", "Chloe", "Dev", "Eva", "Farid", "Grace", "Hugo", "Ines", "Jon", "Kemi", "Liam", "Mei",
         "Nora", "Omar", "Priya", "Rosa", "Sam", "Tariq", "Uma", "Vik", "Wen", "Yara", "Zane")
LAST = ("Lee", "Berg", "Khan", "Novak", "Osei", "Park", "Reyes", "Silva", "Tanaka", "Weber", "Young", "Zhou",
        "Adams", "Brooks", "Costa", "Dubois", "Evans", "Fischer", "Garcia", "Haddad")


@dataclass(frozen=True)
class Size:
    """How many rows of each kind a book has."""

    contacts: int
    companies: int
    signals: int
    tickets: int
    appointments: int

    def scaled(self, fraction: float) -> Size:
        """The same proportions, `fraction` as big (at least the benchmark account's company)."""
        return Size(*(max(1, round(getattr(self, name) * fraction)) for name in self.__dataclass_fields__))


SCALES = {
    "small": Size(contacts=10_000, companies=1_000, signals=100_000, tickets=20_000, appointments=10_000),
    "default": Size(contacts=100_000, companies=10_000, signals=1_000_000, tickets=200_000, appointments=100_000),
    "large": Size(contacts=1_000_000, companies=100_000, signals=10_000_000, tickets=2_000_000, appointments=1_000_000),
}

# The columns each row below gives, by name: a column added to the schema later keeps its default.
COLUMNS = {
    "company": ("id", "name", "domain", "industry", "size", "stage", "health", "summary"),
    "contact": ("id", "name", "email", "phone", "title", "buying_role", "company_id", "stage", "stage_since",
                "preferred_channel", "preferred_time", "preferred_tone", "context"),
    "stage_change": ("id", "contact_id", "stage", "previous_stage", "changed_at", "source"),
    "signal": ("id", "contact_id", "kind", "title", "topics", "occurred_at", "detail", "source", "evidence"),
    "appointment": ("id", "contact_id", "company_id", "purpose", "kind", "scheduled_at", "outcome", "decisions"),
    "attendee": ("id", "appointment_id", "contact_id", "name", "role"),
    "next_step": ("id", "appointment_id", "step", "owner", "due_at", "done"),
    "ticket": ("id", "ref", "contact_id", "company_id", "subject", "description", "status", "priority", "kind",
               "opened_at", "closed_at"),
    "service": ("id", "company_id", "name", "status", "start_at", "end_at", "owner"),
    "note": ("id", "contact_id", "company_id", "text", "written_at", "author"),
}

NOW = datetime.now(timezone.utc).replace(microsecond=0)
SPAN_DAYS = 3 * 365
_NAIVE_NOW = NOW.replace(tzinfo=None)


def stored(moment: datetime) -> str:
    """A datetime the way SQLModel stores it: UTC, no offset, microseconds."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment.isoformat(" ", "microseconds")


class _Book:
    """Makes the rows of one book; ids are assigned here so rows can refer to each other."""

    def __init__(self, size: Size, seed: int):
        self.size = size
        self.rng = random.Random(seed)
        self.rows: dict[str, list[tuple]] = {}

    def ago(self, rng: random.Random | None = None, days: float = SPAN_DAYS) -> datetime:
        """A moment in the past (UTC, naive), more often recent than old."""
        rng = rng or self.rng
        return _NAIVE_NOW - timedelta(days=days * rng.random() ** 1.6, seconds=rng.randrange(86_400))

    def build(self) -> dict[str, Iterable[tuple]]:
        """Every row of the book, by table (the signals as a stream: there may be millions)."""
        account_people = self._benchmark_account()
        self._companies()
        self._contacts()
        others = list(range(account_people + 1, self.size.contacts + account_people + 1))
        weights = [self.rng.lognormvariate(0, 1.0) for _ in others]
        self._tickets(others, weights)
        self._appointments(others, weights)
        self._notes_and_services()
        return self.rows | {"signal": itertools.chain(self.rows["signal"], self._signals(others, weights))}

    def add(self, table: str, row: tuple) -> None:
        """One row for a table (ids are given explicitly)."""
        self.rows.setdefault(table, []).append(row)

    # The benchmark account: company 1, contacts 1-10, with their own fixed random generator.
    def _benchmark_account(self) -> int:
        rng = random.Random(2026)
        self.add("company", (1, SUBJECT_COMPANY, "benchmark.example", "Manufacturing", "1000-5000", "Adopter",
                             "watch", "The account every benchmark briefs."))
        people = [(SUBJECT_NAME, SUBJECT_EMAIL)] + [
            (f"{FIRST[i]} Benchmark", f"{FIRST[i].lower()}.benchmark@benchmark.example") for i in range(9)]
        for contact_id, (name, email) in enumerate(people, start=1):
            stage = STAGES[rng.randrange(1, 7)]
            since = self.ago(rng, 200)
            self.add("contact", (contact_id, name, email, "+1 555 0100", "Head of Operations", "evaluator", 1, stage,
                                 stored(since), "email", "mornings", "direct", "Benchmark contact."))
            self.add("stage_change", (None, contact_id, stage, "Audience", stored(since), "import"))
            for _ in range(40 if contact_id == 1 else 15):
                self._signal(contact_id, rng, days=365)
            for _ in range(4 if contact_id == 1 else 1):
                self._appointment(contact_id, 1, rng, days=120)
            for n in range(3 if contact_id == 1 else 1):
                self._ticket(contact_id, 1, rng, open_=n < 2)
            self.add("note", (None, contact_id, None, f"Benchmark note about {name}.", stored(self.ago(rng, 90)), "Dana Ortiz"))
        self.add("service", (None, 1, "Benchmark rollout", "active", stored(self.ago(rng, 200)), None, "Dana Ortiz"))
        return len(people)

    def _companies(self) -> None:
        for company_id in range(2, self.size.companies + 2):
            self.add("company", (company_id, f"Company {company_id:06d}", f"co{company_id}.example",
                                 self.rng.choice(("Logistics", "Retail", "Energy", "Healthcare", "Finance")),
                                 self.rng.choice(("50-200", "200-500", "1000-5000")), self.rng.choice(STAGES),
                                 self.rng.choice(("healthy", "watch", "at risk", None)), "A synthetic company."))

    def _contacts(self) -> None:
        first_id = len(self.rows["contact"]) + 1
        companies = list(range(2, self.size.companies + 2))
        # A few large accounts among many small ones.
        company_weights = [10.0 if self.rng.random() < 0.01 else 1.0 for _ in companies]
        chosen = self.rng.choices(companies, company_weights, k=self.size.contacts)
        stages = self.rng.choices(STAGES, STAGE_WEIGHTS, k=self.size.contacts)
        for offset, (company_id, stage) in enumerate(zip(chosen, stages)):
            contact_id = first_id + offset
            first, last = self.rng.choice(FIRST), self.rng.choice(LAST)
            since = self.ago()
            self.add("contact", (contact_id, f"{first} {last}", f"{first}.{last}.{contact_id}@co{company_id}.example".lower(),
                                 None, "Analyst", self.rng.choice(("user", "evaluator", "economic buyer", None)),
                                 company_id, stage, stored(since), None, None, None, None))
            self.add("stage_change", (None, contact_id, stage, "Audience", stored(since), "import"))

    def _signal_row(self, contact_id: int, rng: random.Random, days: float = SPAN_DAYS) -> tuple:
        kind = rng.choice(SIGNAL_KINDS)
        topics = rng.sample(TOPICS, rng.randrange(1, 4))
        detail = f"Asked: does it support {topics[0]}?" if kind in ("office hours", "email") and rng.random() < 0.3 else None
        title = f"{kind.title()}: {topics[0]}"
        return (None, contact_id, kind, title, json.dumps(topics), stored(self.ago(rng, days)), detail, "website",
                evidence_of(kind, title, topics, detail))

    def _signal(self, contact_id: int, rng: random.Random, days: float = SPAN_DAYS) -> None:
        self.add("signal", self._signal_row(contact_id, rng, days))

    def _signals(self, contacts: list[int], weights: list[float]) -> Iterator[tuple]:
        # Made fast enough for millions of rows: contacts drawn at once, contents from a pool.
        rng = self.rng
        remaining = max(0, self.size.signals - len(self.rows.get("signal", [])))
        pool = [(row[2], row[3], row[4], row[6], row[8]) for row in (self._signal_row(0, rng) for _ in range(1009))]
        span_seconds = SPAN_DAYS * 86_400
        for contact_id in rng.choices(contacts, weights, k=remaining):
            kind, title, topics, detail, evidence = pool[int(rng.random() * 1009)]
            moment = _NAIVE_NOW - timedelta(seconds=span_seconds * rng.random() ** 1.6)
            yield (None, contact_id, kind, title, topics, moment.isoformat(" ", "microseconds"), detail, "website",
                   evidence)

    def _ticket(self, contact_id: int, company_id: int, rng: random.Random, open_: bool | None = None) -> None:
        opened = self.ago(rng)
        is_open = rng.random() < 0.15 if open_ is None else open_
        self.add("ticket", (None, None, contact_id, company_id, rng.choice(TICKET_SUBJECTS), None,
                            "open" if is_open else "closed", rng.choice(("low", "normal", "normal", "high", "urgent")),
                            None, stored(opened), None if is_open else stored(opened + timedelta(days=rng.randrange(1, 30)))))

    def _tickets(self, contacts: list[int], weights: list[float]) -> None:
        company_of = {row[0]: row[6] for row in self.rows["contact"]}
        remaining = self.size.tickets - len(self.rows.get("ticket", []))
        for contact_id in self.rng.choices(contacts, weights, k=max(0, remaining)):
            self._ticket(contact_id, company_of[contact_id], self.rng)

    def _appointment(self, contact_id: int, company_id: int, rng: random.Random, days: float = SPAN_DAYS) -> None:
        appointment_id = len(self.rows.get("appointment", [])) + 1
        when = self.ago(rng, days)
        self.add("appointment", (appointment_id, contact_id, company_id, "Review progress and next steps",
                                 rng.choice(APPOINTMENT_KINDS), stored(when), "Agreed on the next steps.",
                                 json.dumps(["Keep weekly syncs"])))
        self.add("attendee", (None, appointment_id, contact_id, "Customer", "evaluator"))
        self.add("attendee", (None, appointment_id, None, "Dana Ortiz (us)", "account manager"))
        due = when + timedelta(days=rng.randrange(1, 21))
        self.add("next_step", (None, appointment_id, "Send the summary", "Dana Ortiz", stored(due), due < _NAIVE_NOW and rng.random() < 0.7))

    def _appointments(self, contacts: list[int], weights: list[float]) -> None:
        company_of = {row[0]: row[6] for row in self.rows["contact"]}
        remaining = self.size.appointments - len(self.rows.get("appointment", []))
        for contact_id in self.rng.choices(contacts, weights, k=max(0, remaining)):
            self._appointment(contact_id, company_of[contact_id], self.rng)

    def _notes_and_services(self) -> None:
        for company_id in range(2, self.size.companies + 2):
            if self.rng.random() < 0.5:
                self.add("service", (None, company_id, "Signal pipeline", self.rng.choice(("planned", "active", "at risk", "delivered")),
                                     stored(self.ago()), None, "Dana Ortiz"))
            if self.rng.random() < 0.5:
                self.add("note", (None, None, company_id, "Budget cycle starts in January.", stored(self.ago()), "Dana Ortiz"))


def create_schema(path: Path) -> None:
    """An empty custview database, made by custview itself (the SQLModel tables and indexes)."""
    from custview.db.writer import Store

    Store.open(path).ensure_schema()


def write_book(path: Path, size: Size, seed: int = 1, tables: tuple[str, ...] | None = None) -> None:
    """Make a book of `size` at `path`: custview's schema, rows loaded in bulk, indexes rebuilt at the end.

    `tables` limits which tables get rows (e.g. only companies and contacts, as a base to import into).
    """
    for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        leftover.unlink(missing_ok=True)
    create_schema(path)
    rows = _Book(size, seed).build()
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA synchronous=OFF")  # a throw-away file: speed over durability
        indexes = connection.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL").fetchall()
        connection.execute("BEGIN")
        for name, _ in indexes:
            connection.execute(f'DROP INDEX "{name}"')
        for table, table_rows in rows.items():
            if tables is None or table in tables:
                columns = COLUMNS[table]
                connection.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                                       table_rows)
        for _, sql in indexes:
            connection.execute(sql)
        connection.execute("COMMIT")
    finally:
        connection.close()


def busiest_contact(path: Path) -> str:
    """The email of the contact with the most signals in the book."""
    with sqlite3.connect(path) as connection:
        return connection.execute(
            "SELECT email FROM contact WHERE id = (SELECT contact_id FROM signal GROUP BY contact_id "
            "ORDER BY count(*) DESC LIMIT 1)").fetchone()[0]


def rarest_stage(path: Path) -> tuple[str, int]:
    """The Value Path stage fewest contacts are in, and how many (a list a person might still read)."""
    with sqlite3.connect(path) as connection:
        return connection.execute("SELECT stage, count(*) FROM contact GROUP BY stage ORDER BY count(*) LIMIT 1").fetchone()


def write_signals_csv(path: Path, book: Path, rows: int, seed: int = 7) -> None:
    """A custview signals CSV (contact,kind,title,topics,at,detail,source) about the contacts of `book`."""
    with sqlite3.connect(book) as connection:
        emails = [email for (email,) in connection.execute("SELECT email FROM contact ORDER BY id")]
    rng = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(("contact", "kind", "title", "topics", "at", "detail", "source"))
        for n in range(rows):
            kind = rng.choice(SIGNAL_KINDS)
            topics = rng.sample(TOPICS, rng.randrange(1, 4))
            moment = NOW - timedelta(days=SPAN_DAYS * rng.random(), seconds=n % 86_400)
            writer.writerow((rng.choice(emails), kind, f"{kind.title()} {n}: {topics[0]}", ";".join(topics),
                             moment.isoformat(), "Asked a question" if rng.random() < 0.1 else "", "export"))


def main(argv: list[str] | None = None) -> None:
    """Command line, so the benchmark can make books in a child process and stay small itself
    (a child's peak memory counts its parent's at the moment it was started)."""
    import argparse

    parser = argparse.ArgumentParser(description="Write a synthetic custview book or signals CSV.")
    commands = parser.add_subparsers(dest="command", required=True)
    book = commands.add_parser("book", help="write a book")
    book.add_argument("path", type=Path)
    book.add_argument("--scale", choices=list(SCALES), default="default")
    book.add_argument("--fraction", type=float, default=1.0, help="this share of the scale's row counts")
    book.add_argument("--only", default=None, help="comma-separated tables to fill (e.g. company,contact)")
    signals = commands.add_parser("csv", help="write a custview signals CSV about a book's contacts")
    signals.add_argument("path", type=Path)
    signals.add_argument("--book", type=Path, required=True)
    signals.add_argument("--rows", type=int, required=True)
    args = parser.parse_args(argv)
    if args.command == "book":
        tables = tuple(args.only.split(",")) if args.only else None
        write_book(args.path, SCALES[args.scale].scaled(args.fraction), tables=tables)
    else:
        write_signals_csv(args.path, args.book, args.rows)


if __name__ == "__main__":
    main()
