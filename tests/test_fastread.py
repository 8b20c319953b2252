"""The fast sqlite3 reader mirrors the SQLModel schema and reads exactly what the store reads."""

import sqlite3
import subprocess
import sys

import pytest

from custview.db import models
from custview.db.reader import TABLES, Reader
from custview.sample import sample_path
from custview.db.writer import Store


@pytest.mark.parametrize("twin", list(TABLES), ids=lambda twin: twin.__name__)
def test_every_light_row_mirrors_its_sqlmodel_table_field_for_field(twin):
    model = getattr(models, twin.__name__)
    columns = list(model.__table__.columns.keys())
    assert TABLES[twin] == model.__tablename__
    assert list(twin._fields) == columns
    assert twin.__annotations__ == {c: model.__annotations__[c] for c in columns}


def _plain(value):
    """Rows (SQLModel or light) as dicts of their columns, containers as lists, so both readers compare."""
    if hasattr(value, "__table__") or hasattr(value, "_fields"):
        names = value.__table__.columns.keys() if hasattr(value, "__table__") else value._fields
        return {name: getattr(value, name) for name in names}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if hasattr(value, "__dataclass_fields__"):
        return {name: _plain(getattr(value, name)) for name in value.__dataclass_fields__}
    return value


@pytest.fixture(params=["book", "sample"])
def loaded(request, cli, db):
    """A database with the test book or the bundled sample, as (Store, Reader)."""
    if request.param == "book":
        request.getfixturevalue("book")
    else:
        assert cli("import", str(sample_path())).exit_code == 0
    return Store.open(db), Reader.open(db)


def test_both_readers_load_the_same_history_for_every_contact(loaded):
    store, reader = loaded
    contacts = store.list_contacts()
    assert len(contacts) >= 4
    for row in contacts:
        ours = reader.contact_history(row.contact.id)
        assert _plain(ours) == _plain(store.contact_history(row.contact.id)), row.contact.name
    assert ours.signals and isinstance(ours.signals[0].topics, list)
    assert ours.signals[0].occurred_at.tzinfo is not None


def test_both_readers_load_the_same_accounts_and_lists(loaded):
    store, reader = loaded
    for company_id in {row.contact.company_id for row in store.list_contacts() if row.contact.company_id}:
        assert _plain(reader.contact_histories(company_id=company_id)) == _plain(store.contact_histories(company_id=company_id))
    for filters in ({}, {"stage": "Adopter"}, {"company": "a"}, {"search": "example"}, {"search": "nobody"}):
        assert _plain(reader.list_contacts(**filters)) == _plain(store.list_contacts(**filters)), filters


def test_histories_a_few_companies_at_a_time_are_the_same_histories(loaded):
    store, reader = loaded
    by_id = {h.contact.id: _plain(h) for h in store.contact_histories()}
    streamed = list(reader.iter_histories(batch=3))
    assert len(streamed) == len(by_id)
    assert {h.contact.id: _plain(h) for h in streamed} == by_id
    companies = [h.contact.company_id for h in streamed]
    assert all(companies.index(c) == i or companies[i - 1] == c for i, c in enumerate(companies))  # grouped


@pytest.mark.parametrize("query", ["a", "an", "ANN LEE", "sarah", "omar@borealis.example", "Omar Hadad", "", "%", "_"])
def test_both_readers_find_the_same_contacts_and_suggestions(loaded, query):
    store, reader = loaded
    assert _plain(reader.find_contacts(query)) == _plain(store.find_contacts(query))
    assert reader.suggest_names(query) == store.suggest_names(query)
    assert _plain(reader.find_companies(query)) == _plain(store.find_companies(query))


def test_the_reader_never_creates_a_database(db):
    reader = Reader.open(db)
    with pytest.raises(Exception, match="No customer data yet"):
        reader.find_contacts("Ann")
    assert not db.exists()


def test_the_reader_cannot_write(book):
    reader = Reader.open(book)
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        reader.connection.execute("DELETE FROM contact")
    assert Store.open(book).find_contacts("Ann Lee")


def test_brief_and_attention_never_load_sqlalchemy(book):
    probe = (
        "import sys\n"
        "from custview.cli.app import app\n"
        "for args in (['brief', 'Ann Lee'], ['brief', 'Ann Lee', '--json'], ['attention']):\n"
        "    try:\n"
        f"        app(['--db', {str(book)!r}, *args])\n"
        "    except SystemExit as done:\n"
        "        assert not done.code, done.code\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'sqlalchemy', 'sqlmodel', 'yaml'}))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "Ann Lee" in result.stdout
    assert result.stdout.strip().splitlines()[-1] == "[]", result.stderr
