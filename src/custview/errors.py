"""Errors that are the user's to fix: shown as one line per problem, never as a traceback."""

from __future__ import annotations


class UserError(Exception):
    """A mistake in input or usage; each problem is one line for the user, exit code `exit_code`."""

    def __init__(self, *problems: str, exit_code: int = 1):
        super().__init__("\n".join(problems))
        self.problems = list(problems)
        self.exit_code = exit_code
