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
    rows_as_json = _RowsAsJson()
    for row in rows:
        if one_per_line:
            write(rows_as_json.compact(row) + "\n")
        else:
            write(("[" if count == 0 else ",") + indent + rows_as_json.indented(row, indent))
        count += 1
    if not one_per_line:
        write((indent[:-2] + "]" if count else "[]") + ("\n}\n" if around is not None else "\n"))


class _NotPlain(Exception):
    """A row that `_RowsAsJson` leaves to json.dumps."""


class _QuotedNames(dict):
    """Each key of the rows as a member's start (`"key": `), quoted once: the rows of a list share their keys."""

    def __missing__(self, key) -> str:
        from json.encoder import encode_basestring

        name = self[key] = encode_basestring(key) + ": "
        return name


class _RowsAsJson:
    """Rows written exactly as json.dumps writes them, a flat object (text keys; plain values, or lists and
    objects of them) member by member: json's own indented writer is pure Python, and asks `_json_value` about
    every moment; for a long list that was most of the time. Any other row goes through json.dumps itself."""

    def __init__(self):
        from datetime import date, datetime
        from json.encoder import encode_basestring

        from custview.dates import iso_utc

        self.names = _QuotedNames()
        self.writers = {str: encode_basestring, int: int.__repr__, float: self._number, type(None): lambda _: "null",
                        bool: {True: "true", False: "false"}.__getitem__,
                        datetime: lambda moment: encode_basestring(iso_utc(moment)),
                        date: lambda day: encode_basestring(day.isoformat())}

    def indented(self, row, indent: str) -> str:
        """The row as json.dumps(row, indent=2) writes it, each line break followed by `indent`."""
        members = self._members(row, indent + "  ")
        if members is None:
            import json

            return json.dumps(row, indent=2, ensure_ascii=False, default=_json_value).replace("\n", indent)
        return f"{{{indent}  {f',{indent}  '.join(members)}{indent}}}" if members else "{}"

    def compact(self, row) -> str:
        """The row on one line, as json.dumps(row) writes it."""
        members = self._members(row, None)
        if members is None:
            import json

            return json.dumps(row, ensure_ascii=False, default=_json_value)
        return f"{{{', '.join(members)}}}"

    def _members(self, row, indent: str | None) -> list[str] | None:
        """The members of a dict (`"key": value`; a list or object in it laid out with `indent`, or on one line
        when None), or None when json.dumps should write the row."""
        if type(row) is not dict:
            return None
        names, writers = self.names, self.writers
        try:
            try:
                return [names[key] + writers[type(value)](value) for key, value in row.items()]
            except KeyError:  # a value holding others, or of a kind json.dumps would ask _json_value about
                return [names[key] + (writers[type(value)](value) if type(value) in writers
                                      else self._nested(value, indent)) for key, value in row.items()]
        except (_NotPlain, TypeError):  # TypeError: a key that is not text
            return None

    @staticmethod
    def _nested(value, indent: str | None) -> str:
        """A list or a dict as json.dumps writes it inside a row laid out with `indent` (None: on one line)."""
        if type(value) not in (list, tuple, dict):
            raise _NotPlain
        import json

        if indent is None:
            return json.dumps(value, ensure_ascii=False, default=_json_value)
        return json.dumps(value, indent=2, ensure_ascii=False, default=_json_value).replace("\n", indent)

    @staticmethod
    def _number(value: float) -> str:
        """A float as json.dumps writes it; NaN and the infinities are left to json.dumps."""
        if value != value or value in (float("inf"), float("-inf")):
            raise _NotPlain
        return float.__repr__(value)


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
