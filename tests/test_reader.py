"""The reader (plain DB-API over sqlite3): the one read path, checked against what the test book holds."""

import sqlite3
import subprocess
import sys

import pytest

from custview.db import models
from custview.db.read_rows import TABLES
from custview.db.reader import Reader


@pytest.mark.parametrize("row", list(TABLES), ids=lambda row: row.__name__)
def test_the_readers_rows_and_the_sqlmodel_tables_have_the_same_columns_and_types(row):
    model = getattr(models, row.__name__)
    columns = list(model.__table__.columns.keys())
    assert TABLES[row] == model.__tablename__
    assert list(row._fields) == columns
    assert row.__annotations__ == {c: model.__annotations__[c] for c in columns}


EVE = "[bold]Eve[/bold] \x1b[31mRed"  # sorts first: "[" comes before every letter


@pytest.fixture
def reader(book):
    """The reader of the test book (tests/fixtures/book.yaml)."""
    return Reader.open(book)


def _names(rows) -> list[str]:
    return [row.name for row in rows]


def test_a_history_holds_the_contacts_own_records_and_their_companys_latest_first(reader):
    ann = reader.contact_history(reader.find_contacts("Ann Lee")[0].id)
    assert (ann.contact.email, ann.company.name) == ("ann.lee@acme.example", "Acme Analytics")
    assert [c.stage for c in ann.stage_changes] == ["Buyer", "Value Creator", "Adopter"]
    assert [s.title for s in ann.signals] == ["Audit trail guide", "Governance at scale", "Old conference"]
    assert ann.signals[0].topics == ["Audit", "Governance"] and ann.signals[0].occurred_at.tzinfo is not None
    (meeting,) = ann.appointments
    assert meeting.appointment.decisions == ["Keep weekly syncs"]
    assert [(p.name, p.role) for p in meeting.attendees] == [
        ("Ann Lee", "decision maker"), ("Anna Berg", "project lead"), ("Dana Ortiz (us)", "account manager")]
    assert [(s.step, s.done) for s in meeting.next_steps] == [
        ("Send SSO options", False), ("Book training", False), ("Share slides", True)]
    assert [t.ref for t in ann.tickets] == ["T-1", "T-2", "T-3"]  # T-2 is Anna's, on the company
    assert [n.text for n in ann.notes] == ["Prefers numbers over stories.", "Budget cycle starts in January."]
    assert (_names(ann.colleagues), [s.name for s in ann.services], ann.merges) == (["Anna Berg"], ["Audit rollout"], [])


def test_an_attendee_has_the_meeting_and_the_company_records_but_not_the_colleagues_own(reader):
    anna = reader.contact_history(reader.find_contacts("Anna Berg")[0].id)
    assert [a.appointment.purpose for a in anna.appointments] == ["Quarterly review of the audit rollout"]
    assert ([c.stage for c in anna.stage_changes], anna.signals) == (["Value Creator"], [])
    assert [n.text for n in anna.notes] == ["Budget cycle starts in January."]
    assert _names(anna.colleagues) == ["Ann Lee"]


def test_account_histories_come_in_name_order(reader):
    acme = reader.find_companies("Acme Analytics")[0]
    assert [h.contact.name for h in reader.contact_histories(company_id=acme.id)] == ["Ann Lee", "Anna Berg"]
    every = reader.contact_histories()
    assert [h.contact.name for h in every] == [EVE, "Ann Lee", "Anna Berg", "Omar Haddad"]


@pytest.mark.parametrize("filters, expected", [
    ({}, [EVE, "Ann Lee", "Anna Berg", "Omar Haddad"]),
    ({"stage": "Adopter"}, ["Ann Lee"]),
    ({"company": "bor"}, [EVE, "Omar Haddad"]),
    ({"search": "HEAD"}, ["Ann Lee"]),  # the title, any case
    ({"search": "nobody"}, []),
])
def test_contact_lists_filter_by_stage_company_and_search(reader, filters, expected):
    assert [row.contact.name for row in reader.list_contacts(**filters)] == expected


@pytest.mark.parametrize("query, contacts, suggestions, companies", [
    ("a", [EVE, "Ann Lee", "Anna Berg", "Omar Haddad"], [], ["Acme Analytics", "Borealis Foods"]),
    ("an", ["Ann Lee", "Anna Berg"], [], ["Acme Analytics"]),
    ("ANN LEE", ["Ann Lee"], ["Ann Lee", "Anna Berg"], []),  # exact, any case: not Anna
    ("omar@borealis.example", ["Omar Haddad"], [], []),
    ("Omar Hadad", [], ["Omar Haddad"], []),
    ("Borealis Foods", [], [], ["Borealis Foods"]),
    ("", [], [], []),
    ("%", [], [], []),  # LIKE's wildcards are plain characters
    ("_", [], [], []),
])
def test_finding_contacts_and_companies_and_suggesting_names(reader, query, contacts, suggestions, companies):
    assert _names(reader.find_contacts(query)) == contacts
    assert reader.suggest_names(query) == suggestions
    assert _names(reader.find_companies(query)) == companies


def test_records_companies_open_promises_and_imports(reader):
    assert (reader.record("contact", 1).name, reader.record("company", 2).name) == ("Ann Lee", "Borealis Foods")
    assert reader.record("company", 99) is None
    assert _names(reader.list_companies()) == ["Acme Analytics", "Borealis Foods"]
    steps = list(reader.open_next_steps())  # "Share slides" is done
    assert [(s.step, s.owner, s.contact, s.company) for s in steps] == [
        ("Send SSO options", "Dana Ortiz", "Ann Lee", "Acme Analytics"),
        ("Book training", "Ann Lee", "Ann Lee", "Acme Analytics")]
    assert steps[0].due_at < steps[1].due_at and steps[0].met_at.tzinfo is not None
    assert [s.step for s in reader.open_next_steps(" dana ORTIZ ")] == ["Send SSO options"]
    (run,) = reader.import_history()
    assert (run.counts["contacts"], run.undone_at, run.files[0]["path"].endswith("book.yaml")) == (
        {"created": 4}, None, True)


def test_the_reader_never_creates_a_database(db):
    reader = Reader.open(db)
    with pytest.raises(Exception, match="No customer data yet"):
        reader.find_contacts("Ann")
    assert not db.exists()


def test_the_reader_cannot_write(book):
    reader = Reader.open(book)
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        reader.connection.execute("DELETE FROM contact")
    assert Reader.open(book).find_contacts("Ann Lee")


READ_ONLY_COMMANDS = [
    ["brief", "Ann Lee"], ["brief", "Ann Lee", "--json"], ["contacts"], ["attention"], ["stage", "suggest"],
    ["timeline", "Ann Lee", "--no-pager"], ["timeline", "Acme Analytics", "--json"], ["handoff", "Ann Lee"],
    ["show", "company", "Acme"], ["next-steps"], ["next-steps", "--ics", "steps.ics"], ["duplicates"], ["imports"],
    ["export", "--out", "exported"], ["export", "--format", "csv", "--out", "exported"], ["mappings"], ["doctor"],
    ["--version"],
]


def test_read_only_commands_never_load_sqlalchemy(book, tmp_path):
    """The commands run in turn in one fresh process: the first that loads SQLAlchemy (or fails) is named.
    YAML too is left alone until the export, which writes it (and `mappings`, which reads its YAML files)."""
    probe = (
        "import sys\n"
        "from custview.cli.app import app\n"
        f"for args in {READ_ONLY_COMMANDS!r}:\n"
        "    try:\n"
        f"        app(['--db', {str(book)!r}, *args])\n"
        "    except SystemExit as done:\n"
        "        assert not done.code, (args, done.code)\n"
        "    loaded = sorted({m.split('.')[0] for m in sys.modules} & {'sqlalchemy', 'sqlmodel', 'yaml'})\n"
        "    print('LOADED', ' '.join(args), loaded, file=sys.stderr)\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Ann Lee" in result.stdout and (tmp_path / "exported" / "contacts.csv").exists()
    loaded = [line for line in result.stderr.splitlines() if line.startswith("LOADED")]
    first_export = READ_ONLY_COMMANDS.index(["export", "--out", "exported"])
    assert loaded == [f"LOADED {' '.join(args)} {[] if i < first_export else ['yaml']}"
                      for i, args in enumerate(READ_ONLY_COMMANDS)]
