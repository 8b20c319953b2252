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
