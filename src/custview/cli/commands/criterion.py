"""`custview criterion set ID|METRIC STATUS`: how an outcome promised at purchase is going."""

from __future__ import annotations

from typing import Optional

import typer

from custview.cli.commands._common import command_app, json_option

app = command_app(help="Work with success criteria (the outcomes promised at purchase).", no_args_is_help=True)


@app.callback()
def group() -> None:
    """Work with success criteria (the outcomes promised at purchase)."""


@app.command("set")
def set_(
    ctx: typer.Context,
    key: str = typer.Argument(..., metavar="ID|METRIC", help="The criterion's number (#2) or its metric."),
    status: str = typer.Argument(..., metavar="STATUS", help="on track, at risk or met."),
    company: Optional[str] = typer.Option(None, "--company", "-c", help="The company, when several have a "
                                                                        "criterion with this metric."),
    as_json: bool = json_option("the success criterion"),
) -> None:
    """Set a success criterion's status: the account's line in briefs and `show company` counts them."""
    from custview.cli.commands._status import set_status

    set_status(ctx, "success criterion", key, status, company, as_json)
