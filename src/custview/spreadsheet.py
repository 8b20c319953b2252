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
"""

from __future__ import annotations

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
