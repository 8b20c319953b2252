"""The baseline for importing a Zendesk tickets export: a bare script loading it into the same table.

csv module in, requesters' contact ids by email and companies by name from dicts, statuses, kinds
and tags turned into custview's values from dicts, times stored the way custview stores them
(UTC, no offset); one transaction, `executemany`, the ticket table's indexes dropped first and
built again at the end. No checks, no matching with tickets already there: the fastest honest load.
Usage: plain_tickets_import.py DB CSV
"""

import csv
import json
import sqlite3
import sys
from datetime import datetime

STATUS = {"new": "open", "open": "open", "pending": "pending", "hold": "pending", "solved": "closed", "closed": "closed"}
KIND = {"question": "question", "incident": "issue", "problem": "issue", "task": "task"}


def stored(text: str) -> str | None:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").isoformat(" ", "microseconds") if text else None


def rows(path: str, contacts: dict, companies: dict):
    with open(path, newline="", encoding="utf-8") as source:
        for r in csv.DictReader(source):
            email = r["Requester email"].lower()
            contact = contacts.get(email)
            yield (f"zendesk-{r['Id']}", contact[0] if contact else None,
                   companies.get(r["Organization"].lower()) or (contact[1] if contact else None), r["Subject"],
                   r["Description"] or None, STATUS[r["Status"].lower()], r["Priority"].lower(),
                   KIND.get(r["Ticket type"].lower()), json.dumps(r["Tags"].split()), stored(r["Created at"]),
                   stored(r["Solved at"]), None if contact else email, None if contact else r["Requester"])


def main(db_path: str, csv_path: str) -> None:
    db = sqlite3.connect(db_path, isolation_level=None)
    contacts = {email: (i, company) for i, email, company in db.execute("SELECT id, email, company_id FROM contact")}
    companies = {name.lower(): i for i, name in db.execute("SELECT id, name FROM company")}
    indexes = db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'ticket' "
                         "AND sql IS NOT NULL").fetchall()
    db.execute("BEGIN IMMEDIATE")
    for name, _ in indexes:
        db.execute(f'DROP INDEX "{name}"')
    db.executemany("INSERT INTO ticket (ref, contact_id, company_id, subject, description, status, priority, kind, "
                   "topics, opened_at, closed_at, requester_email, requester_name) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows(csv_path, contacts, companies))
    for _, sql in indexes:
        db.execute(sql)
    db.execute("COMMIT")
    print(db.execute("SELECT count(*) FROM ticket").fetchone()[0], "tickets")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
