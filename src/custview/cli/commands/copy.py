"""`custview copy --to DB` / `--from DB`: move a whole book between a file and a team server, losing nothing."""

from __future__ import annotations

from typing import Optional

import typer

from custview.cli import draw
from custview.cli.application import Application
from custview.cli.commands._common import command_app, json_option

app = command_app()


@app.command()
def copy(
    ctx: typer.Context,
    to: Optional[str] = typer.Option(None, "--to", metavar="PATH|URL",
                                     help="Copy this book (--db) into a new file or an empty server database."),
    from_: Optional[str] = typer.Option(None, "--from", metavar="PATH|URL",
                                        help="Copy the book there into this one (--db), which must be new."),
    as_json: bool = json_option("the rows copied per table"),
) -> None:
    """Copy a whole book, every table and id, between a file and a PostgreSQL server (either way)."""
    from custview.db.copying import copy_book
    from custview.db.writer import Store
    from custview.errors import UserError

    if (to is None) == (from_ is None):
        raise UserError("say where to copy: --to PATH|URL (from this book) or --from PATH|URL (into it)")
    app = Application.of(ctx, as_json)
    here = app.writer(new_records=from_ is not None)
    source, target = (here, Store.open(to, new_records=True)) if to else (Store.open(from_), here)
    copied = copy_book(source, target)
    app.emit({"from": str(source.path), "to": str(target.path), "tables": copied},
             lambda: draw.render_copied_book(str(source.path), str(target.path), copied))
