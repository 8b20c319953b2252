"""`custview import FILE...`: bring records in from YAML, JSON or other tools' CSV exports, all or nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from custview.cli import draw
from custview.cli.application import Application
from custview.cli.commands._common import command_app, json_option

app = command_app()

PROGRESS_MIN_BYTES = 2_000_000  # smaller files are done before a progress bar would help


@app.command(name="import")
def import_(
    ctx: typer.Context,
    files: list[Path] = typer.Argument(..., metavar="FILE...", help="YAML / JSON files in custview's format, CSV exports, "
                                       "vCard (.vcf) address books or iCalendar (.ics) calendars."),
    kind: Optional[str] = typer.Option(None, "--kind", "-k", help="What a CSV file holds: companies, contacts, "
                                       "signals, appointments, tickets, services or notes. Default: recognised from its header."),
    source: Optional[str] = typer.Option(None, "--from", metavar="TOOL", help="The tool a CSV export comes from: "
                                         "hubspot, salesforce, zendesk, pipedrive, google or custview."),
    mapping: Optional[Path] = typer.Option(None, "--mapping", metavar="FILE", help="Your own column mapping "
                                           "(YAML; start from 'custview mappings show hubspot')."),
    skip_invalid: bool = typer.Option(False, "--skip-invalid", help="Import the good records; write rejected CSV "
                                      "rows with a reason column to NAME.rejected.csv beside the file."),
    known_only: bool = typer.Option(False, "--known-only", help="Calendar (.ics) files: skip events none of whose "
                                    "people is a known contact (counted as skipped) instead of reporting them."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check and count what would change; write nothing."),
    as_json: bool = json_option("the report"),
) -> None:
    """Import records. One transaction: on any error nothing is written. Re-importing creates no duplicates."""
    from custview.db.connection import resolve_db_path
    from custview.errors import UserError
    from custview.importers import KINDS, CsvOptions, import_files

    if kind is not None and kind.lower() not in KINDS:
        raise UserError(f"unknown kind {kind!r} for --kind (expected one of: {', '.join(KINDS)})")
    if source is not None and mapping is not None:
        raise UserError("give --from or --mapping, not both")
    options = CsvOptions(kind.lower() if kind else None, source, mapping)
    app = Application.of(ctx, as_json)
    with _progress_for(files, as_json) as on_progress:
        report = import_files(resolve_db_path(app.db, new_records=True), files, dry_run=dry_run, csv_options=options,
                              skip_invalid=skip_invalid, on_progress=on_progress, known_only=known_only)
    if report.notices or report.skipped_problems or report.warnings:
        from custview.cli.terminal import error_console

        error_console().print(draw.render_notes(report.notices),
                              draw.render_warnings(report.warnings + report.skipped_problems), soft_wrap=True)
    app.emit(report.to_dict(), lambda: draw.render_import_report(report, KINDS))


def _progress_for(files: list[Path], as_json: bool):
    """A progress bar on an interactive terminal for big files; otherwise nothing."""
    from contextlib import nullcontext

    from custview.cli.terminal import error_console

    size = sum(path.stat().st_size for path in files if path.is_file())
    if as_json or size < PROGRESS_MIN_BYTES or not error_console().is_terminal:
        return nullcontext(None)
    from custview.cli.render_upkeep import import_progress

    return import_progress(error_console())

