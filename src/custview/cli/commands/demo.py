"""`custview demo`: the bundled sample in its own database, and a first briefing."""

from __future__ import annotations

import typer

from custview.cli import draw
from custview.cli.application import Application
from custview.cli.commands._common import brief_contact, command_app, json_option

app = command_app()

DEMO_CONTACT = "Sarah Chen"


@app.command()
def demo(ctx: typer.Context, as_json: bool = json_option("the demo database's path and the briefing")) -> None:
    """Load the bundled sample into a separate demo database (never yours) and brief Sarah Chen."""
    from custview.dates import utc_now
    from custview.importers import import_files
    from custview.sample import sample_path
    from custview.db.connection import DEMO_BOOK, user_data_dir
    from custview.db.reader import Reader
    from custview.db.writer import Store

    app = Application.of(ctx, as_json)
    store = Store(user_data_dir() / DEMO_BOOK)
    for suffix in ("", "-wal", "-shm"):
        store.path.with_name(store.path.name + suffix).unlink(missing_ok=True)
    import_files(store, [sample_path()])
    reader = Reader(store.path)
    sarah = reader.find_contacts(DEMO_CONTACT)[0]
    briefing = brief_contact(reader, sarah, utc_now())[1]
    is_default = app.db_path == store.path
    app.emit({"database": str(store.path), "default_book": is_default, "briefing": briefing},
             lambda: draw.render_briefing(briefing))
    app.say(_what_next(reader, sarah.id, is_default))


def _what_next(reader, shown_id: int, is_default: bool) -> str:
    """A line with the demo database's path and a few more people to brief, spread along the Value Path.

    While the demo stands in for the user's own book (`is_default`), the commands need no --db.
    """
    import shlex

    from custview.stages import Stage

    first_by_stage = {}
    for row in reader.list_contacts():
        if row.contact.id != shown_id:
            first_by_stage.setdefault(row.contact.stage, row.contact.name)
    names = [first_by_stage[s.value] for s in Stage if s.value in first_by_stage][1::2]
    custview = "custview" if is_default else f"custview --db {shlex.quote(str(reader.path))}"
    until = "  (your default book until you import your own)" if is_default else ""
    return (
        f"\nDemo database: {reader.path}{until}\n"
        f"Try:  {custview} brief {shlex.quote(names[0])}   (or {', '.join(names[1:])})\n"
        f"      {custview} companies   (renewals, value, a churned account; or members, pipeline, contacts)"
    )
