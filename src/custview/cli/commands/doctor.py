"""`custview doctor`: check the database file and say, one line per check, whether all is well."""

from __future__ import annotations

import typer

from custview.cli.commands._common import command_app

app = command_app()


@app.command()
def doctor(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print the checks as JSON."),
) -> None:
    """Check the database: SQLite integrity, foreign keys, schema version, file permissions, and records
    pointing at something that is gone (signals without contact, next steps without appointment...).
    Changes nothing. Exit code 1 when a check finds a problem."""
    from custview.cli.app import Settings
    from custview.db.connection import resolve_db_path
    from custview.db.doctor import examine

    settings = ctx.find_object(Settings)
    report = examine(resolve_db_path(settings.db if settings else None))
    if as_json:
        from custview.cli.terminal import print_json

        print_json({"database": str(report.path), "ok": report.ok,
                    "checks": [{"check": c.name, "ok": c.ok, "count": c.count, "detail": c.detail}
                               for c in report.checks]})
    else:
        from custview.cli.render import render_doctor_report
        from custview.cli.terminal import console

        console().print(render_doctor_report(report))
    if not report.ok:
        raise typer.Exit(1)
