"""Rendering of our own people (`custview members`)."""

from __future__ import annotations

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table

from custview.cli.render import _text


def render_members(members, owned: dict[int, tuple[int, int]]) -> RenderableType:
    """Our people as a table: name, team, role, email and how many people and accounts each owns."""
    table = Table(box=box.SIMPLE_HEAD, padding=(0, 1, 0, 0))
    table.add_column("Member", overflow="fold")
    table.add_column("Team", no_wrap=True)
    table.add_column("Role", overflow="fold")
    table.add_column("Email", no_wrap=True)
    table.add_column("Owns", overflow="fold")
    for m in members:
        contacts, companies = owned.get(m.id, (0, 0))
        table.add_row(_text(m.name, "title"), _text(m.team or "— (no team yet)", None if m.team else "warning"),
                      _text(m.role or "—"), _text(m.email or "—"), _text(owns_text(contacts, companies), "muted"))
    caption = f"{len(members)} member{'s' if len(members) != 1 else ''}"
    if not members:
        caption += " yet: add one with custview add member NAME --team sales|service|success|marketing"
    return Group(table, _text(caption, "muted"))


def owns_text(contacts: int, companies: int) -> str:
    """"3 people, 1 account"; "—" for nothing."""
    parts = [f"{count} {singular if count == 1 else plural}" for count, singular, plural
             in ((contacts, "person", "people"), (companies, "account", "accounts")) if count]
    return ", ".join(parts) or "—"
