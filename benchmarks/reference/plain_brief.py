"""The floor for `custview brief NAME`: the same queries as a bare sqlite3 script, printed plainly.

No Typer, no Rich, no custview: just Python starting, the queries the brief runs (the contact, and
for everyone at their company: stage changes, signals, appointments with attendees and next
steps, tickets, notes, services) and a few printed lines. Usage: plain_brief.py DB NAME
"""

import json
import sqlite3
import sys
from datetime import datetime, timezone


def utc(text):
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc) if text else None


def main(path: str, name: str) -> None:
    db = sqlite3.connect(f"file:{path}?mode=rw", uri=True)
    db.execute("PRAGMA query_only=ON")
    found = db.execute("SELECT * FROM contact WHERE name = ? OR email = ? ORDER BY name, id", (name, name)).fetchall()
    if not found:
        pattern = f"%{name}%"
        found = db.execute("SELECT * FROM contact NOT INDEXED WHERE name LIKE ? OR email LIKE ? ORDER BY name, id",
                           (pattern, pattern)).fetchall()
    contact = found[0]
    contact_id, company_id = contact[0], contact[6]
    people = db.execute("SELECT * FROM contact WHERE company_id = ? ORDER BY name, id", (company_id,)).fetchall()
    ids = [p[0] for p in people]
    marks = ", ".join("?" * len(ids))
    company = db.execute("SELECT * FROM company WHERE id = ?", (company_id,)).fetchone()
    services = db.execute("SELECT * FROM service WHERE company_id = ? ORDER BY id", (company_id,)).fetchall()
    changes = db.execute(f"SELECT * FROM stage_change WHERE contact_id IN ({marks}) ORDER BY changed_at, id", ids).fetchall()
    signals = [(row[:4], json.loads(row[4]), utc(row[5])) for row in db.execute(
        f"SELECT * FROM signal WHERE contact_id IN ({marks}) ORDER BY occurred_at DESC, id DESC", ids)]
    attended = [a for (a,) in db.execute(f"SELECT appointment_id FROM attendee WHERE contact_id IN ({marks})", ids)]
    appointments = db.execute(f"SELECT * FROM appointment WHERE contact_id IN ({marks})", ids).fetchall()
    appointments += db.execute(f"SELECT * FROM appointment WHERE id IN ({', '.join('?' * len(attended))})", attended).fetchall()
    appointment_ids = [a[0] for a in appointments]
    a_marks = ", ".join("?" * len(appointment_ids))
    attendees = db.execute(f"SELECT * FROM attendee WHERE appointment_id IN ({a_marks}) ORDER BY id", appointment_ids).fetchall()
    steps = db.execute(f"SELECT * FROM next_step WHERE appointment_id IN ({a_marks}) ORDER BY id", appointment_ids).fetchall()
    tickets = db.execute(f"SELECT * FROM ticket WHERE contact_id IN ({marks})", ids).fetchall()
    tickets += db.execute("SELECT * FROM ticket WHERE company_id = ?", (company_id,)).fetchall()
    notes = db.execute(f"SELECT * FROM note WHERE contact_id IN ({marks})", ids).fetchall()
    notes += db.execute("SELECT * FROM note WHERE company_id = ?", (company_id,)).fetchall()
    mine = [s for s in signals if s[0][1] == contact_id]
    print(f"{contact[1]} <{contact[2]}> · {contact[4]} · {company[1]} · {contact[7]}")
    print(f"{len(mine)} signals, latest {mine[0][2]:%d %b %Y}: {mine[0][0][3]}" if mine else "no signals")
    print(f"{len(people)} people, {len(changes)} stage changes, {len(signals)} signals, {len(appointments)} appointments, "
          f"{len(attendees)} attendees, {len(steps)} next steps, {len(tickets)} tickets, {len(notes)} notes, "
          f"{len(services)} services at the account")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
