"""`custview show company NAME`: the account view."""

from __future__ import annotations

import typer

from custview.cli.commands._common import command_app, open_reader, pick_company

app = command_app(help="Show one record in full.", no_args_is_help=True)


@app.callback()
def group() -> None:
    """Show one record in full."""


@app.command()
def company(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Company name, whole or in part."),
    as_json: bool = typer.Option(False, "--json", help="Print the account view as JSON."),
) -> None:
    """An account: facts, health across its people, who we know and their stages, services, open tickets, notes."""
    from custview.insight.account import build_company_view
    from custview.insight.briefing import briefing_to_dict
    from custview.dates import utc_now

    reader = open_reader(ctx)
    found = pick_company(reader, name)
    view = build_company_view(found, reader.contact_histories(company_id=found.id), utc_now())
    if as_json:
        from custview.cli.terminal import print_json

        print_json(briefing_to_dict(view))
        return
    from custview.cli.render import render_company_view
    from custview.cli.terminal import console

    console().print(render_company_view(view))
