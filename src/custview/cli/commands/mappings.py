"""`custview mappings`: the built-in column mappings for other tools' CSV exports, to use or start from."""

from __future__ import annotations

import typer

from custview.cli import draw
from custview.cli.application import Application
from custview.cli.commands._common import command_app, json_option

app = command_app(help="The column mappings custview knows for CSV exports (use with import --from NAME).",
                  no_args_is_help=False, invoke_without_command=True)


@app.callback(invoke_without_command=True)
def mappings(ctx: typer.Context, as_json: bool = json_option("the list")) -> None:
    """List the built-in mappings: the tool, its exports, and the header columns that identify each."""
    if ctx.invoked_subcommand is not None:
        return
    from custview.importers.mapping import builtin_names, builtin_path, load_mapping

    found = [load_mapping(builtin_path(name), name) for name in builtin_names()]
    Application.of(ctx, as_json).emit(
        [{"name": m.name, "tool": m.tool, "description": m.description, "dayfirst": m.dayfirst,
          "kinds": {kind: list(km.detect) for kind, km in m.kinds.items()}} for m in found],
        lambda: draw.render_mappings(found))


@app.command()
def show(name: str = typer.Argument(..., help="A built-in mapping: hubspot, salesforce, zendesk, pipedrive, google, custview.")) -> None:
    """Print a built-in mapping file, to copy and adapt for --mapping FILE."""
    import sys

    from custview.importers.mapping import builtin_path

    sys.stdout.write(builtin_path(name).read_text(encoding="utf-8"))
