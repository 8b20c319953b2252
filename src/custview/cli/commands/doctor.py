"""`custview doctor`: check the database file and say, one line per check, whether all is well."""

from __future__ import annotations

import typer

from custview.cli import draw
from custview.cli.application import Application
from custview.cli.commands._common import command_app, json_option

app = command_app()


@app.command()
def doctor(
    ctx: typer.Context,
    as_json: bool = json_option("the checks"),
) -> None:
    """Check the database: SQLite integrity, foreign keys, schema version, file permissions, and records
    pointing at something that is gone (signals without contact, next steps without appointment...).
    Changes nothing. Exit code 1 when a check finds a problem."""
    from custview.db.doctor import examine

    app = Application.of(ctx, as_json)
    report = examine(app.db_path)
    app.emit({"database": str(report.path), "ok": report.ok,
              "checks": [{"check": c.name, "ok": c.ok, "count": c.count, "detail": c.detail} for c in report.checks]},
             lambda: draw.render_doctor_report(report))
    if not report.ok:
        raise typer.Exit(1)
