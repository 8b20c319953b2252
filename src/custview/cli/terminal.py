"""The one place that owns the Rich consoles: markup, emoji and highlighting off, errors to stderr.

Data is never parsed as markup: a contact called "[red]x[/red]" prints exactly like that.
"""

from __future__ import annotations

from functools import cache


@cache
def console():
    """The console for normal output (stdout)."""
    from rich.console import Console

    return Console(markup=False, emoji=False, highlight=False)


def writes_to_terminal() -> bool:
    """Whether standard output is a terminal, as Rich decides it (TTY_COMPATIBLE, then FORCE_COLOR, then the
    stream itself), without loading Rich: a long list to a file or a pipe is written without it."""
    import os
    import sys

    compatible = os.environ.get("TTY_COMPATIBLE", "")
    if compatible in ("0", "1"):
        return compatible == "1"
    if (force := os.environ.get("FORCE_COLOR")) is not None:
        return force != ""
    try:
        return sys.stdout.isatty()
    except ValueError:  # closed
        return False


@cache
def error_console():
    """The console for problems (stderr)."""
    from rich.console import Console

    return Console(stderr=True, markup=False, emoji=False, highlight=False)


def print_problems(problems: list[str]) -> None:
    """Show each problem as one line on stderr."""
    from rich.text import Text

    from custview.printable import printable

    for problem in problems:  # problems quote data from files: no escape code, and no line break, gets through
        line = printable(problem).replace("\n", "\\n")
        error_console().print(Text("error: ", style="bold red") + Text(line), soft_wrap=True)


def print_json(data) -> None:
    """Print data as JSON for scripts: plain, no colour, no wrapping; every moment as ISO 8601 UTC with `Z`."""
    import json
    import sys

    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=_json_value) + "\n")


def write_json_rows(rows, one_per_line: bool = False, around: tuple[dict, str] | None = None) -> None:
    """Write rows as they come: one JSON array (laid out as print_json lays out a list), or with
    `one_per_line` one compact object per line (JSON Lines). Memory holds one row, not the list.

    `around` (an object and a key): the array is that key's value in the object, written after the
    object's other members, the whole laid out as print_json lays it out."""
    import json
    import sys

    write, count, indent = sys.stdout.write, 0, "\n  "
    if around is not None:
        head, key = around
        opening = json.dumps({**head, key: None}, indent=2, ensure_ascii=False, default=_json_value)
        write(opening[:opening.rindex("null")])
        indent = "\n    "
    for row in rows:
        if one_per_line:
            write(json.dumps(row, ensure_ascii=False, default=_json_value) + "\n")
        else:
            text = json.dumps(row, indent=2, ensure_ascii=False, default=_json_value).replace("\n", indent)
            write(("[" if count == 0 else ",") + indent + text)
        count += 1
    if not one_per_line:
        write((indent[:-2] + "]" if count else "[]") + ("\n}\n" if around is not None else "\n"))


def _json_value(value):
    """What JSON cannot hold by itself: moments and days as ISO 8601, dataclasses as objects (through their
    `json_data()` when they have one), sets as lists."""
    from dataclasses import asdict, is_dataclass
    from datetime import date, datetime

    from custview.dates import iso_utc

    if isinstance(value, datetime):
        return iso_utc(value)
    if isinstance(value, date):
        return value.isoformat()
    if callable(getattr(value, "json_data", None)):
        return value.json_data()
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    raise TypeError(f"{type(value).__name__} is not JSON data")
