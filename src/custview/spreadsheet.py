"""CSV cells that are safe to open in a spreadsheet, and how to read them back exactly.

A spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` (or a tab / carriage return
before one) as a formula: a contact called `=HYPERLINK("http://evil.example", "click")` would
become a live link. custview's CSV export puts a single quote `'` in front of such cells, so the
spreadsheet shows them as text. The rule is exact and reversible:

- export (`guard_cell`): a cell made of zero or more `'` followed by a trigger character gets
  one more `'` in front;
- import (`unguard_cell`): a cell made of one or more `'` followed by a trigger character loses
  its first `'`.

Any other cell is written and read unchanged, so `'tis` stays `'tis` and `'=x` survives a round
trip as `'=x` (exported as `''=x`).

A cell holding a list (topics, decisions, attendees, next steps, aliases) is its items joined with
`; ` when each item is plain text that reads back that way (no `;`, not starting with `[`);
otherwise the whole cell is a JSON array, whose items may be objects (`{"step": …, "due": …}`).
Reading it back (`read_list_cell`): a cell starting with `[` that is a JSON array is that array;
any other cell is split at `;`.
"""

from __future__ import annotations

import json
import re

FORMULA_TRIGGERS = "=+-@\t\r"

_GUARD = re.compile(r"'*[=+\-@\t\r]")
_GUARDED = re.compile(r"'+[=+\-@\t\r]")


def guard_cell(text: str) -> str:
    """The cell as written to CSV: prefixed with `'` when a spreadsheet would run it as a formula."""
    return "'" + text if _GUARD.match(text) else text


def unguard_cell(text: str) -> str:
    """The original value of a cell written by `guard_cell` (what a custview CSV importer must do)."""
    return text[1:] if _GUARDED.match(text) else text


LIST_SEPARATOR = "; "


def is_plain_item(text: str) -> bool:
    """Whether a list item reads back exactly from a `; `-joined cell."""
    return ";" not in text and not text.startswith("[") and text == text.strip() and text != ""


def list_cell(items: list) -> str:
    """A list as one cell: plain texts joined with `; `, anything else (or a text that would not read back) as JSON."""
    if all(isinstance(item, str) and is_plain_item(item) for item in items):
        return LIST_SEPARATOR.join(items)
    return json.dumps(items, ensure_ascii=False)


def read_list_cell(cell: str, separator: str = ";") -> list:
    """The items of a cell written by `list_cell`: a JSON array as it is, else the `;`-separated texts."""
    cell = cell.strip()
    if cell.startswith("["):
        try:
            items = json.loads(cell)
        except (ValueError, RecursionError):  # not JSON after all: a plain text starting with [
            items = None
        if isinstance(items, list):
            return items
    return [item.strip() for item in cell.split(separator) if item.strip()]
