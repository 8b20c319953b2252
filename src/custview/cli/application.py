"""The application object every command is handed (hatch's `Application` is the model).

A command asks it for the book and hands it what to show; it never decides by itself how output looks
or how JSON is written:

    app = Application.of(ctx, as_json)
    rows = app.reader.list_contacts()
    app.emit(rows_as_data, lambda: draw.render_contacts(rows, now))

`emit` prints the data as JSON with `--json` (through `terminal.print_json`, the one serializer: every
moment ISO 8601 UTC with `Z`), and otherwise calls the drawing function and prints what it returns with
Rich: in colour on a terminal, plain when piped. The reader (plain sqlite3) and the writer (SQLModel)
are opened only when asked for, so a read-only command never loads SQLAlchemy.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import typer

    from custview.db.reader import Reader
    from custview.db.writer import Store

ROWS_PER_BATCH = 200  # fewer rows: one table; more: aligned lines, each batch printed as soon as it is read


class Application:
    """What every command shares: the book chosen by --db / $CUSTVIEW_DB, and the one way to show a result."""

    def __init__(self, db: str | Path | None = None):
        self.db = db
        self.as_json = False
        self._reader: Reader | None = None

    @classmethod
    def of(cls, ctx: typer.Context, as_json: bool | None = None) -> Application:
        """The application on the command line's context (a fresh one for a command run on its own), told
        whether this command's result is wanted as JSON (its --json) when `as_json` is given."""
        found = ctx.find_object(cls)
        app = found if found is not None else cls()
        if as_json is not None:
            app.as_json = as_json
        return app

    @property
    def db_path(self) -> Path:
        """The database file this run uses (it may not exist yet)."""
        from custview.db.connection import resolve_db_path

        return resolve_db_path(self.db)

    @property
    def reader(self) -> Reader:
        """The reader of the book (custview.db.reader: DB-API, no SQLAlchemy): every read goes through it."""
        if self._reader is None:
            from custview.db.reader import Reader

            self._reader = Reader.open(self.db)
        return self._reader

    def writer(self, *, new_records: bool = False) -> Store:
        """The writer (SQLModel) of the same book, for changes; loads SQLAlchemy, so only writes ask for it.
        `new_records`: the command may create the book."""
        from custview.db.writer import Store

        return Store.open(self.db, new_records=new_records)

    @property
    def plain(self) -> bool:
        """Whether output goes to a file or a pipe rather than a terminal: no colour, no block-drawn bars."""
        return not sys.stdout.isatty()

    def emit(self, data, draw: Callable[[], object] | None = None, lines: int | None = None) -> None:
        """Show a command's result: `data` as JSON with --json; for people, what `draw()` returns: a Rich
        renderable, or a finished document (a str, written exactly as it is).

        `draw` is called only when something is drawn, so the renderers (and Rich) load only then. Given
        `lines` (about how many the drawing takes), it opens in a pager when the terminal is shorter.
        """
        if self.as_json:
            from custview.cli.terminal import print_json

            print_json(data)
            return
        if draw is None:
            return
        drawing = draw()
        if isinstance(drawing, str):
            sys.stdout.write(drawing)
            return
        from custview.cli.terminal import console

        out = console()
        if lines is not None and out.is_terminal and lines > out.height:
            with out.pager(styles=True):
                out.print(drawing)
        else:
            out.print(drawing)

    def emit_rows(self, rows: Iterable, as_data: Callable[[object], object], drawing: Callable[[], object],
                  *, jsonl: bool = False, json_around: tuple[dict, str] | None = None,
                  lines: int | None = None) -> None:
        """Show a long list as its rows arrive, so memory holds a batch and the first rows show at once: with
        --json one JSON array written as it goes (the value of `json_around`'s key in its object, when
        given), with --jsonl one object per line; for people what `drawing()` (a render_lists.RowsDrawing)
        makes: one table for a short list, a long one a batch of aligned lines at a time. Given `lines`
        (about how many the drawing takes), it opens in a pager when the terminal is shorter."""
        if self.as_json or jsonl:
            from custview.cli.terminal import write_json_rows

            write_json_rows((as_data(row) for row in rows), one_per_line=jsonl, around=None if jsonl else json_around)
            return
        from custview.cli.terminal import writes_to_terminal

        painter, rows = drawing(), iter(rows)
        batch = list(islice(rows, ROWS_PER_BATCH))
        if len(batch) == ROWS_PER_BATCH and not writes_to_terminal():  # a long list to a file or a pipe: no Rich
            painter.styled = False
            while batch:
                sys.stdout.write(painter.batch(batch) + "\n")
                batch = list(islice(rows, ROWS_PER_BATCH))
            sys.stdout.write(painter.end() + "\n")
            return
        from contextlib import nullcontext

        from custview.cli.terminal import console

        out = console()
        painter.styled = out.color_system is not None  # a file or a pipe shows no style: none is laid out
        paged = lines is not None and out.is_terminal and lines > out.height
        with out.pager(styles=True) if paged else nullcontext():
            if len(batch) < ROWS_PER_BATCH:  # the whole list
                if batch:
                    self._print_lines(out, painter.table(batch), painter.styled or paged)
            else:
                while batch:
                    self._print_lines(out, painter.batch(batch), painter.styled or paged)
                    batch = list(islice(rows, ROWS_PER_BATCH))
            out.print(painter.end())

    @staticmethod
    def _print_lines(out, drawing, through_rich: bool) -> None:
        """A drawing; lines (a Rich Text, or a str of plain ones) are never wrapped, and plain ones are written
        as they are (Rich would only take them apart) unless `through_rich` (styled, or captured for a pager)."""
        from rich.text import Text

        if not isinstance(drawing, str | Text):
            out.print(drawing)
        elif through_rich:
            out.print(Text(drawing) if isinstance(drawing, str) else drawing, soft_wrap=True)
        else:
            out.file.write((drawing if isinstance(drawing, str) else drawing.plain) + "\n")

    def say(self, text: str) -> None:
        """Plain text for people after the result, never wrapped (it holds paths and commands to copy);
        nothing with --json."""
        if not self.as_json:
            from custview.cli.terminal import console

            console().print(text, soft_wrap=True)

    def warn(self, warnings: list[str]) -> None:
        """Warnings on stderr, one line each (with --json too: they never spoil the data on stdout)."""
        if warnings:
            from custview.cli.render import render_warnings
            from custview.cli.terminal import error_console

            error_console().print(render_warnings(warnings))
