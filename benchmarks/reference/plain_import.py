"""The baseline for importing signals: a bare script loading a custview signals CSV into the same table.

csv module in, email -> contact id from a dict, rows stored the way custview stores them (topics
as JSON, times in UTC), one `executemany` in one transaction, the signal table's indexes dropped
first and built again at the end. No checks, no duplicates handling: the fastest honest load.
Usage: plain_import.py DB CSV
"""

import csv
import json
import sqlite3
import sys
from datetime import datetime, timezone


def rows(path: str, contact_ids: dict):
    with open(path, newline="", encoding="utf-8") as source:
        for record in csv.DictReader(source):
            moment = datetime.fromisoformat(record["at"])
            moment = moment.astimezone(timezone.utc).replace(tzinfo=None) if moment.tzinfo else moment
            yield (contact_ids[record["contact"].lower()], record["kind"], record["title"],
                   json.dumps([t.strip() for t in record["topics"].split(";") if t.strip()]),
                   moment.isoformat(" ", "microseconds"), record["detail"] or None, record["source"] or None)


def main(db_path: str, csv_path: str) -> None:
    db = sqlite3.connect(db_path, isolation_level=None)
    contact_ids = {email.lower(): contact_id for contact_id, email in db.execute("SELECT id, email FROM contact")}
    indexes = db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'signal' "
                         "AND sql IS NOT NULL").fetchall()
    db.execute("BEGIN IMMEDIATE")
    for name, _ in indexes:
        db.execute(f'DROP INDEX "{name}"')
    db.executemany("INSERT INTO signal (contact_id, kind, title, topics, occurred_at, detail, source) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?)", rows(csv_path, contact_ids))
    for _, sql in indexes:
        db.execute(sql)
    db.execute("COMMIT")
    print(db.execute("SELECT count(*) FROM signal").fetchone()[0], "signals")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
