"""Rendering of the portfolio (`custview companies`) and the Value Path funnel (`custview pipeline`)."""

from __future__ import annotations

from datetime import datetime

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from custview.cli.render import _text
from custview.dates import describe_age
from custview.insight.commercial import renewal_when

HEALTH_STYLES = {"healthy": "good", "watch": "warning", "at risk": "danger"}
BAR_WIDTH = 24


def render_companies(rows, as_of: datetime) -> RenderableType:
    """The portfolio as a table: one row per account."""
    table = Table(box=box.SIMPLE_HEAD, padding=(0, 1, 0, 0))
    table.add_column("Company", overflow="fold")
    for column in ("Status", "Stage", "Health", "Renewal", "Value", "Last touch", "Issues"):
        table.add_column(column, no_wrap=True)
    for r in rows:
        renewal = renewal_when(r.renewal_at, as_of) if r.renewal_at else "—"
        soon = r.renewal_in_days is not None and r.renewal_in_days <= 90
        table.add_row(
            _text(r.name, "title"), _text(r.status or "—"), _text(r.stage or "—", "stage"),
            _text(r.health or "—", HEALTH_STYLES.get(r.health, "muted")), _text(renewal, "warning" if soon else None),
            _text(r.value_text or "—"), _text(describe_age(r.last_two_way, as_of) if r.last_two_way else "never"),
            _text(str(r.open_problems) if r.open_problems else "—", "danger" if r.open_problems else "muted"),
        )
    caption = f"{len(rows)} account{'s' if len(rows) != 1 else ''}"
    return Group(table, _text(caption, "muted"))


def render_pipeline(funnel, title: str, plain: bool) -> RenderableType:
    """The funnel as a horizontal bar chart per stage, with conversion to the next stage and median days in it.

    `plain` draws the bars with "#" (for pipes and files) instead of block characters.
    """
    table = Table(box=box.SIMPLE_HEAD, title=_text(title, "title"), title_justify="left")
    for column, justify in (("Stage", "left"), ("Contacts", "right"), ("", "left"), ("→ next", "right"),
                            ("Median days", "right"), ("Stalled", "right")):
        table.add_column(column, justify=justify, no_wrap=True)
    most = max((s.contacts for s in funnel), default=0)
    for s in funnel:
        conversion = f"{s.conversion:.0%} ({s.moved_on}/{s.entered})" if s.conversion is not None else "—"
        days = f"{s.median_days:g}" if s.median_days is not None else "—"
        stalled = _text(str(s.stalled), "warning") if s.stalled else _text("—", "muted")
        table.add_row(_text(s.stage, "stage"), str(s.contacts), _bar(s.contacts, most, plain), conversion, days,
                      stalled)
    note = ("→ next: of the entries into a stage, the share whose next move was to a later stage. "
            "Median days: completed stays only. Stalled: in the stage longer than it typically takes ("
            + ", ".join(f"{s.stage} {s.typical_days}" for s in funnel) + " days).")
    return Group(table, _text(note, "muted"))


def _bar(value: int, most: int, plain: bool) -> Text:
    """A bar of up to BAR_WIDTH cells, in proportion to the largest; a sliver for any non-zero value."""
    cells = round(BAR_WIDTH * value / most) if most else 0
    cells = max(cells, 1) if value else 0
    return Text(("#" if plain else "█") * cells, style="cyan")
