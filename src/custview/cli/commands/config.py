"""`custview config set|get KEY [VALUE]`: your own settings (for now, who "me" is)."""

from __future__ import annotations

import typer

from custview.cli import draw
from custview.cli.application import Application
from custview.cli.commands._common import command_app, json_option, pick_member
from custview.errors import UserError

app = command_app(help="Your own settings: `config set me \"Dana Ortiz\"` makes --owner me mean you.",
                  no_args_is_help=True)


def _known(key: str) -> str:
    from custview.config import SETTINGS

    if key not in SETTINGS:
        raise UserError(f"unknown setting {key!r} (known: {', '.join(SETTINGS)})")
    return key


@app.command("set")
def set_(ctx: typer.Context, key: str = typer.Argument(..., help="me"),
         value: str = typer.Argument(..., help="For me: your name (or email) as one of the book's members."),
         as_json: bool = json_option("the setting")) -> None:
    """Set a setting; `me` must be one of the book's members (see custview members)."""
    from custview.config import write_setting

    app = Application.of(ctx, as_json)
    member = pick_member(app.reader, value, allow_me=False)
    write_setting(_known(key), member.name)
    app.emit({key: member.name}, lambda: draw.render_saved("updated", f"setting {key}:", member.name))


@app.command()
def get(ctx: typer.Context, key: str = typer.Argument(..., help="me"),
        as_json: bool = json_option("the setting")) -> None:
    """Show a setting (CUSTVIEW_ME in the environment wins over the file)."""
    from custview.config import setting

    app = Application.of(ctx, as_json)
    value = setting(_known(key))
    if value is None and not as_json:
        raise UserError(f"{key} is not set: custview config set {key} \"NAME\" (or set CUSTVIEW_{key.upper()})")
    app.emit({key: value}, lambda: value + "\n")
