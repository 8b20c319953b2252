"""Lists drawn as their rows arrive (`Application.emit_rows`): a few rows as one Rich table fitted to the
terminal; a long list as aligned lines a batch at a time (a Rich table of thousands of rows takes seconds
to lay out, and all of them in memory). Both end with the count.

A long list written to a file or a pipe shows no style: its lines are plain text, laid out without Rich,
which this module loads only for what it draws with it (tables, styled or wrapped lines).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from custview.dates import day_label, describe_day, describe_duration, local_date, to_local
from custview.printable import printable

if TYPE_CHECKING:
    from rich.console import RenderableType
    from rich.text import Text


class RowsDrawing:
    """A list drawn in batches as aligned lines, one row each: `batch(rows)` gives the lines of those rows
    (after the header, for the first batch), `end()` the closing line. The first batch sets the column
    widths, so later lines line up with it (a longer value pushes the rest of its line along); the last
    column is never padded. Subclasses name the columns and give a row's cells: Rich Text, or (value,
    style) pairs, which cost less for a long list. `styled` is False when the output shows no style (a
    file or a pipe): the lines are then plain text (a str), laid out without the work of styling them."""

    columns: tuple[str, ...] = ()
    no_wrap: tuple[str, ...] = ()
    styled = True

    def __init__(self):
        self.count = 0
        self.widths: list[int] = []

    @property
    def width(self) -> int:
        """The terminal's width (asked of Rich only by the drawings that wrap)."""
        from custview.cli.terminal import console

        return console().width

    def table(self, rows) -> RenderableType:
        """All the rows, when they are few, as one Rich table fitted to the terminal (long cells folded)."""
        from rich import box
        from rich.table import Table

        table = Table(box=box.SIMPLE_HEAD)
        for column in self.columns:
            table.add_column(column, no_wrap=column in self.no_wrap, overflow="fold")
        for row in rows:
            table.add_row(*(_as_text(cell) for cell in self.cells(row)))
            self.count += 1
        return table

    def batch(self, rows) -> Text | str:
        """The lines of the next rows, printed as they are, never wrapped: a Rich Text, or a str unstyled."""
        if not self.styled:
            return self._plain_lines(rows)
        cells = [[self._piece(cell) for cell in self.cells(row)] for row in rows]
        self.count += len(cells)
        header = [[self._piece((text, style)) for text in line] for line, style in
                  zip(self._header([[plain for plain, _ in row] for row in cells]), ("title", "muted"))]
        return self._aligned(header + cells)

    def _plain_lines(self, rows) -> str:
        """The lines of the next rows as plain text: the values as they are, unless one of them needs
        `printable` (looked for once for the batch, not cell by cell: most data needs nothing)."""
        cells = [self.plain_cells(row) for row in rows]
        if not "".join(map("".join, cells)).isprintable():  # what printable() changes is never printable
            cells = [[printable(text) for text in row] for row in cells]
        self.count += len(cells)
        return self._plain_text(self._header(cells) + cells)

    def _plain_text(self, lines: list[list[str]]) -> str:
        """Lines of plain cells, each padded to its column's width with two spaces between columns (the last
        column unpadded)."""
        layout, columns = "".join(f"%-{width + 2}s" for width in self.widths[:-1]) + "%s", len(self.widths)
        return "\n".join([layout % tuple(line) if len(line) == columns else line[0] for line in lines])

    def _header(self, first: list[list[str]]) -> list[list[str]]:
        """For the first batch, the column names and a rule under them, the widths set from that batch's
        texts (none for the batches after it)."""
        if self.widths:
            return []
        self.widths = [max([len(name), *(len(row[i]) for row in first)]) for i, name in enumerate(self.columns)]
        rule = "─" * (sum(self.widths[:-1]) + 2 * (len(self.widths) - 1) + len(self.columns[-1]))
        return [list(self.columns), [rule]]

    def _piece(self, cell) -> tuple[str, list]:
        """A cell as its plain text and its styles as (start, end, style) spans (none when unstyled)."""
        if not self.styled:
            return printable(_plain(cell)), []
        if isinstance(cell, list):
            from custview.cli.render import _line

            cell = _line(*cell)
        if isinstance(cell, tuple):
            value, style = cell
        elif hasattr(cell, "spans"):  # Rich Text
            own = [(0, len(cell.plain), cell.style)] if cell.style else []
            return cell.plain, own + [tuple(span) for span in cell.spans]
        else:
            value, style = cell, None
        plain = printable(value)
        if not style:
            return plain, []
        from custview.cli.render import STYLES

        return plain, [(0, len(plain), STYLES.get(style, style))]

    def _aligned(self, rows: list[list[tuple[str, list]]]) -> Text | str:
        """Lines of cells, each padded to its column's width with two spaces between columns (the last
        column unpadded): one Rich Text made at once, or the plain text when unstyled."""
        if not self.styled:
            return self._plain_text([[plain for plain, _ in cells] for cells in rows])
        from rich.text import Span, Text

        parts, spans, position = [], [], 0
        for cells in rows:
            for number, (plain, styles) in enumerate(cells):
                spans += [Span(start + position, end + position, style) for start, end, style in styles]
                padding = " " * (self.widths[number] - len(plain) + 2) if number < len(cells) - 1 else "\n"
                parts += [plain, padding]
                position += len(plain) + len(padding)
        return Text("".join(parts)[:-1], spans=spans)

    def _closing(self, text: str, style: str) -> Text | str:
        """The line that ends the list: styled as Rich Text, or the plain text."""
        if not self.styled:
            return printable(text)
        from custview.cli.render import _text

        return _text(text, style)

    def cells(self, row) -> list:
        """The cells of one row (one line each): Rich Text, (value, style) pairs, plain values, or a list of
        pairs and values shown one after the other."""
        raise NotImplementedError

    def plain_cells(self, row) -> list[str]:
        """The texts of one row's cells, as `cells` gives them without their styles (not yet made printable).
        A drawing of long lists may write them out itself: tens of thousands of rows are laid out this way."""
        return [_plain(cell) for cell in self.cells(row)]

    def end(self) -> Text | str:
        """What closes the list: how many rows there were."""
        raise NotImplementedError


def _plain(cell) -> str:
    """A cell (Rich Text, a (value, style) pair, a value, or a list of them) as its text, not yet made printable."""
    kind = type(cell)
    if kind is str:
        return cell
    if kind is tuple:
        cell = cell[0]
        if type(cell) is str:
            return cell
    elif kind is list:
        return "".join([_plain(part) for part in cell])
    return "" if cell is None else getattr(cell, "plain", None) or str(cell)


def _as_text(cell) -> Text:
    """A cell given as Rich Text, a (value, style) pair, a plain value or a list of them, as Rich Text."""
    from rich.text import Text

    from custview.cli.render import _line, _text

    if isinstance(cell, Text):
        return cell
    if isinstance(cell, list):
        return _line(*cell)
    return _text(*cell) if isinstance(cell, tuple) else _text(cell)


class NextStepsDrawing(RowsDrawing):
    """Open next steps: when due (overdue ones marked), whose, for whom, what, and from which meeting."""

    columns = ("Id", "Due", "Owner", "Contact", "Step", "From")
    no_wrap = ("Id", "Due")

    def __init__(self, as_of: datetime):
        super().__init__()
        self.as_of, self.overdue, self.labels = as_of, 0, {}
        self.today = local_date(as_of)

    def cells(self, step) -> list:
        day, late = self._due(step)
        return [(f"S{step.id}", "muted"), [day, ("  overdue", "danger") if late else ""], step.owner or "—",
                [step.contact, (f" · {step.company}", "muted") if step.company else ""], (step.step, "title"),
                [step.appointment, (f", {describe_day(step.met_at)}", "muted")]]

    def plain_cells(self, step) -> list[str]:
        day, late = self._due(step)
        return [f"S{step.id}", f"{day}  overdue" if late else day, step.owner or "—",
                f"{step.contact} · {step.company}" if step.company else step.contact, step.step,
                f"{step.appointment}, {self._label(local_date(step.met_at))}"]

    def _due(self, step) -> tuple[str, bool]:
        """The day a step is due ("—" for none), and whether that is a calendar day or more ago (counted)."""
        if step.due_stored is None:
            return "—", False
        due = local_date(step.due_at)
        late = due < self.today
        self.overdue += late
        return self._label(due), late

    def _label(self, day) -> str:
        """`day_label`, kept for the days this list has shown (a dict look-up costs less than its cache's)."""
        label = self.labels.get(day)
        if label is None:
            label = self.labels[day] = day_label(day)
        return label

    def end(self) -> Text | str:
        if not self.count:
            return self._closing("No open next steps.", "good")
        overdue = f", {self.overdue} overdue" if self.overdue else ""
        return self._closing(f"{self.count} open next step{'s' if self.count != 1 else ''}{overdue}", "muted")


class ContactsDrawing(RowsDrawing):
    """The contact list: name, title, company, stage, how long in it, email."""

    columns = ("Name", "Title", "Company", "Stage", "In stage", "Email")

    def __init__(self, as_of: datetime):
        super().__init__()
        self.today = local_date(as_of)  # once: days_between would work it out again for every row

    def cells(self, line) -> list:
        in_stage = describe_duration((self.today - local_date(line.stage_since)).days) if line.stage_since else "—"
        return [(line.name, "title"), line.title, line.company or "", (line.stage, "stage"), in_stage, line.email]

    def end(self) -> Text | str:
        return self._closing(f"{self.count} contact{'s' if self.count != 1 else ''}", "muted")


class TimelineDrawing(RowsDrawing):
    """A history in date order, drawn as it is read under the subject's name: each event's date, kind and
    what happened (wrapped to the terminal, a word too long for it cut with "…"), its details beneath;
    it ends with the count."""

    KIND_STYLES = {"stage": "stage", "ticket": "warning", "appointment": "title", "note": "label",
                   "signal": "topic", "merge": "warning"}
    DETAIL_INDENT = "    "

    def __init__(self, subject: str):
        from custview.insight.timeline import EVENT_KINDS

        super().__init__()
        self.subject = subject
        self.widths = [len("2026-01-01"), max(len(kind) for kind in EVENT_KINDS), 0]

    def table(self, events) -> RenderableType:
        """A short history: drawn the same way as a long one, line by line."""
        return self.batch(events)

    def batch(self, events) -> Text | str:
        """The lines of these events (after the subject's name, for the first batch)."""
        from custview.cli.render import _line, _text

        rows = [[self._piece((f"Timeline — {self.subject}", "title"))]] if not self.count else []
        self.count += len(events)
        room, indent = max(self.width - sum(self.widths) - 4, 20), len(self.DETAIL_INDENT)
        for e in events:
            what = _line((e.title, self.KIND_STYLES.get(e.kind)), (f"  — {e.who}" if e.who else "", "muted"))
            first, *more = self._wrapped(what, room)
            rows.append([self._piece(_text(f"{to_local(e.at):%Y-%m-%d}", "muted")), self._piece(e.kind), first])
            rows += [[("", []), ("", []), line] for line in more]
            for detail in [*e.details, *([f"by {e.made_by}"] if e.made_by else [])]:
                rows += [[("", []), ("", []), (self.DETAIL_INDENT + plain, [(a + indent, b + indent, style) for a, b, style in spans])]
                         for plain, spans in self._wrapped(_text(detail, "muted"), room - indent)]
        return self._aligned(rows)

    def _wrapped(self, text: Text, room: int) -> list[tuple[str, list]]:
        """The text as lines of at most `room` cells: (plain, spans) each."""
        from rich.cells import cell_len

        if cell_len(text.plain) <= room:
            return [self._piece(text)]
        from custview.cli.terminal import console

        lines = text.wrap(console(), room, overflow="ellipsis")
        for line in lines:
            line.rstrip()
        return [self._piece(line) for line in lines]

    def end(self) -> Text | str:
        if not self.count:
            return self._closing(f"No events for {self.subject} with these filters.", "muted")
        return self._closing(f"{self.count} event{'s' if self.count != 1 else ''}", "muted")


class StageSuggestionsDrawing(RowsDrawing):
    """Readiness call-outs: who, at which company, the recorded stage, the one they behave like, and why."""

    columns = ("Name", "Company", "Recorded", "Behaves like", "Evidence")

    def table(self, rows) -> RenderableType:
        """A few call-outs as one table, the evidence as bullets."""
        from rich import box
        from rich.table import Table

        from custview.cli.render import _bullets

        table = Table(box=box.SIMPLE_HEAD)
        for column in self.columns:
            table.add_column(column, overflow="fold")
        for row in rows:
            table.add_row(*(_as_text(cell) for cell in self.cells(row)[:-1]), _bullets(row[3].evidence))
            self.count += 1
        return table

    def cells(self, row) -> list:
        name, company, stage, readiness = row
        arrow = "↑ " if readiness.direction == "ahead" else "↓ "
        return [(name, "title"), company or "", (stage, "stage"), (arrow + readiness.behaves_like, "warning"),
                "; ".join(readiness.evidence)]

    def end(self) -> Text | str:
        if not self.count:
            return self._closing("No readiness signals: everyone behaves like their recorded stage.", "good")
        return self._closing("Suggestions only: change a stage with 'custview stage set NAME STAGE'.", "muted")
