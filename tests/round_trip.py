"""For the export round-trip tests: a book's content table by table, with database ids replaced by natural
keys (two books holding the same records compare equal, however their ids were given), and an export read back."""

import sqlite3
from pathlib import Path

from typer.testing import CliRunner

from custview.cli.app import app

MERGE_TABLES = ("contact_alias", "company_alias", "merge_record")  # empty in a book nobody merged in


def book_content(db: Path, makers: bool = True) -> dict[str, list[tuple]]:
    """Every table's rows with database ids replaced by natural keys, sorted: equal books compare equal.
    Without `makers`, who made each record (kept by YAML and JSON exports, not by CSV) is left out (NULL)."""
    with sqlite3.connect(db) as connection:
        q = lambda sql: connection.execute(sql if makers else sql.replace("made_by", "NULL")).fetchall()  # noqa: E731
        contact = "(SELECT coalesce(email, name) FROM contact WHERE contact.id = {})"
        company = "(SELECT name FROM company WHERE company.id = {})"
        meeting = ("(SELECT " + contact.format("a.contact_id") + " || ' @ ' || a.scheduled_at "
                   "FROM appointment a WHERE a.id = {})")
        rank = "(SELECT count(*) FROM {0} o WHERE o.appointment_id = {0}.appointment_id AND o.id < {0}.id)"
        member = "(SELECT name FROM member WHERE member.id = {})"
        content = {
            "member": q("SELECT name, email, team, role FROM member"),
            "company": q("SELECT name, domain, industry, size, stage, health, summary, status, renewal_at, "
                         "contract_value, contract_currency, contract_arr, ended_at, end_reason, "
                         f"{member.format('owner_id')} FROM company"),
            "contact": q(f"SELECT name, email, phone, title, buying_role, {company.format('company_id')}, stage, "
                         "stage_since, preferred_channel, preferred_time, preferred_tone, context, "
                         f"{member.format('owner_id')} FROM contact"),
            "stage_change": q(f"SELECT {contact.format('contact_id')}, stage, previous_stage, changed_at, source, "
                              "made_by FROM stage_change"),
            "signal": q(f"SELECT {contact.format('contact_id')}, kind, title, topics, occurred_at, detail, source "
                        "FROM signal"),
            "appointment": q(f"SELECT {contact.format('contact_id')}, {company.format('company_id')}, purpose, kind, "
                             "scheduled_at, outcome, decisions, uid, made_by FROM appointment"),
            "attendee": q(f"SELECT {meeting.format('appointment_id')}, {rank.format('attendee')}, "
                          f"{contact.format('attendee.contact_id')}, name, role, {member.format('member_id')} "
                          "FROM attendee"),
            "next_step": q(f"SELECT {meeting.format('appointment_id')}, {rank.format('next_step')}, step, owner, "
                           f"due_at, done, made_by, {member.format('owner_id')} FROM next_step"),
            "ticket": q(f"SELECT ref, {contact.format('contact_id')}, {company.format('company_id')}, subject, "
                        f"description, status, priority, kind, opened_at, closed_at, made_by, {member.format('owner_id')} "
                        "FROM ticket"),
            "service": q(f"SELECT {company.format('company_id')}, name, status, start_at, end_at, owner, made_by, "
                         f"{member.format('owner_id')} FROM service"),
            "success_criterion": q(f"SELECT {company.format('company_id')}, metric, target, status, "
                                   "made_by FROM success_criterion"),
            "handover": q(f"SELECT {contact.format('contact_id')}, {company.format('company_id')}, "
                          f"{member.format('from_member_id')}, {member.format('to_member_id')}, handed_at, "
                          "steps_moved, made_by FROM handover"),
            "note": q(f"SELECT {contact.format('contact_id')}, {company.format('company_id')}, text, written_at, "
                      "author FROM note"),
            "contact_alias": q(f"SELECT {contact.format('contact_id')}, email FROM contact_alias"),
            "company_alias": q(f"SELECT {company.format('company_id')}, name, domain FROM company_alias"),
            "merge_record": q(f"SELECT kind, CASE kind WHEN 'contact' THEN {contact.format('kept_id')} "
                              f"ELSE {company.format('kept_id')} END, merged_name, merged_email, merged_domain, "
                              "merged_at FROM merge_record"),
        }
    return {table: sorted(rows, key=repr) for table, rows in content.items()}


def import_export(fmt: str, out: Path, db: Path):
    """Import what `export --format fmt --out out` wrote into `db`."""
    files = sorted(str(path) for path in out.iterdir())
    return CliRunner().invoke(app, ["--db", str(db), "import", *files, *(("--from", "custview") if fmt == "csv" else ()),
                                    "--json"])
