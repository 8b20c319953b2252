"""Help that reads as words, and shell completion of commands, stages and names from the book."""

from __future__ import annotations

import os
import subprocess

import pytest
from typer.testing import CliRunner

from custview.cli.app import COMMANDS, app
from conftest import installed_custview


def every_help_page():
    """`--help` of every command and sub-command, in-process."""
    runner = CliRunner()
    pages = {}
    for name in COMMANDS:
        page = runner.invoke(app, [name, "--help"], env={"COLUMNS": "120"}).stdout
        pages[name] = page
        if "Commands:" in page:
            for line in page.split("Commands:")[1].splitlines():
                if line.strip():
                    sub = line.split()[0]
                    pages[f"{name} {sub}"] = runner.invoke(app, [name, sub, "--help"], env={"COLUMNS": "120"}).stdout
    return pages


def test_help_placeholders_are_words_not_python_types():
    pages = every_help_page()
    assert len(pages) > len(COMMANDS)  # sub-commands (stage set, add note…) were read too
    for name, page in pages.items():
        for python_type in ("<str>", "<list[", "<int>", "<Path>", "<float>", "<bool>"):
            assert python_type not in page, f"custview {name} --help shows {python_type}"
    assert "-d, --decision TEXT" in pages["log"]
    assert "-w, --when DATE" in pages["log"]
    assert "\n  NAME " in pages["brief"]
    assert "FILE..." in pages["import"]


def complete(words: str, db) -> list[str]:
    """What the installed custview offers in bash for the last of `words`."""
    parts = words.split(" ")
    env = {**os.environ, "_CUSTVIEW_COMPLETE": "complete_bash", "COMP_WORDS": words,
           "COMP_CWORD": str(len(parts) - 1), "CUSTVIEW_DB": str(db)}
    result = subprocess.run([installed_custview()], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and not result.stderr, result.stderr
    return [line for line in result.stdout.splitlines() if line]


@pytest.mark.parametrize(("words", "offered"), [
    ("custview bri", ["brief"]),
    ("custview brief an", ["Ann Lee", "Anna Berg"]),  # any case, from the book
    ("custview stage set Ann v", ["Value Creator"]),
    ("custview contacts --company acme", ["Acme Analytics"]),
])
def test_completion_offers_commands_stages_and_names_from_the_book(book, words, offered):
    assert complete(words, book) == offered


def test_completion_without_a_book_offers_nothing_and_says_nothing(db):
    assert complete("custview brief an", db) == []
    assert not db.exists()


def test_name_completion_is_an_index_search(book):
    from custview.db.reader import Reader

    plan = Reader.open(book).query("EXPLAIN QUERY PLAN SELECT name FROM contact WHERE name >= ? AND name < ? "
                                   "ORDER BY name LIMIT ?", ("a", "a\U0010ffff", 50))
    assert "USING COVERING INDEX ix_contact_name" in str(plan)
