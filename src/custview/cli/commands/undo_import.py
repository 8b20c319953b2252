"""`custview undo-import ID`: take back one import: remove what it created, restore what it changed."""

from __future__ import annotations

import typer

from custview.cli.commands._common import command_app, open_store

app = command_app()


@app.command(name="undo-import")
def undo_import(
    ctx: typer.Context,
    run_id: int = typer.Argument(..., metavar="ID", help="The import's number, from 'custview imports'."),
    as_json: bool = typer.Option(False, "--json", help="Print what was removed and restored as JSON."),
) -> None:
    """Undo an import. Refused, naming the records, if anything changed them since or depends on them."""
    from custview.dates import utc_now

    done = open_store(ctx).undo_import(run_id, utc_now())
    if as_json:
        from custview.cli.terminal import print_json

        print_json({"import_id": run_id, "tables": done})
        return
    from custview.cli.render import render_undone_import
    from custview.cli.terminal import console

    console().print(render_undone_import(run_id, done))
