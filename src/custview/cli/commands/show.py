"""`custview show company NAME`: the account view."""

from __future__ import annotations

import typer

from custview.cli import draw
from custview.cli.application import Application
from custview.cli.commands._common import command_app, json_option, pick_company

app = command_app(help="Show one record in full.", no_args_is_help=True)


@app.callback()
def group() -> None:
    """Show one record in full."""


@app.command()
def company(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Company name, whole or in part."),
    as_json: bool = json_option("the account view"),
) -> None:
    """An account: facts, health across its people, who we know and their stages, services, success criteria,
    open tickets, notes."""
    from custview.insight.account import build_company_view
    from custview.dates import utc_now

    app = Application.of(ctx, as_json)
    found = pick_company(app.reader, name)
    view = build_company_view(found, app.reader.contact_histories(company_id=found.id), utc_now(),
                              app.reader.success_criteria(found.id))
    app.emit(view, lambda: draw.render_company_view(view))
