"""Import benchmarks for other tools' exports: a HubSpot contacts CSV (with companies) into an empty
book, and a Zendesk tickets CSV into the import base (100,000 contacts at default scale); each against
a plain sqlite3 `executemany` of the same rows into the same tables (benchmarks/reference/), with
peak memory for the whole file and half of it, and the dry run of the contacts file.

Run by benchmarks/run.py; as a script it writes the CSV files (in a child process, so that the
benchmark itself stays small): `imports.py hubspot PATH ROWS` or `imports.py zendesk PATH ROWS --book DB`.
"""

from __future__ import annotations

import csv
import random
import shutil
import sqlite3
import sys
from pathlib import Path

HUBSPOT_STAGES = ("subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity", "customer",
                  "evangelist")
FIRST = ("Ann", "Ben", "Chloe", "Dev", "Eva", "Farid", "Grace", "Hugo", "Ines", "Jon", "Kemi", "Liam")
LAST = ("Lee", "Berg", "Khan", "Novak", "Osei", "Park", "Reyes", "Silva", "Tanaka", "Weber", "Young", "Zhou")
TICKET_TYPES = ("Question", "Incident", "Problem", "Task", "")
STATUSES = ("New", "Open", "Pending", "Solved", "Closed")


def write_hubspot_contacts(path: Path, rows: int, seed: int = 11) -> None:
    """A HubSpot contacts export: a tenth of its rows share each company, one in twenty has no name."""
    rng = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8-sig") as out:
        writer = csv.writer(out)
        writer.writerow(("Record ID", "First Name", "Last Name", "Email", "Phone Number", "Job Title", "Company Name",
                         "Lifecycle Stage", "Create Date", "Contact owner"))
        for n in range(rows):
            named = rng.random() >= 0.05
            writer.writerow((10_000 + n, rng.choice(FIRST) if named else "", f"{rng.choice(LAST)}{n}" if named else "",
                             f"person{n}@company{n % (rows // 10 or 1)}.example", f"+1 555 {n:07d}", "Analyst",
                             f"Company {n % (rows // 10 or 1)} Inc.", rng.choice(HUBSPOT_STAGES), "2024-01-10 09:00",
                             "Dana Ortiz"))


def write_zendesk_tickets(path: Path, book: Path, rows: int, seed: int = 13) -> None:
    """A Zendesk tickets export about the contacts of `book` (one requester in fifty is not in it)."""
    with sqlite3.connect(book) as connection:
        people = connection.execute("SELECT c.name, c.email, co.name FROM contact c "
                                    "LEFT JOIN company co ON co.id = c.company_id ORDER BY c.id").fetchall()
    rng = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(("Id", "Requester", "Requester email", "Subject", "Description", "Status", "Priority",
                         "Ticket type", "Organization", "Created at", "Solved at", "Tags"))
        for n in range(rows):
            name, email, company = rng.choice(people)
            if rng.random() < 0.02:
                name, email, company = f"Visitor {n}", f"visitor{n}@elsewhere.example", ""
            status = rng.choice(STATUSES)
            writer.writerow((100_000 + n, name, email, f"Dashboard {n} shows the wrong totals", "", status,
                             rng.choice(("Low", "Normal", "High", "Urgent")), rng.choice(TICKET_TYPES), company or "",
                             f"2025-{1 + n % 12:02d}-{1 + n % 28:02d} 09:{n % 60:02d}",
                             "2025-12-30 10:00" if status in ("Solved", "Closed") else "",
                             " ".join(rng.sample(("billing", "dashboards", "sso", "export", "api"), 2))))


def import_figures(work: Path, base: Path, scale_rows: int, custview: list[str], env: dict[str, str], bench) -> list:
    """The contacts and tickets import figures (see the module docstring); `bench` is benchmarks/run.py."""
    empty = work / "empty.db"
    bench.run_once([*custview, "--db", str(empty), "add", "company", "Benchmark Seed"], env)
    figures = []
    for kind, target, reference, expect in (
            ("HubSpot contacts", empty, "plain_contacts_import.py", "contact"),
            ("Zendesk tickets", base, "plain_tickets_import.py", "ticket")):
        full, half = work / f"{expect}s.csv", work / f"{expect}s-half.csv"
        for path, rows in ((full, scale_rows), (half, scale_rows // 2)):
            arguments = ["hubspot", str(path), str(rows)] if expect == "contact" else \
                ["zendesk", str(path), str(rows), "--book", str(base)]
            bench.generate_with(Path(__file__), *arguments)

        def fresh(name: str, target: Path = target) -> Path:
            shutil.copyfile(target, work / name)
            return work / name

        plain = bench.run_once([sys.executable, str(bench.REFERENCE / reference), str(fresh("plain.db")), str(full)], env)
        ours = bench.run_once([*custview, "--db", str(fresh("ours.db")), "import", str(full), "--skip-invalid"], env)
        halfway = bench.run_once([*custview, "--db", str(fresh("half.db")), "import", str(half), "--skip-invalid"], env)
        _check_rows(work / "ours.db", work / "plain.db", expect)
        figures += bench.throughput_figures(f"import {scale_rows:,}-row {kind} CSV", scale_rows, ours, halfway, plain)
        if expect == "contact":
            dry = bench.run_once([*custview, "--db", str(fresh("dry.db")), "import", str(full), "--dry-run"], env)
            figures.append(bench.Figure(f"import {kind} --dry-run", f"{dry.seconds:,.1f} s, {dry.peak_mb:,.0f} MB peak",
                                        f"the import {ours.seconds:,.1f} s", f"{dry.seconds / ours.seconds:.2f}x",
                                        "<= 1.0x", dry.seconds <= ours.seconds * 1.1))
    return figures


def _check_rows(ours: Path, plain: Path, table: str) -> None:
    """Both loads must hold the same number of rows, or the comparison means nothing."""
    counts = []
    for db in (ours, plain):
        with sqlite3.connect(db) as connection:
            counts.append(connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    if counts[0] != counts[1]:
        raise RuntimeError(f"custview left {counts[0]:,} {table} rows, the plain load {counts[1]:,}")


if __name__ == "__main__":
    kind, target, count = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
    if kind == "hubspot":
        write_hubspot_contacts(target, count)
    else:
        write_zendesk_tickets(target, Path(sys.argv[5]), count)
