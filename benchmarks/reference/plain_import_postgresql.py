"""The baseline for importing signals into a server: a bare psycopg script loading the same CSV into the same table.

As plain_import.py (csv module in, email -> contact id from a dict, topics as JSON, times in UTC),
with one `executemany` in one transaction through psycopg. Usage: plain_import_postgresql.py URL CSV
"""

import sys

import psycopg

from plain_import import rows


def main(url: str, csv_path: str) -> None:
    with psycopg.connect(url, options="-c timezone=UTC") as db:
        contact_ids = {email.lower(): contact_id for contact_id, email in db.execute("SELECT id, email FROM contact")}
        with db.cursor() as cursor:
            cursor.executemany("INSERT INTO signal (contact_id, kind, title, topics, occurred_at, detail, source) "
                               "VALUES (%s, %s, %s, %s, %s, %s, %s)", rows(csv_path, contact_ids))
        print(db.execute("SELECT count(*) FROM signal").fetchone()[0], "signals")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
