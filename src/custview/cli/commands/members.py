"""`custview members`: our own people (sales, service, success, marketing) and what each owns."""

from __future__ import annotations

import typer

from custview.cli import draw
from custview.cli.application import Application
from custview.cli.commands._common import command_app, json_option

app = command_app()


@app.command()
def members(ctx: typer.Context, as_json: bool = json_option("the members")) -> None:
    """List our people by team, with how many people and accounts each owns."""
    from custview.db.owners import owned_counts

    app = Application.of(ctx, as_json)
    people, owned = app.reader.members(), owned_counts(app.reader)
    app.emit([{"id": m.id, "name": m.name, "team": m.team, "role": m.role, "email": m.email,
               "owns": dict(zip(("contacts", "companies"), owned.get(m.id, (0, 0))))} for m in people],
             lambda: draw.render_members(people, owned))
