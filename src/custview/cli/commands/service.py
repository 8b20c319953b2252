"""`custview service set ID|NAME STATUS`: how the delivery of a service is going."""

from __future__ import annotations

from typing import Optional

import typer

from custview.cli.commands._common import command_app, json_option

app = command_app(help="Work with services (what we deliver to a company).", no_args_is_help=True)


@app.callback()
def group() -> None:
    """Work with services (what we deliver to a company)."""


@app.command("set")
def set_(
    ctx: typer.Context,
    key: str = typer.Argument(..., metavar="ID|NAME", help="The service's number (#3) or its name."),
    status: str = typer.Argument(..., metavar="STATUS", help="planned, active, at risk or delivered."),
    company: Optional[str] = typer.Option(None, "--company", "-c", help="The company, when several have a service "
                                                                        "of this name."),
    as_json: bool = json_option("the service"),
) -> None:
    """Set a service's status: a service at risk lowers its account's health and shows in every brief there."""
    from custview.cli.commands._status import set_status

    set_status(ctx, "service", key, status, company, as_json)
