"""What every command's parameters share: placeholders that read as words, and shell completion.

Applied to each command as it is loaded (see `cli.app.LazyGroup`), so command modules declare
their options plainly and still get `NAME`, `TEXT`, `DATE` in their help and completion of
stage, contact and company names from the book.
"""

from __future__ import annotations

# Parameters completed from the book or from the Value Path, by parameter name.
CONTACT_PARAMETERS = {"name", "keep", "other"}
COMPANY_PARAMETERS = {"company"}
STAGE_PARAMETERS = {"stage"}
DATE_PARAMETERS = {"when", "at", "since", "due", "as_of", "opened", "date", "until"}
COMPLETION_LIMIT = 50


def polish(command) -> None:
    """Give `command` (and its sub-commands) word placeholders and completion, in place."""
    for sub in getattr(command, "commands", {}).values():
        polish(sub)
    for param in command.params:
        _plain_placeholder(param)
        _completion(param)


def _plain_placeholder(param) -> None:
    """`name <str>` becomes `NAME`, `--decision <list[str]>` becomes `--decision TEXT`."""
    if getattr(param, "is_flag", False) or getattr(param, "count", False):
        return
    if param.param_type_name == "argument":
        if param.metavar is None:
            param.metavar = param.name.upper()
        param.display_type_rich = lambda ctx: None  # the name says it; typer would add `<str>`
        return
    if param.metavar is None:
        param.metavar = _word_for(param)


def _word_for(param) -> str:
    descriptor = param.type_descriptor
    if descriptor.is_choice:
        return "[" + "|".join(str(choice) for choice in descriptor.choices) + "]"
    if param.name in DATE_PARAMETERS:
        return "DATE"
    if descriptor.is_path:
        return "PATH"
    annotation = descriptor.annotation
    element = getattr(annotation, "__args__", (annotation,))[0]
    return "N" if element is int else "TEXT"


def _completion(param) -> None:
    if param.name in STAGE_PARAMETERS:
        param._custom_shell_complete = complete_stage
    elif param.name in COMPANY_PARAMETERS:
        param._custom_shell_complete = complete_company
    elif param.param_type_name == "argument" and param.name in CONTACT_PARAMETERS:
        param._custom_shell_complete = complete_contact


def complete_stage(ctx, param, incomplete: str) -> list[str]:
    """Value Path stage names starting with what was typed (any case)."""
    from custview.stages import Stage

    return [stage.value for stage in Stage if stage.value.lower().startswith(incomplete.lower())]


def complete_contact(ctx, param, incomplete: str) -> list[str]:
    """Contact names starting with what was typed, from the book (an index search)."""
    return _names_from_book(ctx, "contact", incomplete)


def complete_company(ctx, param, incomplete: str) -> list[str]:
    """Company names starting with what was typed, from the book (an index search)."""
    return _names_from_book(ctx, "company", incomplete)


def _names_from_book(ctx, table: str, incomplete: str) -> list[str]:
    """Names for completion; nothing (never an error) when there is no book to read."""
    from custview.db.reader import Reader

    root = ctx.find_root()
    db = root.params.get("db") if root is not None else None
    try:
        reader = Reader.open(db)
        return reader.names_starting(table, incomplete, COMPLETION_LIMIT) if reader.exists() else []
    except Exception:  # noqa: BLE001 - a completion must never print a traceback into the shell
        return []
