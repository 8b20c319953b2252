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
    """Print data as JSON for scripts: plain, no colour, no wrapping."""
    import json
    import sys

    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
