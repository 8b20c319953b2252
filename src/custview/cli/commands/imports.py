"""`custview imports`: the import history: when, which files (and their checksums), how read, what changed."""

from __future__ import annotations

import typer

from custview.cli.commands._common import command_app, open_reader

app = command_app()


@app.command()
def imports(ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print the history as JSON.")) -> None:
    """List every import, newest first, with the number to give 'custview undo-import'."""
    runs = open_reader(ctx).import_history()
    if as_json:
        from custview.cli.terminal import print_json

        print_json([{"id": run.id, "started_at": run.started_at, "files": run.files,
                     "mapping": run.mapping, "counts": run.counts,
                     "undone_at": run.undone_at} for run in runs])
        return
    from custview.cli.render import render_import_history
    from custview.cli.terminal import console

    console().print(render_import_history(runs))
