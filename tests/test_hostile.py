"""Hostile input: files that try to run code, take over the terminal, or swamp the screen or the machine.

Whatever comes in, the user sees either a clean import or one clear line per problem (exit 1, the
database exactly as before), and data is always shown as text: never run, never interpreted.
"""

import textwrap
import time

import pytest

from conftest import dump

ESC = "\x1b"


def write(tmp_path, text, name="hostile.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def problem_lines(result):
    return [line for line in result.stderr.splitlines() if line.startswith("error:")]


def assert_refused(result, before, db, *fragments):
    """Exit 1, no traceback, every stderr line a problem, each fragment in the problems, database unchanged."""
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = problem_lines(result)
    assert lines and lines == result.stderr.splitlines()
    for fragment in fragments:
        assert any(fragment in line for line in lines), (fragment, lines)
    assert dump(db) == before
    return lines


# -- YAML tags never run code ----------------------------------------------------------------------

PYTHON_TAGS = {
    "object/apply as a record": "contacts:\n  - !!python/object/apply:os.system [\"touch {marker}\"]\n",
    "object/new as a value": "contacts:\n  - name: !!python/object/new:os.system [\"touch {marker}\"]\n",
    "object as a record": "contacts:\n  - !!python/object:pathlib.Path {{}}\n",
    "name as a value": "contacts:\n  - {{name: Zoe, title: !!python/name:os.system }}\n",
    "module as a section": "contacts: !!python/module:os\n",
}


@pytest.mark.parametrize("case", list(PYTHON_TAGS))
def test_python_tags_are_refused_in_one_line_and_never_run(case, cli, book, tmp_path):
    marker = tmp_path / "ran"
    before = dump(book)
    result = cli("import", str(write(tmp_path, PYTHON_TAGS[case].format(marker=marker))))
    lines = assert_refused(result, before, book, "hostile.yaml:", "not allowed in custview YAML")
    assert len(lines) == 1
    assert not marker.exists()


# -- markup and terminal escapes in data are shown, never obeyed -----------------------------------

HOSTILE_BOOK = r"""
companies:
  - name: "[bold]Evil[/bold] Corp \e[2J"
    summary: "\e[31mred summary[/red] \e]8;;https://evil.example\aclick\e]8;;\a"
contacts:
  - name: "[red]Mallory[/red] \e[2J\e[H"
    email: mallory@evil.example
    title: "\e[31mChief [link=https://evil.example]Hacker[/link]"
    company: "[bold]Evil[/bold] Corp \e[2J"
    stage: Researcher
signals:
  - {contact: mallory@evil.example, kind: content, title: "[blink]Pricing[/blink] \e[5m", topics: ["\e[1mtopic"], at: -2d}
tickets:
  - {ref: T-666, contact: mallory@evil.example, subject: "[red]Refund now[/red] \e[31m\e]8;;https://evil.example\aclick\e]8;;\a", kind: issue, opened: -3d}
notes:
  - {contact: mallory@evil.example, text: "[bold]Note[/bold] \e[2J\e[31mwith escapes\r\x08", at: -1d, author: "\e[32mDana"}
"""


@pytest.fixture
def hostile_book(cli, db, tmp_path):
    result = cli("import", str(write(tmp_path, HOSTILE_BOOK)))
    assert result.exit_code == 0, result.output
    return db


@pytest.mark.parametrize("command", [
    ("brief", "mallory@evil.example"),
    ("contacts",),
    ("contacts", "--search", "mallory"),
    ("timeline", "mallory@evil.example"),
    ("timeline", "[bold]Evil[/bold] Corp \x1b[2J"),
    ("handoff", "mallory@evil.example"),
])
def test_markup_and_escape_codes_in_names_notes_and_subjects_print_literally(command, cli, hostile_book):
    result = cli(*command)
    assert result.exit_code == 0, result.output
    out = result.stdout
    for raw in (ESC, "\x07", "\x08", "\r"):
        assert raw not in out, repr(raw)
    if command[0] == "handoff":  # Markdown: brackets escaped so that they stay text there too
        assert "\\[red\\]Mallory\\[/red\\] \\\\x1b\\[2J" in out
        return
    assert "[red]Mallory[/red] \\x1b[2J" in out  # the markup as typed, the escape made visible
    if command[0] in ("brief", "timeline"):
        assert "[red]Refund now[/red] \\x1b[31m\\x1b]8;;https://evil.example\\x07click" in out
        assert "[bold]Note[/bold] \\x1b[2J\\x1b[31mwith escapes" in out


def test_escape_codes_in_data_do_not_reach_the_terminal_through_error_messages(cli, hostile_book, tmp_path):
    before = dump(hostile_book)
    path = write(tmp_path, r"""
        contacts:
          - name: "Eve \e[2J\e[31m"
            stage: Nope
            "\e]8;;https://evil.example\a": 1
    """, "bad.yaml")
    lines = assert_refused(cli("import", str(path)), before, hostile_book, "unknown stage 'Nope'", "unknown field")
    assert all(ESC not in line and "\x07" not in line for line in lines)
    assert any("Eve \\x1b[2J\\x1b[31m" in line for line in lines)


# -- very big values: refused with a clear line, quickly ------------------------------------------


def test_a_one_megabyte_note_is_refused_with_a_clear_line(cli, book, tmp_path):
    before = dump(book)
    path = write(tmp_path, f"notes:\n  - {{contact: Ann Lee, text: {'a long note ' * 87382}, at: -1d}}\n")
    lines = assert_refused(cli("import", str(path)), before, book)
    assert len(lines) == 1
    assert "hostile.yaml:2: notes[0] (a long note a long note" in lines[0]
    assert lines[0].endswith("text: too long: 1,048,583 characters (at most 10,000)")


def test_adding_an_overlong_note_from_the_command_line_is_refused_the_same_way(cli, book):
    before = dump(book)
    result = cli("add", "note", "Ann Lee", "--text", "x" * 10_001)
    lines = assert_refused(result, before, book, "text: too long: 10,001 characters (at most 10,000)")
    assert len(lines) == 1


def test_a_very_long_single_line_name_is_refused_and_a_long_subject_within_limits_is_shown_cut(cli, book, tmp_path):
    before = dump(book)
    huge_name = write(tmp_path, f"contacts:\n  - {{name: {'N' * 5000}, email: n@x.example}}\n", "name.yaml")
    assert_refused(cli("import", str(huge_name)), before, book, "name: too long: 5,000 characters (at most 1,000)")

    subject = "Unbreakable" * 80  # 880 characters without a space
    long_line = write(tmp_path, f"tickets:\n  - {{ref: T-9, contact: Ann Lee, subject: {subject}, opened: -1d}}\n",
                      "subject.yaml")
    assert cli("import", str(long_line)).exit_code == 0
    result = cli("brief", "Ann Lee")
    assert result.exit_code == 0 and "Traceback" not in result.output
    assert max(len(line) for line in result.stdout.splitlines()) <= 200  # COLUMNS=200 in the tests
    shown = [line for line in result.stdout.splitlines() if "Unbreakable" in line]
    assert len(shown) == 1 and "UnbreakableUnbreakable" in shown[0] and "…" in shown[0]  # cut to one line
    timeline = cli("timeline", "Ann Lee", "--kind", "ticket")
    assert timeline.exit_code == 0 and max(len(line) for line in timeline.stdout.splitlines()) <= 200
    cut = [line for line in timeline.stdout.splitlines() if "Unbreakable" in line]
    assert len(cut) == 1 and "…" in cut[0]
    whole = cli("timeline", "Ann Lee", "--kind", "ticket", "--json")
    assert subject in whole.stdout  # nothing lost: the screen cuts, the data keeps it all


def test_an_alias_bomb_is_answered_quickly_with_short_lines(cli, book, tmp_path):
    levels = "".join(f"    title: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]\n" if i else
                     "    title: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" for i in range(8))
    records = "".join(f"  - name: Bomb {i}\n{line}" for i, line in enumerate(levels.splitlines(True)))
    path = write(tmp_path, "contacts:\n" + records)
    before = dump(book)
    started = time.monotonic()
    lines = assert_refused(cli("import", str(path)), before, book, "title: expected text, found [")
    assert time.monotonic() - started < 10  # 9**8 strings if anything expanded them
    assert len(lines) == 8 and max(len(line) for line in lines) < 300


@pytest.mark.parametrize("date", ["9999-12-31T23:59:59-05:00", "-99999999y", "x" * 5000])
def test_impossible_or_huge_dates_are_clear_problems(date, cli, book, tmp_path):
    path = write(tmp_path, f"notes:\n  - {{contact: Ann Lee, text: hi, at: '{date}'}}\n")
    before = dump(book)
    lines = assert_refused(cli("import", str(path)), before, book, "hostile.yaml:2: notes[0] (hi): at:")
    assert len(lines) == 1 and len(lines[0]) < 300


@pytest.mark.parametrize("value, problem", [("2026-02-30", "at: unreadable date '2026-02-30'"),
                                            ("2026-13-01", "at: unreadable date '2026-13-01'"),
                                            ("9" * 5000, "at: not a date: 5,000 characters long")])
def test_values_yaml_itself_cannot_build_are_clear_problems(value, problem, cli, book, tmp_path):
    path = write(tmp_path, f"notes:\n  - {{contact: Ann Lee, text: hi, at: {value}}}\n")
    before = dump(book)
    lines = assert_refused(cli("import", str(path)), before, book, f"hostile.yaml:2: notes[0] (hi): {problem}")
    assert len(lines) == 1



def test_a_line_break_inside_a_quoted_key_or_value_still_gives_one_line_per_problem(cli, book, tmp_path):
    path = write(tmp_path, r"""
        companies:
          - {"na\nme": x, name: "Two\nLines", stage: "No\nWhere"}
    """)
    before = dump(book)
    lines = assert_refused(cli("import", str(path)), before, book)
    assert len(lines) == 3 and "na\\nme: unknown field" in lines[0]
    assert "name: contains a line break ('Two\\nLines'): a name is one line" in lines[1]
    assert "stage: unknown stage" in lines[2]


def test_text_with_a_nul_character_is_refused(cli, book, tmp_path):
    path = write(tmp_path, '{"notes": [{"contact": "Ann Lee", "text": "bin\\u0000ary", "at": "-1d"}]}', "nul.json")
    before = dump(book)
    lines = assert_refused(cli("import", str(path)), before, book, "text: contains a NUL character")
    assert len(lines) == 1


@pytest.mark.parametrize("text", ["? (:", "contacts:\n  - ? [a, b]\n    : 1\n", "{? {a: 1} : x}\n"])
def test_a_list_or_mapping_as_a_key_is_one_clear_line(text, cli, book, tmp_path):
    before = dump(book)
    lines = assert_refused(cli("import", str(write(tmp_path, text))), before, book,
                           "not allowed in custview YAML: a list or mapping as a key")
    assert len(lines) == 1
