"""The floor for `custview export --format json`: the same rows, with their natural keys, as JSON lines.

sqlite3 and json alone: every table custview exports, in id order, joined to the names its rows refer
to (a contact's email or name, a company's name), each row written as one line by `json.dumps` (the C
encoder, no indentation). No time conversion, no lists of attendees or stage history, no quoting
rules: the fastest honest dump of the same content.
Usage: plain_export.py DB OUT
"""

import json
import sqlite3
import sys

CONTACT = "COALESCE(NULLIF(c.email, ''), c.name) AS contact_key"
QUERIES = [
    "SELECT * FROM member ORDER BY id",
    "SELECT t.*, m.name AS owner FROM company t LEFT JOIN member m ON m.id = t.owner_id ORDER BY t.id",
    "SELECT t.*, co.name AS company FROM contact t LEFT JOIN company co ON co.id = t.company_id ORDER BY t.id",
    f"SELECT t.*, {CONTACT} FROM signal t LEFT JOIN contact c ON c.id = t.contact_id ORDER BY t.id",
    f"SELECT t.*, {CONTACT} FROM appointment t LEFT JOIN contact c ON c.id = t.contact_id ORDER BY t.id",
    f"SELECT t.*, {CONTACT} FROM attendee t LEFT JOIN contact c ON c.id = t.contact_id ORDER BY t.id",
    "SELECT * FROM next_step ORDER BY id",
    f"SELECT t.*, {CONTACT}, co.name AS company FROM ticket t LEFT JOIN contact c ON c.id = t.contact_id "
    "LEFT JOIN company co ON co.id = t.company_id ORDER BY t.id",
    "SELECT t.*, co.name AS company FROM service t LEFT JOIN company co ON co.id = t.company_id ORDER BY t.id",
    "SELECT * FROM stage_change ORDER BY id",
    f"SELECT t.*, {CONTACT} FROM note t LEFT JOIN contact c ON c.id = t.contact_id ORDER BY t.id",
]


def main(db_path: str, out_path: str) -> None:
    db = sqlite3.connect(db_path)
    rows = 0
    with open(out_path, "w", encoding="utf-8") as out:
        for sql in QUERIES:
            cursor = db.execute(sql)
            names = [column[0] for column in cursor.description]
            for row in cursor:
                out.write(json.dumps(dict(zip(names, row)), ensure_ascii=False) + "\n")
                rows += 1
    print(rows, "rows")


if __name__ == "__main__":
    main(*sys.argv[1:])
