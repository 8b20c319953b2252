"""The baseline for importing a HubSpot contacts export: a bare script loading it into the same tables.

csv module in, companies by name from a dict (new ones inserted), HubSpot lifecycle stages turned
into Value Path stages from a dict, rows stored the way custview stores them: each contact with
its first stage-history entry. One transaction, `executemany`, the tables' indexes dropped first
and built again at the end. No checks, no matching with what the book holds: the fastest honest load.
Usage: plain_contacts_import.py DB CSV
"""

import csv
import sqlite3
import sys
from datetime import datetime, timezone

STAGES = {"subscriber": "Audience", "lead": "Researcher", "marketingqualifiedlead": "Hand Raiser",
          "salesqualifiedlead": "Hand Raiser", "opportunity": "Buyer", "customer": "Value Creator",
          "evangelist": "Advocate", "other": "Audience"}
TABLES = ("company", "contact", "stage_change")


def main(db_path: str, csv_path: str) -> None:
    db = sqlite3.connect(db_path, isolation_level=None)
    db.execute("BEGIN IMMEDIATE")
    indexes = db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                         f"AND tbl_name IN {TABLES}").fetchall()
    for name, _ in indexes:
        db.execute(f'DROP INDEX "{name}"')
    companies = {name.lower(): company_id for company_id, name in db.execute("SELECT id, name FROM company")}
    now = datetime.now(timezone.utc).replace(tzinfo=None).isoformat(" ", "microseconds")
    next_contact = db.execute("SELECT coalesce(max(id), 0) + 1 FROM contact").fetchone()[0]
    contacts, changes = [], []
    with open(csv_path, newline="", encoding="utf-8-sig") as source:
        for record in csv.DictReader(source):
            company = record["Company Name"]
            company_id = companies.get(company.lower())
            if company_id is None and company:
                company_id = companies[company.lower()] = db.execute(
                    "INSERT INTO company (name) VALUES (?)", (company,)).lastrowid
            stage = STAGES[record["Lifecycle Stage"].lower()]
            contacts.append((next_contact, f"{record['First Name']} {record['Last Name']}", record["Email"].lower(),
                             record["Phone Number"] or None, record["Job Title"] or None, company_id, stage, now))
            changes.append((next_contact, stage, now))
            next_contact += 1
    db.executemany("INSERT INTO contact (id, name, email, phone, title, company_id, stage, stage_since, name_derived) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)", contacts)
    db.executemany("INSERT INTO stage_change (contact_id, stage, changed_at, source) VALUES (?, ?, ?, 'import')",
                   changes)
    for _, sql in indexes:
        db.execute(sql)
    db.execute("COMMIT")
    print(db.execute("SELECT count(*) FROM contact").fetchone()[0], "contacts")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
