"""Every console example in README.md and docs/ is run, in order, and must print what the page says.

A page is one session, top to bottom, in a fresh folder holding copies of docs/examples/ and
data/sample.yaml (as in a clone of the repository). In a ```console
block, a line starting with `$ ` is a command for the shell; the lines after it are what it prints
(stdout and stderr; the home folder shows as `~`, the session folder's paths relative to it), ending with `(exit code N)` when
it fails. Lines are compared with runs of
spaces collapsed and blank lines ignored; `...` stands for anything: a whole line of it for any
number of lines, inside a line for any text.

The clock is pinned (CUSTVIEW_NOW), the terminal is 100 columns, and on docs/ pages CUSTVIEW_DB
is a fresh copy of the sample book imported at that moment. README.md starts with no book at all,
as a new user does, and makes one with `custview demo`.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
EXAMPLES = ROOT / "docs" / "examples"
SAMPLE = ROOT / "data" / "sample.yaml"
PINNED_NOW = "2026-06-15T09:00:00Z"


@dataclass
class Step:
    """One `$ command` of a page, with the output the page shows for it."""

    line: int
    command: str
    expected: list[str] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)  # the page's lines holding the command


def steps_of(page: Path) -> list[Step]:
    """The commands of every ```console block of a page, in order (a line ending in `\\` continues)."""
    steps: list[Step] = []
    inside = continued = False
    for number, line in enumerate(page.read_text().splitlines(), start=1):
        if line.startswith("```"):
            inside = line.strip() == "```console" if not inside else False
        elif inside and continued:
            steps[-1].command += "\n" + line
            steps[-1].lines.append(number)
        elif inside and line.startswith("$ "):
            steps.append(Step(number, line[2:], lines=[number]))
        elif inside and steps:
            steps[-1].expected.append(line)
        continued = inside and bool(steps) and line.endswith("\\") and steps[-1].lines[-1] == number
    return steps


def normalised(lines: list[str]) -> list[str]:
    """Lines with runs of whitespace collapsed; blank lines dropped."""
    return [" ".join(line.split()) for line in lines if line.strip()]


def matches(expected: list[str], actual: list[str]) -> bool:
    """Whether the actual lines fit the expected ones, where `...` is a wildcard (see the module docstring)."""
    if not expected:
        return not actual
    head, rest = expected[0], expected[1:]
    if head == "...":
        return any(matches(rest, actual[start:]) for start in range(len(actual) + 1))
    if not actual:
        return False
    pattern = ".*".join(re.escape(part) for part in head.split("..."))
    return re.fullmatch(pattern, actual[0]) is not None and matches(rest, actual[1:])


# Who the pages' commands run as: every write records it (custview.config.who_writes).
OS_USER = {"LOGNAME": "consultant", "USER": "consultant"}


@pytest.fixture(scope="session")
def sample_book(tmp_path_factory) -> Path:
    """The sample book, imported once at the pinned moment; each page gets a copy."""
    book = tmp_path_factory.mktemp("sample") / "sample.db"
    result = subprocess.run([custview(), "--db", str(book), "import", str(SAMPLE)], capture_output=True,
                            text=True, env={**os.environ, "CUSTVIEW_NOW": PINNED_NOW, "TZ": "UTC", **OS_USER}, timeout=120)
    assert result.returncode == 0, result.stderr
    return book


def custview() -> str:
    found = Path(sys.executable).parent / "custview"
    return str(found) if found.exists() else shutil.which("custview")


def session_environment(folder: Path, book: Path | None) -> dict[str, str]:
    """What every command of a page runs with: pinned clock, fixed width, a private home."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("CUSTVIEW_", "XDG_"))}
    env |= {"CUSTVIEW_NOW": PINNED_NOW, "TZ": "UTC", "COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb",
            "HOME": str(folder / "home"), "XDG_DATA_HOME": str(folder / "home" / ".local" / "share"),
            "XDG_CONFIG_HOME": str(folder / "home" / ".config"), **OS_USER,
            "PATH": f"{Path(custview()).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    if book is not None:
        env["CUSTVIEW_DB"] = str(book)
    return env


def shown(printed: str, folder: Path, env: dict[str, str]) -> str:
    """Output as a page shows it: the home folder as `~`, paths in the session folder relative to it."""
    return printed.replace(env["HOME"], "~").replace(f"{folder}{os.sep}", "")


@pytest.mark.parametrize("page", [page for page in PAGES if steps_of(page)],
                         ids=lambda page: page.relative_to(ROOT).as_posix())
def test_every_console_example_prints_what_the_page_shows(page, sample_book, tmp_path):
    steps = steps_of(page)
    if EXAMPLES.is_dir():
        shutil.copytree(EXAMPLES, tmp_path / "docs" / "examples")
    (tmp_path / "data").mkdir()
    shutil.copy(SAMPLE, tmp_path / "data")
    book = None
    if page.name != "README.md":
        book = tmp_path / "book.db"
        shutil.copy(sample_book, book)
    env = session_environment(tmp_path, book)
    for step in steps:
        printed, code = run_step(step.command, tmp_path, env)
        actual = shown(printed, tmp_path, env).splitlines()
        if code:
            actual.append(f"(exit code {code})")
        expected = normalised(step.expected)
        assert matches(expected, normalised(actual)), (
            f"{page.relative_to(ROOT)}:{step.line}: `{step.command}` printed:\n{printed}"
            f"(exit code {code})\nbut the page shows:\n" + "\n".join(step.expected))


def run_step(command: str, folder: Path, env: dict[str, str]) -> tuple[str, int]:
    """Run one page command in `folder` with `env`: what it printed (stdout and stderr) and its exit code.

    A plain `custview ARGS` line runs in this process (the same app, a fraction of a new process's start-up);
    anything the shell must read (pipes, redirections, variables, other programs) runs in a real shell.
    """
    arguments = plain_custview_arguments(command)
    if arguments is None:
        result = subprocess.run(command, shell=True, cwd=folder, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, timeout=120)
        return result.stdout, result.returncode
    from typer.testing import CliRunner

    from conftest import fresh_consoles
    from custview.cli.app import app

    with pytest.MonkeyPatch.context() as patch:
        for key in os.environ.keys() - env.keys():
            patch.delenv(key)
        for key, value in env.items():
            patch.setenv(key, value)
        patch.chdir(folder)
        fresh_consoles()
        result = CliRunner().invoke(app, arguments, prog_name="custview", catch_exceptions=False)
    fresh_consoles()
    # As through a pipe: stderr's lines come at once, stdout's (buffered) when the command ends.
    return result.stderr + result.stdout, result.exit_code


def plain_custview_arguments(command: str) -> list[str] | None:
    """The arguments of a line that is only `custview ARGS` (quotes and a trailing comment allowed), else None."""
    import shlex

    if any(sign in command for sign in "$`*~\\\n"):
        return None
    lexer = shlex.shlex(command, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    try:
        words = list(lexer)
    except ValueError:
        return None
    if not words or words[0] != "custview" or any(set(word) <= set("();<>|&") for word in words):
        return None
    return words[1:]


def test_the_wildcard_rules():
    assert matches(["a", "...", "d"], ["a", "b", "c", "d"])
    assert matches(["a ... d"], ["a b c d"])
    assert not matches(["a", "d"], ["a", "b", "d"])
    assert not matches(["a ... d"], ["a b c"])


def rewrite_page(page: Path) -> None:
    """Replace each example's output that no longer fits with what custview prints now (`python tests/test_docs.py PAGE…`).

    For writing docs: review the diff before committing, as you would a pasted transcript.
    """
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        book = None
        if page.name != "README.md":
            book = folder / "book.db"
            env = session_environment(folder, None)
            subprocess.run([custview(), "--db", str(book), "import", str(SAMPLE)], env=env, check=True,
                           capture_output=True)
        if EXAMPLES.is_dir():
            shutil.copytree(EXAMPLES, folder / "docs" / "examples")
        (folder / "data").mkdir()
        shutil.copy(SAMPLE, folder / "data")
        env = session_environment(folder, book)
        lines = page.read_text().splitlines()
        output: list[str] = []
        steps = {step.line: step for step in steps_of(page)}
        command_lines = {number for step in steps.values() for number in step.lines}
        skipping = False
        for number, line in enumerate(lines, start=1):
            if number in command_lines:
                output.append(line)
                step = next((step for step in steps.values() if step.lines[-1] == number), None)
                if step is not None:
                    result = subprocess.run(step.command, shell=True, cwd=folder, env=env, stdout=subprocess.PIPE,
                                            stderr=subprocess.STDOUT, text=True, timeout=300)
                    printed = [line.rstrip() for line in shown(result.stdout, folder, env).splitlines()]
                    if result.returncode:
                        printed.append(f"(exit code {result.returncode})")
                    still_true = matches(normalised(step.expected), normalised(printed))
                    output += step.expected if still_true else printed  # keeps `...` where they still fit
                    skipping = True
            elif skipping and (line.startswith("$ ") or line.startswith("```")):
                skipping = False
                output.append(line)
            elif not skipping:
                output.append(line)
        page.write_text("\n".join(output) + "\n")


if __name__ == "__main__":
    for name in sys.argv[1:]:
        rewrite_page(Path(name).resolve())
