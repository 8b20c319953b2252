"""Nothing lost, nothing leaked (issue 13): each test closes one hole a hostile test found.

Every scenario ends with the database either exactly as before (one clean error) or holding what
the user asked for, and `doctor` finding nothing wrong.
"""

from __future__ import annotations

import stat
import textwrap

import pytest
from typer.testing import CliRunner

from conftest import dump
from custview.cli.app import app


def run(db, *args, input=None):
    """custview in-process against the database at `db`."""
    return CliRunner().invoke(app, ["--db", str(db), *args], input=input)


def assert_doctor_clean(db):
    result = run(db, "doctor")
    assert result.exit_code == 0, result.output


def assert_one_clean_error(result, *fragments):
    assert result.exit_code != 0, result.output
    assert "Traceback" not in result.output and result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


# -- 5: a --db path is a file name, never a URL ------------------------------------------------------

@pytest.mark.parametrize("name", ["book?x=1.db", "book%41.db", "book#1.db"])
def test_a_db_path_with_url_characters_is_that_very_file(name, tmp_path):
    db = tmp_path / name
    assert run(db, "add", "company", "Acme").exit_code == 0
    assert [p.name for p in tmp_path.iterdir() if not p.name.endswith(("-wal", "-shm"))] == [name]
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    assert [row[1] for row in dump(db)["company"]] == ["Acme"]
    assert_doctor_clean(db)


# -- 3 and 12: CSV quoting that would swallow rows, and cells past the csv module's limit ----------

CONTACTS_HEADER = "name,email,company,stage\n"


def contacts_csv(tmp_path, body: str):
    path = tmp_path / "people.csv"
    path.write_text(CONTACTS_HEADER + body, encoding="utf-8")
    return path


def test_an_unterminated_quote_is_refused_instead_of_swallowing_the_rest_of_the_file(book, tmp_path):
    rows = "".join(f"Person {n},p{n}@x.example,,Audience\n" for n in range(20))
    path = contacts_csv(tmp_path, 'Zed,"zed@x.example,,Audience\n' + rows)
    before = dump(book)
    result = run(book, "import", str(path), "--kind", "contacts", "--from", "custview")
    assert_one_clean_error(result, "people.csv:2: a quote opened on line 2 is never closed")
    assert dump(book) == before
    assert_doctor_clean(book)


def test_a_quote_closed_rows_later_in_the_middle_of_a_cell_is_refused(book, tmp_path):
    path = contacts_csv(tmp_path, 'Zed,"zed@x.example,,Audience\nAmy,amy@x.example,,"Audience"x\n')
    before = dump(book)
    result = run(book, "import", str(path), "--kind", "contacts", "--from", "custview")
    assert_one_clean_error(result, "people.csv:3: broken quoting")
    assert dump(book) == before


def test_a_cell_over_the_field_limit_is_one_clear_line_not_a_traceback(book, tmp_path):
    path = contacts_csv(tmp_path, f'Zed,zed@x.example,"{"x" * 140_000}",Audience\nAmy,amy@x.example,,Audience\n')
    before = dump(book)
    result = run(book, "import", str(path), "--kind", "contacts", "--from", "custview")
    assert_one_clean_error(result, "people.csv:2: a cell longer than 131,072 characters")
    assert dump(book) == before


def test_an_unterminated_quote_in_a_big_file_names_the_line_it_opened_on(book, tmp_path):
    rows = "".join(f"Person {n},p{n}@x.example,,Audience\n" for n in range(5000))
    path = contacts_csv(tmp_path, 'Amy,amy@x.example,,Audience\nZed,"zed@x.example,,Audience\n' + rows)
    result = run(book, "import", str(path), "--kind", "contacts", "--from", "custview")
    assert_one_clean_error(result, "people.csv:3: a cell longer than 131,072 characters",
                           "a quote opened on line 3 is not closed")


# -- 4: a key written twice (two exports pasted together) is refused, never half-kept ---------------

def test_a_repeated_yaml_section_is_refused(book, tmp_path):
    path = write(tmp_path, "two.yaml", """
        contacts:
          - {name: Amy Adams, email: amy@x.example}
        contacts:
          - {name: Bo Berg, email: bo@x.example}
        """)
    before = dump(book)
    result = run(book, "import", str(path))
    assert_one_clean_error(result, "two.yaml:3: contacts appears twice in one mapping (first on line 1)")
    assert dump(book) == before


def test_a_repeated_yaml_field_in_one_record_is_refused(book, tmp_path):
    path = write(tmp_path, "field.yaml", """
        contacts:
          - name: Amy Adams
            email: amy@x.example
            email: amy@elsewhere.example
        """)
    result = run(book, "import", str(path))
    assert_one_clean_error(result, "field.yaml:4: email appears twice in one mapping (first on line 3)")


def test_a_repeated_json_section_is_refused(book, tmp_path):
    path = write(tmp_path, "two.json", """
        {"contacts": [{"name": "Amy Adams", "email": "amy@x.example"}],
         "contacts": [{"name": "Bo Berg", "email": "bo@x.example"}]}
        """)
    before = dump(book)
    result = run(book, "import", str(path))
    assert_one_clean_error(result, "two.json:1: 'contacts' appears twice in the object starting on line 1")
    assert dump(book) == before
