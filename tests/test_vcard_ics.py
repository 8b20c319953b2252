"""vCard and iCalendar import (`custview next-steps` and its calendar to-dos are in test_next_steps.py).

The fixtures in tests/fixtures/calendar/ look like real exports: a vCard 3.0 file as Apple
Contacts writes it (CRLF, folded lines, `type=pref`, a company card), a vCard 4.0 file as
Nextcloud writes it (LF, `PREF=1`, `tel:` URIs, `KIND:org` and `KIND:group` cards), and a Google
Calendar export with a recurring event (EXDATE, a moved occurrence, a DST change), an endless
monthly series, an all-day event, a cancelled one and two without a known contact.
"""

import json
import sqlite3
import subprocess
import sys
import textwrap
import time
from datetime import datetime, timezone

import pytest

from conftest import FIXTURES, dump
from custview.importers import ics_source

CALENDAR = FIXTURES / "calendar"
V3 = CALENDAR / "contacts-v3.vcf"
V4 = CALENDAR / "contacts-v4.vcf"
MEETINGS = CALENDAR / "meetings.ics"
# Recurring events are expanded from a year before the import to 90 days after: fix "now" so the
# counts below do not depend on the day the tests run.
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def fixed_now(monkeypatch):
    monkeypatch.setattr(ics_source, "utc_now", lambda: NOW)


def counts(result):
    assert result.exit_code == 0, result.output
    return {kind: c for kind, c in json.loads(result.stdout)["counts"].items() if c}


def errors(result):
    return [line for line in result.stderr.splitlines() if line.startswith("error:")]


def rows(db, sql, *args):
    with sqlite3.connect(db) as connection:
        return connection.execute(sql, args).fetchall()


def contact(db, email):
    (row,) = rows(db, "SELECT contact.name, phone, title, company.name, context FROM contact "
                      "LEFT JOIN company ON company.id = company_id WHERE email = ?", email)
    return row


# -- vCard ---------------------------------------------------------------------------------------


def test_vcard_3_adds_people_updates_known_ones_and_creates_the_companies_it_names(cli, book):
    assert counts(cli("import", str(V3), "--json")) == {
        "companies": {"created": 1}, "contacts": {"created": 2, "updated": 1}}
    name, phone, title, company, context = contact(book, "juergen.mueller@acme.example")
    assert (name, phone, title, company) == ("Dr. Jürgen Müller", "+49 170 1234567", "VP Engineering", "Acme Analytics")
    assert context == ("Met at the Berlin data summit. Wants the audit trail export for the warehouse team; "
                       "asked for a demo in the spring.\nOther emails: jm@mailbox.example\nOther phones: +49 30 555 0100")
    assert contact(book, "ann.lee@acme.example")[1] == "+1 415 555 0199"  # the phone Ann Lee lacked
    # The company card and "ORG:Greenfield Energy" are the same company (legal suffix ignored).
    assert contact(book, "siobhan@greenfield.example")[:4] == (
        "Siobhán Ní Bhriain", "+353 87 123 4567", "Operations Lead", "Greenfield Energy Ltd.")
    assert rows(book, "SELECT domain FROM company WHERE name = 'Greenfield Energy Ltd.'") == [("greenfield.example",)]


def test_vcard_4_keeps_the_preferred_email_reads_tel_uris_and_leaves_group_cards_out(cli, book):
    assert counts(cli("import", str(V4), "--json")) == {
        "companies": {"created": 1}, "contacts": {"created": 2, "unchanged": 1}}
    name, phone, title, company, context = contact(book, "hanako.yamada@borealis.example")
    assert (name, phone, title, company) == ("山田 花子", "+81-90-1234-5678", "Head of Purchasing", "Borealis Foods")
    assert context == ("Prefers written summaries after each call. Asked whether the signal pipeline can read the "
                       "Borealis order system, and when SSO is coming.\nOther emails: hanako@example.jp")
    # A name folded across two lines, with non-ASCII letters; ORG "Nordlicht Logistik" is the KIND:org card's company.
    assert contact(book, "max.schoenberg@nordlicht.example")[:4] == (
        "Maximilian Alexander Graf von Schönberg-Überlingen zu Nordlicht-Ostseeküste", "+49-40-555-0199",
        "Leiter Einkauf", "Nordlicht Logistik GmbH")
    assert rows(book, "SELECT count(*) FROM contact WHERE name = 'Summit leads'") == [(0,)]


def test_reimporting_address_books_changes_nothing(cli, book):
    counts(cli("import", str(V3), str(V4), "--json"))
    before = dump(book)
    assert counts(cli("import", str(V3), str(V4), "--json")) == {
        "companies": {"unchanged": 2}, "contacts": {"unchanged": 6}}
    assert dump(book) == before


def test_an_address_book_into_an_empty_database_creates_every_company_it_names(cli, db):
    assert counts(cli("import", str(V3), "--json")) == {"companies": {"created": 2}, "contacts": {"created": 3}}
    assert rows(db, "SELECT name FROM company ORDER BY name") == [("Acme Analytics",), ("Greenfield Energy Ltd.",)]


def test_a_character_cut_in_two_by_a_line_fold_is_joined_again(cli, db, tmp_path):
    line = "FN:Zoë Ångström".encode()
    cut = line.index("Å".encode()) + 1  # between the two bytes of "Å", as some exporters fold
    card = b"BEGIN:VCARD\r\nVERSION:3.0\r\n" + line[:cut] + b"\r\n " + line[cut:] + b"\r\nEND:VCARD\r\n"
    (tmp_path / "split.vcf").write_bytes(card)
    assert counts(cli("import", str(tmp_path / "split.vcf"), "--json")) == {"contacts": {"created": 1}}
    assert rows(db, "SELECT name FROM contact") == [("Zoë Ångström",)]


BROKEN_VCARDS = {
    "cut short": ("BEGIN:VCARD\nVERSION:3.0\nFN:Ann Lee\nEND:VCARD\nBEGIN:VCARD\nVERSION:4.0\nFN:Bo Chen\n",
                  "broken.vcf:5: broken vCard file: BEGIN:VCARD has no END:VCARD (is the file cut short?)"),
    "a line that is no property": (
        "BEGIN:VCARD\nVERSION:3.0\nFN:Ann Lee\nthis line is broken\nEND:VCARD\n",
        "broken.vcf:4: broken vCard: cannot read the line 'this line is broken' (expected NAME:value)"),
    "ends the wrong thing": ("BEGIN:VCARD\nVERSION:3.0\nFN:Ann Lee\nEND:VCALENDAR\n",
                             "broken.vcf:4: broken vCard file: END:VCALENDAR, but VCARD (begun on line 1) has no END:VCARD"),
    "not a vCard": ("contacts:\n  - name: Ann Lee\n",
                    "broken.vcf:1: not a vCard file: expected BEGIN:VCARD, found 'contacts:'"),
    "neither name nor email": ("BEGIN:VCARD\nVERSION:3.0\nTEL:+1 555 0100\nEND:VCARD\n",
                "broken.vcf:1: FN: missing (required)"),
    "bad email": ("BEGIN:VCARD\nVERSION:3.0\nFN:Ann Lee\nEND:VCARD\nBEGIN:VCARD\nVERSION:4.0\nFN:Bo Chen\n"
                  "EMAIL:bo-at-example\nEND:VCARD\n",
                  "broken.vcf:5: EMAIL: 'bo-at-example' is not an email address"),
    "empty": ("\n", "broken.vcf: empty file (expected BEGIN:VCARD … END:VCARD)"),
}


@pytest.mark.parametrize("case", BROKEN_VCARDS)
def test_a_broken_vcard_gets_one_clear_line_and_changes_nothing(cli, book, tmp_path, case):
    text, problem = BROKEN_VCARDS[case]
    (tmp_path / "broken.vcf").write_text(text, encoding="utf-8")
    before = dump(book)
    result = cli("import", str(tmp_path / "broken.vcf"))
    assert result.exit_code == 1
    assert errors(result) == [f"error: {tmp_path}/{problem}"]
    assert dump(book) == before


def test_a_windows_1252_vcard_21_with_quoted_printable_values_is_decoded_and_said_so(cli, book, tmp_path):
    card = (b"BEGIN:VCARD\r\nVERSION:2.1\r\nN:Dubois;Ren\xe9e\r\nFN:Ren\xe9e Dubois\r\n"
            b"TITLE;CHARSET=UTF-8;ENCODING=quoted-printable:Directrice g=C3=A9n=C3=A9rale=E2=80=A6\r\n"
            b"NOTE;QUOTED-PRINTABLE;CHARSET=WINDOWS-1252:Pr=E9f=E8re le matin,=\r\n et le th=E9.\r\n"
            b"EMAIL;INTERNET:renee@cobalt.example\r\nEND:VCARD\r\n"
            b"BEGIN:VCARD\r\nVERSION:2.1\r\nFN:Apple\r\nX-ABShowAs:COMPANY\r\nURL:http\\://www.apple.ch\r\n"
            b"END:VCARD\r\n")
    (tmp_path / "outlook.vcf").write_bytes(card)
    result = cli("import", str(tmp_path / "outlook.vcf"), "--json")
    assert result.exit_code == 0, result.output
    assert {kind: c for kind, c in json.loads(result.stdout)["counts"].items() if c} == {
        "companies": {"created": 1}, "contacts": {"created": 1}}
    assert f"note: {tmp_path}/outlook.vcf: not UTF-8; read as Windows-1252" in result.stderr
    assert rows(book, "SELECT name, title, context FROM contact WHERE email = 'renee@cobalt.example'") == [
        ("Renée Dubois", "Directrice générale…", "Préfère le matin, et le thé.")]
    assert rows(book, "SELECT name, domain FROM company WHERE name = 'Apple'") == [("Apple", "apple.ch")]


def test_a_line_after_end_vcalendar_is_a_warning_and_the_calendar_is_imported(cli, book, tmp_path):
    text = (FIXTURES / "calendar" / "meetings.ics").read_text(encoding="utf-8")
    (tmp_path / "trailing.ics").write_text(text.rstrip("\n") + "\n% exported by CalTool 2.0\n", encoding="utf-8")
    expected = cli("import", str(FIXTURES / "calendar" / "meetings.ics"), "--known-only", "--dry-run", "--json")
    result = cli("import", str(tmp_path / "trailing.ics"), "--known-only", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["counts"] == json.loads(expected.stdout)["counts"]
    last = len(text.rstrip("\n").split("\n")) + 1
    assert json.loads(result.stdout)["warnings"] == [
        f"{tmp_path}/trailing.ics:{last}: ignored 1 line(s) after the last END:VCALENDAR "
        "(starting '% exported by CalTool 2.0')"]


def test_a_utf16_vcard_is_read(cli, book, tmp_path):
    (tmp_path / "phone.vcf").write_bytes("BEGIN:VCARD\nVERSION:3.0\nFN:Zoë Kim\nEMAIL:zoe@x.example\n"
                                         "END:VCARD\n".encode("utf-16"))
    result = cli("import", str(tmp_path / "phone.vcf"))
    assert result.exit_code == 0, result.output
    assert rows(book, "SELECT name FROM contact WHERE email = 'zoe@x.example'") == [("Zoë Kim",)]


# -- iCalendar -----------------------------------------------------------------------------------


def test_events_without_a_known_contact_are_one_line_each_and_nothing_is_imported(cli, book, fixed_now):
    before = dump(book)
    result = cli("import", str(MEETINGS))
    assert result.exit_code == 1
    assert errors(result) == [
        f"error: {MEETINGS}:103: ATTENDEE: none of the people at this event is a known contact "
        "(dana@us.example, sam@nowhere.example); add one first, or use --known-only to skip such events",
        f"error: {MEETINGS}:115: ATTENDEE: no attendees with an email, so no contact to link it to; "
        "use --known-only to skip such events",
    ]
    assert dump(book) == before


def test_known_only_imports_each_occurrence_and_counts_the_events_it_skips(cli, book, fixed_now):
    # Weekly sync: 14 Mondays, one excluded (EXDATE), one moved to a Tuesday = 13. Monthly planning
    # (endless, since 2024): 15th of March 2025 to May 2026, inside the window = 15. All-day
    # workshop and a 2023 kick-off = 2. The cancelled event is left out.
    assert counts(cli("import", str(MEETINGS), "--known-only", "--json")) == {
        "appointments": {"created": 30, "skipped": 2}, "notes": {"created": 2, "skipped": 1}}
    assert rows(book, "SELECT count(*) FROM appointment WHERE purpose = 'Pricing review'") == [(0,)]


def occurrences(db, email, purpose_start):
    return [row[0] for row in rows(
        db, "SELECT scheduled_at FROM appointment JOIN contact ON contact.id = contact_id "
            "WHERE email = ? AND purpose LIKE ? ORDER BY scheduled_at", email, purpose_start + "%")]


def test_a_recurring_event_follows_its_exceptions_and_its_time_zone(cli, book, fixed_now):
    counts(cli("import", str(MEETINGS), "--known-only", "--json"))
    weekly = occurrences(book, "ann.lee@acme.example", "Weekly sync")
    assert len(weekly) == 13
    assert not any(moment.startswith(("2026-01-19", "2026-01-26")) for moment in weekly)  # EXDATE, moved
    assert "2026-01-27 14:00:00.000000" in weekly  # moved to Tuesday 15:00 Berlin
    assert weekly[0] == "2026-01-05 09:00:00.000000"  # 10:00 in Berlin, winter
    assert weekly[-2:] == ["2026-03-30 08:00:00.000000", "2026-04-06 08:00:00.000000"]  # 10:00 in Berlin, summer
    monthly = occurrences(book, "omar@borealis.example", "Borealis monthly")
    assert (len(monthly), monthly[0], monthly[-1]) == (15, "2025-03-15 14:00:00.000000", "2026-05-15 14:00:00.000000")
    assert occurrences(book, "omar@borealis.example", "Kick-off") == ["2023-11-20 16:00:00.000000"]
    local_midnight = datetime(2026, 2, 10).astimezone(timezone.utc)  # an all-day event: the user's day
    assert occurrences(book, "anna.berg@acme.example", "Acme on-site") == [f"{local_midnight:%Y-%m-%d %H:%M:%S}.000000"]


def test_attendees_are_matched_by_email_and_rooms_and_people_who_declined_are_left_out(cli, book, fixed_now):
    counts(cli("import", str(MEETINGS), "--known-only", "--json"))
    attendees = rows(book, "SELECT attendee.name, role, attendee.contact_id IS NOT NULL FROM attendee "
                           "JOIN appointment ON appointment.id = appointment_id "
                           "WHERE purpose = 'Weekly sync: audit rollout' AND scheduled_at LIKE '2026-01-05%' "
                           "ORDER BY attendee.id")
    assert attendees == [("Dana Ortiz (dana@us.example)", "organiser", 0), ("Ann Lee", None, 1)]
    # The organiser, when a contact, is the appointment's contact: Omar organises the monthly call.
    assert rows(book, "SELECT DISTINCT email FROM appointment JOIN contact ON contact.id = contact_id "
                      "WHERE purpose = 'Borealis monthly planning'") == [("omar@borealis.example",)]


def test_an_event_description_becomes_one_note_about_the_contact(cli, book, fixed_now):
    counts(cli("import", str(MEETINGS), "--known-only", "--json"))
    notes = rows(book, "SELECT text, author, written_at FROM note JOIN contact ON contact.id = contact_id "
                       "WHERE email = 'ann.lee@acme.example' AND author = 'Dana Ortiz' AND text LIKE 'Agenda%'")
    assert notes == [("Agenda:\n- rollout status per warehouse\n- SSO questions from the security team, "
                      "and who signs off", "Dana Ortiz", "2026-01-05 09:00:00.000000")]


def test_reimporting_a_calendar_creates_no_duplicates(cli, book, fixed_now):
    counts(cli("import", str(MEETINGS), "--known-only", "--json"))
    before = dump(book)
    assert counts(cli("import", str(MEETINGS), "--known-only", "--json")) == {
        "appointments": {"unchanged": 30, "skipped": 2}, "notes": {"unchanged": 2, "skipped": 1}}
    assert dump(book) == before


def test_the_report_table_shows_skipped_events(cli, book, fixed_now):
    result = cli("import", str(MEETINGS), "--known-only")
    assert result.exit_code == 0, result.output
    assert "Skipped" in result.stdout
    assert ["appointments", "30", "0", "0", "2"] in [line.split() for line in result.stdout.splitlines()]


def test_contacts_from_an_address_book_in_the_same_import_are_known_to_its_calendar(cli, db, tmp_path, fixed_now):
    calendar = tmp_path / "call.ics"
    calendar.write_text(textwrap.dedent("""\
        BEGIN:VCALENDAR
        VERSION:2.0
        BEGIN:VEVENT
        UID:first-call
        DTSTART:20260220T090000Z
        SUMMARY:First call about the order system
        ATTENDEE;CN=Hanako Yamada:mailto:hanako.yamada@borealis.example
        END:VEVENT
        END:VCALENDAR
        """), encoding="utf-8")
    assert counts(cli("import", str(V4), str(calendar), "--json")) == {
        "companies": {"created": 2}, "contacts": {"created": 3}, "appointments": {"created": 1}}
    assert occurrences(db, "hanako.yamada@borealis.example", "First call") == ["2026-02-20 09:00:00.000000"]


EVENT = "BEGIN:VCALENDAR\nVERSION:2.0\nBEGIN:VEVENT\nUID:e1\nSUMMARY:Review\n{}\nEND:VEVENT\nEND:VCALENDAR\n"
ANN = "ATTENDEE:mailto:ann.lee@acme.example"
BROKEN_CALENDARS = {
    "cut short": ("BEGIN:VCALENDAR\nVERSION:2.0\nBEGIN:VEVENT\nUID:e1\nDTSTART:20260101T100000Z\n",
                  "broken.ics:3: broken iCalendar file: BEGIN:VEVENT has no END:VEVENT (is the file cut short?)"),
    "a line that is no property": (EVENT.format(f"DTSTART:20260101T100000Z\n{ANN}\nthis is not a property"),
                                   "broken.ics:8: broken event: cannot read the line 'this is not a property' "
                                   "(expected NAME:value)"),
    "impossible start": (EVENT.format(f"DTSTART:20261345T100000Z\n{ANN}"),
                         "broken.ics:3: DTSTART: unreadable date '20261345T100000Z' (expected e.g. 20260314 or 20260314T093000Z)"),
    "no start": (EVENT.format(ANN), "broken.ics:3: DTSTART: missing: an event needs a start"),
    "unknown frequency": (EVENT.format(f"DTSTART:20260101T100000Z\nRRULE:FREQ=SOMETIMES\n{ANN}"),
                          "broken.ics:3: RRULE: unreadable rule 'FREQ=SOMETIMES'"),
    "every minute": (EVENT.format(f"DTSTART:20260101T100000Z\nRRULE:FREQ=MINUTELY\n{ANN}"),
                     "broken.ics:3: RRULE: repeats minutely: custview imports events that repeat at most daily"),
    "every half hour for a century": (
        EVENT.format(f"DTSTART:19260101T000000Z\nRRULE:FREQ=DAILY;BYHOUR=9,10,11,12,13,14;BYMINUTE=0,30\n{ANN}"),
        "broken.ics:3: RRULE: more than 100,000 occurrences from DTSTART to 31 May 2026: "
        "not a meeting series custview can import"),
    "a vCard": ("BEGIN:VCARD\nVERSION:3.0\nFN:Ann Lee\nEND:VCARD\n",
                "broken.ics:1: not an iCalendar file: expected BEGIN:VCALENDAR, found 'BEGIN:VCARD'"),
}


@pytest.mark.parametrize("case", BROKEN_CALENDARS)
def test_an_invalid_calendar_gets_one_clear_line_and_changes_nothing(cli, book, tmp_path, case, fixed_now):
    text, problem = BROKEN_CALENDARS[case]
    (tmp_path / "broken.ics").write_text(text, encoding="utf-8")
    before = dump(book)
    result = cli("import", str(tmp_path / "broken.ics"), "--known-only")
    assert result.exit_code == 1
    assert errors(result) == [f"error: {tmp_path}/{problem}"]
    assert dump(book) == before


def test_a_rule_that_never_matches_is_answered_at_once(cli, book, tmp_path, fixed_now):
    # Daily on 30 February: dateutil alone searches day by day to the year 9999 (seconds per event).
    rule = "RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30"
    events = "".join(f"BEGIN:VEVENT\nUID:e{n}\nSUMMARY:Never\nDTSTART:20250101T100000Z\n{rule}\n{ANN}\nEND:VEVENT\n"
                     for n in range(5))
    (tmp_path / "never.ics").write_text(f"BEGIN:VCALENDAR\nVERSION:2.0\n{events}END:VCALENDAR\n", encoding="utf-8")
    started = time.monotonic()
    result = cli("import", str(tmp_path / "never.ics"), "--json")
    assert time.monotonic() - started < 5
    assert counts(result) == {}  # DTSTART itself is before the window; no other day matches


def test_the_calendar_libraries_load_only_when_such_a_file_is_imported():
    probe = (
        "import sys\n"
        "from custview.cli.app import app\n"
        "import custview.importers\n"
        "try:\n"
        "    app(['--version'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'vobject', 'icalendar'}))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip().splitlines()[-1] == "[]", result.stdout + result.stderr


def test_a_rule_repeating_every_zero_weeks_is_one_clear_line_not_a_hang(cli, db, tmp_path):
    calendar = tmp_path / "zero.ics"
    calendar.write_text("BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//test//EN\nBEGIN:VEVENT\nUID:zero\n"
                        "DTSTART:20261101T100000Z\nRRULE:FREQ=WEEKLY;INTERVAL=0\nSUMMARY:Weekly\n"
                        "ORGANIZER:mailto:someone@example.com\nEND:VEVENT\nEND:VCALENDAR\n")
    result = cli("import", str(calendar))
    assert result.exit_code == 1
    assert result.stderr == f"error: {calendar}:4: RRULE: INTERVAL and COUNT must be whole numbers of at least 1\n"
    assert not db.exists()
