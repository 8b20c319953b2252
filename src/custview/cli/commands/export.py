"""`custview export`: the whole book (or some kinds) as YAML, JSON or CSV files, for backup or other tools."""

from __future__ import annotations

from pathlib import Path

import typer

from custview.cli import draw
from custview.cli.application import Application
from custview.cli.commands._common import command_app, json_option

app = command_app()


@app.command()
def export(
    ctx: typer.Context,
    fmt: str = typer.Option("yaml", "--format", "-f", metavar="FORMAT",
                            help="yaml or json (one file that 'custview import' reads back), or csv (one file per kind)."),
    kinds: list[str] = typer.Option([], "--kind", "-k", help="Only this kind (repeatable): companies, contacts, signals, "
                                    "appointments, tickets, services, notes. Default: all."),
    out: Path = typer.Option(Path("."), "--out", "-o", metavar="DIR", help="Folder to write into (created if missing)."),
    force: bool = typer.Option(False, "--force", help="Overwrite export files that already exist."),
    as_json: bool = json_option("what was written"),
) -> None:
    """Write everything out in the import format: natural keys, UTC times, files readable by you only."""
    from custview.exporters.export import KINDS, write_export

    chosen = tuple(kind.lower() for kind in kinds) or KINDS
    app = Application.of(ctx, as_json)
    report = write_export(app.reader, fmt.lower(), chosen, out, force=force)
    if report.warnings:
        from custview.cli.terminal import error_console

        error_console().print(draw.render_warnings(report.warnings), soft_wrap=True)
    app.emit({"format": report.format, "files": [str(path) for path in report.files], "counts": report.counts,
              "warnings": report.warnings}, lambda: draw.render_export_report(report))
