"""`custview import FILE...`: bring records in, all or nothing."""

from __future__ import annotations

from pathlib import Path

import typer

from custview.commands._common import command_app, open_store

app = command_app()


@app.command(name="import")
def import_(
    ctx: typer.Context,
    files: list[Path] = typer.Argument(..., metavar="FILE...", help="YAML files with companies, contacts, signals, appointments, tickets, services, notes."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check and count what would change; write nothing."),
    as_json: bool = typer.Option(False, "--json", help="Print the counts as JSON."),
) -> None:
    """Import records from YAML. One transaction: on any error nothing is written. Re-importing creates no duplicates."""
    from custview.importers import KINDS, import_files

    report = import_files(open_store(ctx), files, dry_run=dry_run)
    if as_json:
        from custview.terminal import print_json

        print_json({"files": report.files, "dry_run": report.dry_run,
                    "counts": {kind: dict(report.counts.get(kind, {})) for kind in KINDS}})
        return
    from custview.render import render_import_report
    from custview.terminal import console

    console().print(render_import_report(report, KINDS))
