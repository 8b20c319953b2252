"""The YAML export writes every text so that it reads back exactly, and every export streams: whole files or none."""

import json
import os
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from round_trip import book_content
from custview.cli.app import app
from custview.exporters import book_records
from custview.exporters.export import json_value
from custview.exporters.yaml_emitter import yaml_records, yaml_text
from custview.importers.yaml_source import load_yaml_document

# Texts a YAML loader could take for something else, or that a YAML file cannot hold as they are.
TRICKY = ["yes", "No", "on", "OFF", "y", "n", "true", "False", "null", "Null", "~", "", " ", "123", "-5", "+1", "09",
          "0o17", "0x1F", "1_000", "1e3", "1.5", ".5", ".inf", "-.Inf", ".nan", "2026-11-24", "2026-11-24T15:00:00Z",
          "12:30", "190:20:30", "<<", "=", "- item", "-", "--- doc", "...", "? key", ": value", "a: b", "a:", "a #b",
          "#hash", "&anchor", "*alias", "!tag", "!!str", "|pipe", ">fold", "'quote", "it's", '"double', 'say "hi"',
          "%directive", "@at", "`tick", ",comma", "[list]", "{map}", " leading", "trailing ", "\u00a0nbsp\u00a0",
          "line\nbreak", "ends\n", "\r\n", "nel\x85", "line\u2028sep", "para\u2029sep", "tab\there", "\x00nul",
          "\x07bell", "\x1b[31mred", "del\x7f", "c1\x80\x9f", "\ufeffbom", "\ufffe", "back\\slash", "é ü 漢字 😀",
          "x" * 5000, "word " * 1000]


def load_every_way(text: str) -> list:
    """The document read by libyaml's safe loader, PyYAML's own safe loader, and custview's import."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "export.yaml"
        path.write_text(text, encoding="utf-8")
        custview = load_yaml_document(path)
    return [yaml.load(text, Loader=yaml.CSafeLoader), yaml.load(text, Loader=yaml.SafeLoader), custview]


@pytest.mark.parametrize("text", TRICKY)
def test_a_tricky_text_reads_back_as_itself(text):
    record = {"text": text, text[:100]: text, "topics": [text, "x"]}  # (a key, as YAML has it, is short)
    for loaded in load_every_way(f"notes:\n{yaml_records([record])}"):
        assert loaded == {"notes": [record]}


@pytest.mark.parametrize(("text", "written"), [
    ("Sarah Chen", "Sarah Chen"), ("ERP, pricing", "ERP, pricing"), ("it's", "it's"), ("yes", "'yes'"),
    ("~", "'~'"), ("1e3", "'1e3'"), ("09", "'09'"), ("2026-11-24T15:00:00Z", "'2026-11-24T15:00:00Z'"),
    ("a: b", "'a: b'"), ("- x", "'- x'"), ("'x'", "'''x'''"), (" x", "' x'"), ("", '""'),
    ("a\nb", '"a\\nb"'), ('tab\t"q"', '"tab\\t\\"q\\""'), ("nel\x85", '"nel\\u0085"'), ("\u2028", '"\\u2028"'),
    ("\ufeffx", '"\\uFEFFx"'), ("\\", "\\"), ("漢字", "漢字"),
])
def test_texts_are_plain_when_plainly_text_and_quoted_otherwise(text, written):
    assert yaml_text(text) == written


def test_records_are_laid_out_as_pyyaml_lays_them_out():
    records = [{"name": "Ann", "stage_history": [{"stage": "Buyer", "at": "2026-01-15T00:00:00Z"}],
                "preferences": {"channel": "email"}, "aliases": ["ann@x.example", {"name": "A", "domain": "a.example"}],
                "value": 120000, "share": 0.5, "big": 1e20, "arr": True, "done": False},
               {"name": "Bo"}]
    assert yaml_records(records) == (
        "- name: Ann\n"
        "  stage_history:\n"
        "  - stage: Buyer\n"
        "    at: '2026-01-15T00:00:00Z'\n"
        "  preferences:\n"
        "    channel: email\n"
        "  aliases:\n"
        "  - ann@x.example\n"
        "  - name: A\n"
        "    domain: a.example\n"
        "  value: 120000\n"
        "  share: 0.5\n"
        "  big: 1.0e+20\n"
        "  arr: true\n"
        "  done: false\n"
        "- name: Bo\n")


# Lone surrogates are left out: a book cannot hold them (SQLite text is UTF-8), and libyaml refuses them.
texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)
keys = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=10)
scalars = texts | st.integers() | st.floats(allow_nan=False) | st.booleans()
records = st.dictionaries(keys, scalars | st.lists(texts, max_size=3) | st.dictionaries(keys, texts, max_size=3)
                          | st.lists(st.dictionaries(keys, scalars, max_size=3), max_size=3), max_size=6)


@settings(max_examples=300, deadline=None)
@given(items=st.lists(records, max_size=3))
def test_random_records_read_back_exactly_with_every_loader(items):
    document = f"signals:\n{yaml_records(items)}" if items else "signals: []\n"
    for loaded in load_every_way(document):
        assert loaded == {"signals": items}


@settings(max_examples=200, deadline=None)
@given(item=records | st.lists(records, max_size=2))
def test_json_is_written_as_json_dumps_writes_it(item):
    assert json_value(item, "") == json.dumps(item, indent=2, ensure_ascii=False)


# -- through the command: a book of tricky texts, exported and imported into a new book ---------------------------


def test_a_book_of_tricky_texts_comes_back_the_same_through_yaml(tmp_path):
    texts = [text for text in TRICKY if text.strip() and "\x00" not in text]
    companies = [{"name": f"Co {n}", "summary": text} for n, text in enumerate(texts)]
    contacts = [{"name": f"P {n}", "email": f"p{n}@x.example", "context": text, "company": f"Co {n}"}
                for n, text in enumerate(texts)]
    signals = [{"contact": f"p{n}@x.example", "kind": "email", "title": f"S {n}", "topics": ["ERP"],
                "at": "2026-05-04T10:00:00Z", "detail": text} for n, text in enumerate(texts)]
    notes = [{"contact": f"p{n}@x.example", "text": text, "at": "2026-05-04T10:00:00Z"} for n, text in enumerate(texts)]
    source = tmp_path / "tricky.json"
    source.write_text(json.dumps({"companies": companies, "contacts": contacts, "signals": signals, "notes": notes}), encoding="utf-8")
    db, copy, out = tmp_path / "book.db", tmp_path / "copy.db", tmp_path / "out"
    for arguments in ((db, "import", str(source)), (db, "export", "--out", str(out)),
                      (copy, "import", str(out / "custview-export.yaml"))):
        result = CliRunner().invoke(app, ["--db", str(arguments[0]), *arguments[1:]])
        assert result.exit_code == 0, result.output
    original = book_content(db)
    held = {text for text in texts if text == text.strip()}  # (an import takes spaces off the ends)
    assert {row[5] for row in original["signal"]} >= held and {row[2] for row in original["note"]} >= held
    assert book_content(copy) == original


@pytest.mark.parametrize(("fmt", "problem"), [("yaml", OSError(28, "No space left on device")),
                                              ("csv", OSError(28, "No space left on device")),
                                              ("json", RuntimeError("a bug"))])
def test_an_export_failing_halfway_leaves_no_file(fmt, problem, tmp_path, monkeypatch):
    """Records are written as they are read: a failure after some were written leaves neither the file nor its
    temporary, and says which file could not be written."""
    db = tmp_path / "book.db"
    contacts = [{"name": f"P {n}", "email": f"p{n}@x.example"} for n in range(1200)]
    (tmp_path / "in.yaml").write_text(yaml.safe_dump({"contacts": contacts}), encoding="utf-8")
    assert CliRunner().invoke(app, ["--db", str(db), "import", str(tmp_path / "in.yaml")]).exit_code == 0
    contacts = book_records.BookRecords._contacts

    def failing_after_a_batch(self):
        records = contacts(self)
        for _ in range(book_records.BATCH):  # a whole batch gets written first
            yield next(records)
        raise problem

    monkeypatch.setattr(book_records.BookRecords, "_contacts", failing_after_a_batch)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["--db", str(db), "export", "--format", fmt, "--out", str(out)])
    assert result.exit_code != 0
    if isinstance(problem, OSError):
        named = out / ("contacts.csv" if fmt == "csv" else f"custview-export.{fmt}")
        assert result.stderr.strip() == f"error: {named}: cannot write (No space left on device); no file was changed"
    assert os.listdir(out) == []


@settings(max_examples=100, deadline=None)
@given(moment=st.datetimes(timezones=st.timezones()))
def test_a_stored_moment_is_written_as_utc_iso_writes_it(moment):
    from custview.dates import iso_utc, stored_time

    assert book_records.stored_utc(stored_time(moment)) == iso_utc(moment)
