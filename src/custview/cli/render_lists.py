"""Lists drawn as their rows arrive (`Application.emit_rows`): a few rows as one Rich table fitted to the
terminal; a long list as aligned lines a batch at a time (a Rich table of thousands of rows takes seconds
to lay out, and all of them in memory). Both end with the count.
"""

from __future__ import annotations

from datetime import datetime

from rich import box
from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from custview.cli.render import STYLES, _date, _line, _text
from custview.dates import days_between, describe_duration


class RowsDrawing:
    """A list drawn in batches as aligned lines, one row each: `batch(rows)` gives the lines of those rows
    (after the header, for the first batch), `end()` the closing line. The first batch sets the column
    widths, so later lines line up with it (a longer value pushes the rest of its line along); the last
    column is never padded. Subclasses name the columns and give a row's cells as Rich Text."""

    columns: tuple[str, ...] = ()
    no_wrap: tuple[str, ...] = ()

    def __init__(self):
        self.count = 0
        self.widths: list[int] = []

    def table(self, rows) -> RenderableType:
        """All the rows, when they are few, as one Rich table fitted to the terminal (long cells folded)."""
        table = Table(box=box.SIMPLE_HEAD)
        for column in self.columns:
            table.add_column(column, no_wrap=column in self.no_wrap, overflow="fold")
        for row in rows:
            table.add_row(*self.cells(row))
            self.count += 1
        return table

    def batch(self, rows) -> RenderableType:
        """The lines of the next rows (a Rich Text printed as it is, never wrapped)."""
        cells = [self.cells(row) for row in rows]
        self.count += len(cells)
        lines = Text()
        if not self.widths:
            self.widths = [max([len(name), *(len(row[i]) for row in cells)]) for i, name in enumerate(self.columns)]
            header = self._aligned([Text(name, style=STYLES["title"]) for name in self.columns])
            lines.append_text(header).append("\n").append("─" * len(header), style=STYLES["muted"]).append("\n")
        for row in cells:
            lines.append_text(self._aligned(row)).append("\n")
        lines.rstrip()
        return lines

    def _aligned(self, cells: list[Text]) -> Text:
        """One line: each cell padded to its column's width, two spaces between columns."""
        line = Text()
        for number, cell in enumerate(cells):
            line.append_text(cell)
            if number < len(cells) - 1:
                line.append(" " * (self.widths[number] - len(cell) + 2))
        return line

    def cells(self, row) -> list[Text]:
        """The cells of one row, as Rich Text (one line each)."""
        raise NotImplementedError

    def end(self) -> RenderableType:
        """What closes the list: how many rows there were."""
        raise NotImplementedError


class NextStepsDrawing(RowsDrawing):
    """Open next steps: when due (overdue ones marked), whose, for whom, what, and from which meeting."""

    columns = ("Id", "Due", "Owner", "Contact", "Step", "From")
    no_wrap = ("Id", "Due")

    def __init__(self, as_of: datetime):
        super().__init__()
        self.as_of, self.overdue = as_of, 0

    def cells(self, step) -> list:
        late = step.due_at is not None and days_between(step.due_at, self.as_of) > 0
        self.overdue += late
        return [_text(f"S{step.id}", "muted"), _line(_date(step.due_at), ("  overdue", "danger") if late else ""),
                _text(step.owner or "—"), _line(step.contact, (f" · {step.company}", "muted") if step.company else ""),
                _text(step.step, "title"), _line(step.appointment, (f", {_date(step.met_at)}", "muted"))]

    def end(self) -> RenderableType:
        if not self.count:
            return _text("No open next steps.", "good")
        overdue = f", {self.overdue} overdue" if self.overdue else ""
        return _text(f"{self.count} open next step{'s' if self.count != 1 else ''}{overdue}", "muted")


class ContactsDrawing(RowsDrawing):
    """The contact list: name, title, company, stage, how long in it, email."""

    columns = ("Name", "Title", "Company", "Stage", "In stage", "Email")

    def __init__(self, as_of: datetime):
        super().__init__()
        self.as_of = as_of

    def cells(self, row) -> list:
        c = row.contact
        in_stage = describe_duration(days_between(c.stage_since, self.as_of)) if c.stage_since else "—"
        return [_text(c.name, "title"), _text(c.title), _text(row.company.name if row.company else ""),
                _text(c.stage, "stage"), _text(in_stage), _text(c.email)]

    def end(self) -> RenderableType:
        return _text(f"{self.count} contact{'s' if self.count != 1 else ''}", "muted")
