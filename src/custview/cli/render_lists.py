"""Lists drawn as their rows arrive (`Application.emit_rows`): a few rows as one Rich table fitted to the
terminal; a long list as aligned lines a batch at a time (a Rich table of thousands of rows takes seconds
to lay out, and all of them in memory). Both end with the count.
"""

from __future__ import annotations

from datetime import datetime

from rich import box
from rich.console import RenderableType
from rich.table import Table
from rich.text import Span, Text

from custview.cli.render import STYLES, _date, _day, _line, _text
from custview.dates import days_between, describe_duration, local_date, to_local
from custview.printable import printable


class RowsDrawing:
    """A list drawn in batches as aligned lines, one row each: `batch(rows)` gives the lines of those rows
    (after the header, for the first batch), `end()` the closing line. The first batch sets the column
    widths, so later lines line up with it (a longer value pushes the rest of its line along); the last
    column is never padded. Subclasses name the columns and give a row's cells: Rich Text, or (value,
    style) pairs, which cost less for a long list. `styled` is False when the output shows no style (a
    file or a pipe): the lines are then plain text, laid out without the work of styling them."""

    columns: tuple[str, ...] = ()
    no_wrap: tuple[str, ...] = ()
    styled = True
    width = 100  # the terminal's, set by Application.emit_rows

    def __init__(self):
        self.count = 0
        self.widths: list[int] = []

    def table(self, rows) -> RenderableType:
        """All the rows, when they are few, as one Rich table fitted to the terminal (long cells folded)."""
        table = Table(box=box.SIMPLE_HEAD)
        for column in self.columns:
            table.add_column(column, no_wrap=column in self.no_wrap, overflow="fold")
        for row in rows:
            table.add_row(*(_as_text(cell) for cell in self.cells(row)))
            self.count += 1
        return table

    def batch(self, rows) -> RenderableType:
        """The lines of the next rows (a Rich Text printed as it is, never wrapped)."""
        piece = self._piece if self.styled else self._plain
        cells = [[piece(cell) for cell in self.cells(row)] for row in rows]
        self.count += len(cells)
        lines = []
        if not self.widths:
            self.widths = [max([len(name), *(len(row[i][0]) for row in cells)]) for i, name in enumerate(self.columns)]
            rule = "─" * (sum(self.widths[:-1]) + 2 * (len(self.widths) - 1) + len(self.columns[-1]))
            lines += [[self._piece((name, "title")) for name in self.columns], [self._piece((rule, "muted"))]]
        return self._aligned(lines + cells)

    def _piece(self, cell) -> tuple[str, list]:
        """A cell as its plain text and its styles' spans (none when unstyled)."""
        if isinstance(cell, list):
            cell = _line(*cell)
        if isinstance(cell, Text):
            plain, style, spans = cell.plain, cell.style, cell.spans
        elif not self.styled:
            return printable(cell[0] if isinstance(cell, tuple) else cell), []
        else:
            value, style = cell if isinstance(cell, tuple) else (cell, None)
            plain, style, spans = printable(value), STYLES.get(style, style) if style else "", []
        if not self.styled:
            return plain, []
        return plain, ([Span(0, len(plain), style)] if style else []) + spans

    @staticmethod
    def _plain(cell) -> tuple[str, tuple]:
        """A cell as its plain text, without styles (the output shows none)."""
        kind = type(cell)
        if kind is tuple:
            return printable(cell[0]), ()
        if kind is list:
            return printable("".join([str((part[0] if type(part) is tuple else part) or "") for part in cell])), ()
        return printable(cell.plain if kind is Text else cell), ()

    def _aligned(self, rows: list[list[tuple[str, list]]]) -> Text | str:
        """Lines of cells, each padded to its column's width with two spaces between columns (the last
        column unpadded), made into one Text at once; only the text (a str) when unstyled."""
        if not self.styled:  # no spans to place: only the text, joined at once (a Text would scan it again)
            line = "".join(f"{{:<{width + 2}}}" for width in self.widths[:-1]) + "{}"
            return "\n".join(line.format(*[plain for plain, _ in cells]) if len(cells) == len(self.widths)
                             else "".join([*(plain.ljust(width + 2) for (plain, _), width in zip(cells[:-1], self.widths)),
                                           cells[-1][0]]) for cells in rows)
        parts, spans, position = [], [], 0
        for cells in rows:
            for number, (plain, styles) in enumerate(cells):
                spans += [span.move(position) for span in styles]
                padding = " " * (self.widths[number] - len(plain) + 2) if number < len(cells) - 1 else "\n"
                parts += [plain, padding]
                position += len(plain) + len(padding)
        return Text("".join(parts)[:-1], spans=spans)

    def _joined(self, *parts):
        """(value, style) pairs and plain values as one cell: Rich Text, or only the text when unstyled."""
        if self.styled:
            return _line(*parts)
        return "".join([str(part[0] if isinstance(part, tuple) else part or "") for part in parts])

    def cells(self, row) -> list:
        """The cells of one row (one line each): Rich Text, (value, style) pairs, plain values, or a list of
        pairs and values shown one after the other."""
        raise NotImplementedError

    def end(self) -> RenderableType:
        """What closes the list: how many rows there were."""
        raise NotImplementedError


def _as_text(cell) -> Text:
    """A cell given as Rich Text, a (value, style) pair, a plain value or a list of them, as Rich Text."""
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
        self.as_of, self.overdue = as_of, 0
        self.today = local_date(as_of)

    def cells(self, step) -> list:
        due = local_date(step.due_at) if step.due_at is not None else None
        late = due is not None and due < self.today  # a calendar day or more past due
        self.overdue += late
        return [(f"S{step.id}", "muted"), [_day(due) if due else "—", ("  overdue", "danger") if late else ""],
                step.owner or "—", [step.contact, (f" · {step.company}", "muted") if step.company else ""],
                (step.step, "title"), [step.appointment, (f", {_date(step.met_at)}", "muted")]]

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

    def cells(self, line) -> list:
        in_stage = describe_duration(days_between(line.stage_since, self.as_of)) if line.stage_since else "—"
        return [(line.name, "title"), line.title, line.company or "", (line.stage, "stage"), in_stage, line.email]

    def end(self) -> RenderableType:
        return _text(f"{self.count} contact{'s' if self.count != 1 else ''}", "muted")


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

    def batch(self, events) -> RenderableType:
        """The lines of these events (after the subject's name, for the first batch)."""
        rows = [[self._piece((f"Timeline — {self.subject}", "title"))]] if not self.count else []
        self.count += len(events)
        room = max(self.width - sum(self.widths) - 4, 20)
        for e in events:
            what = _line((e.title, self.KIND_STYLES.get(e.kind)), (f"  — {e.who}" if e.who else "", "muted"))
            first, *more = self._wrapped(what, room)
            rows.append([self._piece(_text(f"{to_local(e.at):%Y-%m-%d}", "muted")), self._piece(e.kind), first])
            rows += [[("", []), ("", []), line] for line in more]
            for detail in [*e.details, *([f"by {e.made_by}"] if e.made_by else [])]:
                rows += [[("", []), ("", []), (self.DETAIL_INDENT + plain, [s.move(len(self.DETAIL_INDENT)) for s in spans])]
                         for plain, spans in self._wrapped(_text(detail, "muted"), room - len(self.DETAIL_INDENT))]
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

    def end(self) -> RenderableType:
        if not self.count:
            return _text(f"No events for {self.subject} with these filters.", "muted")
        return _text(f"{self.count} event{'s' if self.count != 1 else ''}", "muted")


class StageSuggestionsDrawing(RowsDrawing):
    """Readiness call-outs: who, at which company, the recorded stage, the one they behave like, and why."""

    columns = ("Name", "Company", "Recorded", "Behaves like", "Evidence")

    def table(self, rows) -> RenderableType:
        """A few call-outs as one table, the evidence as bullets."""
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

    def end(self) -> RenderableType:
        if not self.count:
            return _text("No readiness signals: everyone behaves like their recorded stage.", "good")
        return _text("Suggestions only: change a stage with 'custview stage set NAME STAGE'.", "muted")
