"""`custview imports`: the import history: when, which files (and their checksums), how read, what changed."""

from __future__ import annotations

import typer

from custview.cli import draw
from custview.cli.application import Application
from custview.cli.commands._common import command_app, json_option

app = command_app()


@app.command()
def imports(ctx: typer.Context, as_json: bool = json_option("the history")) -> None:
    """List every import, newest first, with the number to give 'custview undo-import'."""
    app = Application.of(ctx, as_json)
    runs = app.reader.import_history()
    app.emit([{"id": run.id, "started_at": run.started_at, "files": run.files, "mapping": run.mapping,
               "counts": run.counts, "made_by": run.made_by, "undone_at": run.undone_at, "undone_by": run.undone_by}
              for run in runs],
             lambda: draw.render_import_history(runs))
