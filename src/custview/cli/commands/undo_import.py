"""`custview undo-import ID`: take back one import: remove what it created, restore what it changed."""

from __future__ import annotations

import typer

from custview.cli import draw
from custview.cli.application import Application
from custview.cli.commands._common import command_app, json_option

app = command_app()


@app.command(name="undo-import")
def undo_import(
    ctx: typer.Context,
    run_id: int = typer.Argument(..., metavar="ID", help="The import's number, from 'custview imports'."),
    as_json: bool = json_option("what was removed and restored"),
) -> None:
    """Undo an import. Refused, naming the records, if anything changed them since or depends on them."""
    from custview.dates import utc_now

    app = Application.of(ctx, as_json)
    done = app.writer().undo_import(run_id, utc_now())
    app.emit({"import_id": run_id, "tables": done}, lambda: draw.render_undone_import(run_id, done))
