"""Errors that are the user's to fix: shown as one line per problem, never as a traceback."""

from __future__ import annotations


class UserError(Exception):
    """A mistake in input or usage; each problem is one line for the user, exit code `exit_code`."""

    def __init__(self, *problems: str, exit_code: int = 1):
        super().__init__("\n".join(problems))
        self.problems = list(problems)
        self.exit_code = exit_code


LARGEST_ID = 2**63 - 1  # SQLite's largest integer: no record can have a larger number


def record_id(text: str, what: str = "record") -> int | None:
    """The id in a reference written "#12" (ASCII digits), or None for anything else; UserError if too large."""
    text = text.strip()
    if not (text.startswith("#") and text[1:].isascii() and text[1:].isdigit()):
        return None
    return checked_id(int(text[1:]), what)


def checked_id(number: int, what: str = "record") -> int:
    """`number` as a record id, or a clear UserError when no record can have it (SQLite's integer range)."""
    if not 0 <= number <= LARGEST_ID:
        raise UserError(f"No {what} #{number}: numbers go up to {LARGEST_ID:,}.")
    return number
