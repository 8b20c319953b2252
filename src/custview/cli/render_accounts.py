"""Rendering of the portfolio (`custview companies`) and the Value Path funnel (`custview pipeline`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rich import box
from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderableType
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from custview.cli.render import _text
from custview.cli.render_lists import RowsDrawing
from custview.dates import describe_age
from custview.insight.commercial import renewal_when

HEALTH_STYLES = {"healthy": "good", "watch": "warning", "at risk": "danger"}
NAME_AT_LEAST = 12  # the narrowest a name column wraps to: a word or two per line, still readable
BAR_WIDTHS = (24, 20, 16, 12)  # the pipeline's bars shrink to these before a column is dropped


@dataclass
class Column:
    """A column of a table fitted to the terminal (`FittedTable`)."""

    header: str
    cells: list[Text]
    drop_order: int = 0  # 0: always shown; on a narrow terminal the highest is dropped first
    justify: str = "left"
    wraps: bool = False  # the name: wraps onto more lines; any other column is shown whole or not at all

    def __post_init__(self):
        natural = max(cell_len(str(cell)) for cell in [self.header, *self.cells])
        self.min_width = min(natural, NAME_AT_LEAST) if self.wraps else natural


class FittedTable:
    """A table showing the columns that fit the terminal whole, with the dropped ones named in one dim line.

    `layouts` are the same columns from widest to narrowest (the pipeline's bars get shorter): the
    first that fits with every column is drawn; else the narrowest, without the columns dropped
    last-first (`Column.drop_order`) until it fits. A name column wraps, down to NAME_AT_LEAST.
    """

    def __init__(self, layouts: list[list[Column]], **table_options):
        self.layouts, self.table_options = layouts, table_options

    def __rich_console__(self, console: Console, options: ConsoleOptions):
        width = options.max_width
        for columns in self.layouts:
            shown = list(columns)
            while not self._fits(console, options, shown) and any(c.drop_order for c in shown):
                shown.remove(max(shown, key=lambda c: c.drop_order))
            if len(shown) == len(columns):
                break
        yield self._table(shown)
        dropped = [c.header for c in columns if c not in shown]
        if dropped:
            yield _text(f"Hidden at {width} columns: {', '.join(dropped)}.", "muted")

    def _fits(self, console: Console, options: ConsoleOptions, columns: list[Column]) -> bool:
        """Whether the columns fit at their minimum widths (measured on the headers alone: every column's
        minimum is set from its cells already)."""
        unbounded = options.update_width(10 * options.max_width)  # a measurement never exceeds the width it is given
        return Measurement.get(console, unbounded, self._table(columns, rows=False)).minimum <= options.max_width

    def _table(self, columns: list[Column], rows: bool = True) -> Table:
        table = Table(**self.table_options)
        for c in columns:
            table.add_column(c.header, justify=c.justify, overflow="fold" if c.wraps else "ellipsis",
                             no_wrap=not c.wraps, min_width=c.min_width)
        for row in zip(*(c.cells for c in columns)) if rows else ():
            table.add_row(*row)
        return table


def _companies_table(rows, as_of: datetime) -> FittedTable:
    """A few accounts as one table; on a narrow terminal the least needed columns go first."""
    cells = [company_cells(r, as_of) for r in rows]
    columns = [Column(header, [_text(*row[number]) for row in cells], wraps=header == "Company", drop_order=drop)
               for number, (header, drop) in enumerate(COMPANY_COLUMNS)]
    return FittedTable([columns], box=box.SIMPLE_HEAD, padding=(0, 1, 0, 0))


# (header, drop order): 0 always shown; on a narrow terminal the highest goes first
COMPANY_COLUMNS = (("Company", 0), ("Status", 6), ("Stage", 4), ("Health", 2), ("Renewal", 0), ("Value", 3),
                   ("Owner", 7), ("Last touch", 5), ("Issues", 1))


def company_cells(r, as_of: datetime) -> list[tuple]:
    """One account's cells, in COMPANY_COLUMNS' order, as (value, style) pairs."""
    return [(r.name, "title"), (r.status or "—", None), (r.stage or "—", "stage"),
            (r.health or "—", HEALTH_STYLES.get(r.health, "muted")),
            (renewal_when(r.renewal_at, as_of) if r.renewal_at else "—",
             "warning" if r.renewal_in_days is not None and r.renewal_in_days <= 90 else None),
            (r.value_text or "—", None), (r.owner or "—", None),
            (describe_age(r.last_two_way, as_of) if r.last_two_way else "never", None),
            (str(r.open_problems) if r.open_problems else "—", "danger" if r.open_problems else "muted")]


class CompaniesDrawing(RowsDrawing):
    """The portfolio drawn as its rows come (`Application.emit_rows`): a few as the fitted table, a long list as
    aligned lines with every column."""

    columns = tuple(header for header, _ in COMPANY_COLUMNS)

    def __init__(self, as_of: datetime):
        super().__init__()
        self.as_of = as_of

    def table(self, rows) -> RenderableType:
        """A few accounts: the table fitted to the terminal."""
        self.count += len(rows)
        return _companies_table(rows, self.as_of)

    def cells(self, row) -> list:
        return company_cells(row, self.as_of)

    def end(self) -> Text | str:
        return self._closing(f"{self.count} account{'s' if self.count != 1 else ''}", "muted")


def render_pipeline(funnel, title: str, plain: bool) -> RenderableType:
    """The funnel as a horizontal bar chart per stage, with conversion to the next stage and median days in it.

    `plain` draws the bars with "#" (for pipes and files) instead of block characters. On a narrow
    terminal the bars get shorter first, then the least needed columns go.
    """
    most = max((s.contacts for s in funnel), default=0)
    conversions = [f"{s.conversion:.0%} ({s.moved_on}/{s.entered})" if s.conversion is not None else "—" for s in funnel]

    def columns(bar_width: int) -> list[Column]:
        return [
            Column("Stage", [_text(s.stage, "stage") for s in funnel]),
            Column("Contacts", [Text(str(s.contacts)) for s in funnel], justify="right"),
            Column("", [_bar(s.contacts, most, plain, bar_width) for s in funnel], drop_order=1),
            Column("→ next", [Text(c) for c in conversions], drop_order=2, justify="right"),
            Column("Median days", [Text(f"{s.median_days:g}" if s.median_days is not None else "—") for s in funnel],
                   drop_order=4, justify="right"),
            Column("Stalled", [_text(str(s.stalled), "warning") if s.stalled else _text("—", "muted") for s in funnel],
                   drop_order=3, justify="right"),
        ]

    note = ("→ next: of the entries into a stage, the share whose next move was to a later stage. "
            "Median days: completed stays only. Stalled: in the stage longer than it typically takes ("
            + ", ".join(f"{s.stage} {s.typical_days}" for s in funnel) + " days).")
    return Group(_text(title, "title"), FittedTable([columns(width) for width in BAR_WIDTHS], box=box.SIMPLE_HEAD),
                 _text(note, "muted"))


def _bar(value: int, most: int, plain: bool, width: int) -> Text:
    """A bar of up to `width` cells, in proportion to the largest; a sliver for any non-zero value."""
    cells = round(width * value / most) if most else 0
    cells = max(cells, 1) if value else 0
    return Text(("#" if plain else "█") * cells, style="cyan")
