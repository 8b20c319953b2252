"""The `custview` command: global options, and sub-commands loaded only when they are used.

Keeping imports lazy is what makes `custview --version` and `--help` instant: the database
layer (SQLModel/SQLAlchemy), YAML and Rich load only inside the command that needs them.
"""

from __future__ import annotations

import importlib
import sys
from typing import Optional

import typer
from typer.core import TyperGroup

from custview import __version__
from custview.cli.application import Application
from custview.cli.params import polish
from custview.errors import UserError

# name -> module under custview.cli.commands; each module has a Typer `app`. A module named for several
# commands (people: contacts and attention) holds them all, side by side.
COMMANDS = {
    "brief": "brief",
    "plan": "plan",
    "today": "today",
    "log": "log",
    "contacts": "people",
    "companies": "accounts",
    "pipeline": "accounts",
    "attention": "people",
    "members": "members",
    "config": "config",
    "stage": "stage",
    "timeline": "timeline",
    "handoff": "handoff",
    "add": "add",
    "ticket": "ticket",
    "service": "service",
    "criterion": "criterion",
    "tickets": "tickets",
    "show": "show",
    "import": "import_",
    "mappings": "mappings",
    "imports": "imports",
    "undo-import": "undo_import",
    "export": "export",
    "copy": "copy",
    "next-steps": "next_steps",
    "forget": "forget",
    "duplicates": "duplicates",
    "merge": "merge",
    "doctor": "doctor",
    "demo": "demo",
}


class LazyGroup(TyperGroup):
    """A command group that imports a command's module only when that command is asked for."""

    def list_commands(self, ctx) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx, cmd_name: str):
        if cmd_name not in COMMANDS:
            return None
        module = importlib.import_module(f"custview.cli.commands.{COMMANDS[cmd_name]}")
        command = typer.main.get_command(module.app)
        if list(COMMANDS.values()).count(COMMANDS[cmd_name]) > 1:
            command = command.commands[cmd_name]
        command.name = cmd_name
        polish(command)
        return command

    def resolve_command(self, ctx, args):
        self.commands = dict.fromkeys(COMMANDS)  # lets "did you mean" see every name without loading any
        return super().resolve_command(ctx, args)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except UserError as error:
            _exit_with(error)
        except Exception as error:
            user_error = _database_problem(error, ctx)
            if user_error is None:
                raise
            _exit_with(user_error)


def _exit_with(error: UserError):
    from custview.cli.terminal import print_problems

    print_problems(error.problems)
    raise typer.Exit(error.exit_code)


def _database_problem(error: Exception, ctx) -> UserError | None:
    """Explain a database that cannot be used (not a database, unreadable) instead of a traceback."""
    from custview.db.connection import database_errors

    if not isinstance(error, database_errors()):
        return None
    reason = (str(getattr(error, "orig", error)).strip().splitlines() or [""])[0]
    if not any(sign in reason for sign in UNUSABLE_DATABASE):
        return None  # a fault in custview itself: let it show
    path = Application.of(ctx).db_path
    if "database is locked" in reason:
        from custview.db.connection import busy_error

        return busy_error(path)
    return UserError(f"cannot use the database at {path}: {reason}")


# What SQLite says when the file, not custview, is the problem.
UNUSABLE_DATABASE = ("file is not a database", "unable to open database", "malformed", "readonly database",
                     "disk I/O error", "database is locked", "disk is full", "not authorized", "no such table",
                     "permission denied", "read-only transaction", "terminating connection", "server closed")


app = typer.Typer(
    cls=LazyGroup,
    name="custview",
    help="Who are they, and how is the relationship progressing? A unified customer view in the terminal.",
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _show_version(value: bool) -> None:
    if value:
        sys.stdout.write(f"custview {__version__}\n")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    db: Optional[str] = typer.Option(
        None,
        "--db",
        metavar="PATH|URL",
        help="Database file, or a team book's postgresql:// URL (no password in it: use ~/.pgpass). "
             "Default: $CUSTVIEW_DB, else custview.db in the user data folder.",
    ),
    version: bool = typer.Option(
        False, "--version", callback=_show_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """Who are they, and how is the relationship progressing? A unified customer view in the terminal."""
    ctx.obj = Application(db=db)


def main() -> None:
    """Entry point of the `custview` executable."""
    app()
