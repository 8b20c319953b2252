"""Drawing: turns lists and reports into Rich renderables, with the helpers and the styles (here only) that
render_brief, render_accounts, render_meetings and render_upkeep draw with too.

Every piece of data goes through `_text`, so file contents never act as markup or terminal control.
"""

from __future__ import annotations

from datetime import datetime

from rich import box
from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from custview.dates import describe_age, describe_day as _date, to_local
from custview.printable import printable

STYLES = {
    "title": "bold",
    "label": "bold cyan",
    "muted": "dim",
    "stage": "bold magenta",
    "warning": "bold yellow",
    "danger": "bold red",
    "good": "green",
    "topic": "cyan",
    "expansion": "bold green",
}


def _text(value, style: str | None = None) -> Text:
    return Text(printable(value), style=STYLES.get(style, style) if style else "")


def _line(*parts) -> Text:
    """Join (value, style) pairs and plain values into one Text."""
    line = Text()
    for part in parts:
        if isinstance(part, tuple):
            line.append_text(_text(*part))
        elif isinstance(part, Text):
            line.append_text(part)
        elif part:
            line.append_text(_text(part))
    return line


def _bullets(items, marker: str = "•") -> Table:
    """A bulleted list whose wrapped lines stay indented under their bullet."""
    table = Table.grid(padding=(0, 1))
    table.add_column(no_wrap=True)
    table.add_column()
    for item in items:
        table.add_row(f"  {marker}", item if isinstance(item, Text) else _text(item))
    return table


def section(title: str, body: RenderableType) -> Panel:
    return Panel(body, title=_text(title, "title"), title_align="left", box=box.ROUNDED, padding=(0, 1))


def ticket_table(tickets, as_of: datetime) -> Table:
    """Tickets one per row: ref, subject and priority, then kind, status, age and who raised it."""
    table = Table.grid(padding=(0, 2))
    table.add_column(no_wrap=True)
    table.add_column(ratio=3)
    table.add_column(ratio=2)
    for t in tickets:
        kind = (t.kind or "unclassified") + (" (inferred)" if t.kind and t.kind_inferred else "")
        about = " · ".join([kind, t.status, f"opened {describe_age(t.opened_at, as_of)}"])
        if t.raised_by:
            about += f" · raised by {printable(t.raised_by)}"
        table.add_row(
            _line("  • ", (t.ref or "", "muted")),
            _line(t.subject, (f"  {t.priority}", "danger" if t.priority in ("high", "urgent") else "muted")),
            _text(about, "muted"),
        )
    return table


# -- lists and reports ---------------------------------------------------------------------------


def render_matches(query: str, contacts, companies: dict | None = None, shown: int = 10) -> RenderableType:
    """A short numbered list of contacts that match an ambiguous name: company, email, stage and #ID tell them apart."""
    lines = [_text(f"{len(contacts)} contacts match {query!r}:")]
    for number, contact in enumerate(contacts[:shown], 1):
        company = (companies or {}).get(contact.company_id)
        lines.append(_line(f"  {number}. ", (contact.name, "title"), (f" · {company}" if company else "", "muted"),
                           (f"  {contact.email or ''}", "muted"), "  ", (contact.stage, "stage"), (f"  #{contact.id}", "muted")))
    if len(contacts) > shown:
        lines.append(_text(f"  … and {len(contacts) - shown} more.", "muted"))
    lines.append(_text("Use more of the name, the email or #ID to pick one.", "muted"))
    return Group(*lines)


def render_tickets(rows, unlinked: bool) -> RenderableType:
    """Tickets as a table: ref, opened, status, kind, subject, and who raised them (the requester if unlinked)."""
    table = Table(box=box.SIMPLE_HEAD)
    for column in ("Ref", "Opened", "Status", "Kind", "Subject", "Raised by", "Company"):
        table.add_column(column, overflow="fold")
    for ticket, contact, company in rows:
        requester = " ".join(part for part in (ticket.requester_name, f"<{ticket.requester_email}>"
                                               if ticket.requester_email else None) if part)
        table.add_row(_text(ticket.ref or f"#{ticket.id}"), _text(f"{to_local(ticket.opened_at):%d %b %Y}"),
                      _text(ticket.status), _text(ticket.kind or ""), _text(ticket.subject, "title"),
                      _text(contact) if contact else _text(f"{requester} (not in the book)", "warning"),
                      _text(company or ""))
    noun = "unlinked ticket" if unlinked else "ticket"
    return Group(table, _text(f"{len(rows)} {noun}{'s' if len(rows) != 1 else ''}", "muted"))


def render_calendar_written(written) -> RenderableType:
    """Where the next steps calendar went and how many to-dos it holds."""
    return _line("Wrote ", (f"{written.todos} to-do{'s' if written.todos != 1 else ''}", "title"), " to ",
                 str(written.path))


def render_notes(notes) -> RenderableType:
    """Things worth knowing about what was just done (how a file was read), one line each, for stderr."""
    return Group(*(_line(("note: ", "muted"), text) for text in notes))


def render_warnings(warnings) -> RenderableType:
    """Warnings, one line each, for stderr."""
    return Group(*(_line(("warning: ", "warning"), text) for text in warnings))


def render_attention(items) -> RenderableType:
    """Who needs attention, most urgent first, with the reasons."""
    if not items:
        return _text("Nobody needs attention right now.", "good")
    table = Table(box=box.SIMPLE_HEAD)
    for column in ("#", "Name", "Company", "Stage", "Health", "Why"):
        table.add_column(column, overflow="fold")
    for number, item in enumerate(items, 1):
        style = {"healthy": "good", "watch": "warning", "at risk": "danger"}[item.health_label]
        table.add_row(str(number), _text(item.name, "title"), _text(item.company), _text(item.stage, "stage"),
                      _text(f"{item.health_score} {item.health_label}", style), _bullets(item.reasons))
    return table


def render_stage_change(name: str, change, stage: str, current: str | None = None) -> RenderableType:
    """The result of setting a stage; `current` is their stage now, if a later move keeps them elsewhere."""
    if change is None:
        return _line(name, " is already ", (stage, "stage"), ": nothing changed.")
    return _line(("Moved ", "good"), name, ": ", (change.previous_stage or "—", "muted"), " → ", (change.stage, "stage"),
                 (f"  (as of {_date(change.changed_at)})", "muted"),
                 (f"; a later move keeps them at {current} now" if current and current != change.stage else "", "warning"))


def render_saved(outcome: str, noun: str, label: str) -> RenderableType:
    """One line saying what happened to a record added from the command line."""
    verb = {"created": "Added", "updated": "Updated", "unchanged": "Unchanged:"}[outcome]
    return _line((f"{verb} {noun} ", "good" if outcome != "unchanged" else "muted"), (label, "title"))


def render_ticket_closed(ticket, already: bool) -> RenderableType:
    """What closing a ticket did."""
    label = f"{ticket.ref or '#' + str(ticket.id)} {ticket.subject}"
    if already:
        return _line(label, (" was already closed", "muted"), (f" ({_date(ticket.closed_at)})" if ticket.closed_at else "", "muted"))
    return _line(("Closed ", "good"), (label, "title"))


def render_status_set(kind: str, number: int, label: str, before: str, now: str) -> RenderableType:
    """What setting a service's or success criterion's status did."""
    name = f"{kind} #{number} {label}"
    if before == now:
        return _line((name[0].upper() + name[1:], "title"), (f" was already {now}", "muted"))
    return _line(("Set ", "good"), (name, "title"), ": ", (before, "muted"), " → ",
                 (now, "danger" if now == "at risk" else "good"))


def render_company_view(v) -> RenderableType:
    """The account view of one company."""
    facts = " · ".join(printable(x) for x in (v.industry, v.size and f"{v.size} people", v.domain) if x)
    h = v.health
    style = {"healthy": "good", "watch": "warning", "at risk": "danger"}[h.label]
    header = [_text(facts, "muted")] if facts else []
    header.append(_line(("Account health: ", "label"), (f"{h.score}/100 ", "title"), (h.label, style),
                        ("  (recorded: " + (v.recorded_health or "not set") + ", stage " + (v.recorded_stage or "not set") + ")", "muted")))
    if h.reasons:
        header.append(_bullets([r.text for r in h.reasons[:5]]))
    if v.commercial:
        header.append(_text(v.commercial, "label"))
    if v.summary:
        header.append(_text(v.summary))
    people = Table(box=box.SIMPLE_HEAD)
    for column in ("Name", "Title", "Stage", "Role", "Health", "Readiness"):
        people.add_column(column, overflow="fold")
    for p in v.people:
        p_style = {"healthy": "good", "watch": "warning", "at risk": "danger"}[p.health_label]
        people.add_row(_text(p.name, "title"), _text(p.title), _text(p.stage, "stage"), _text(p.buying_role),
                       _text(f"{p.health_score} {p.health_label}", p_style), _text(p.readiness or "", "warning"))
    parts = [Panel(Group(*header), title=_text(v.name, "title"), title_align="left", box=box.HEAVY, padding=(0, 1)),
             section(f"People — {len(v.people)}", people if v.people else _text("Nobody on record yet.", "muted"))]
    if v.services:
        parts.append(section("Services", _bullets([
            _line(s.name, (f"  {s.status}", "danger" if s.status == "at risk" else "muted"),
                  (f"  {_date(s.start_at)} → {_date(s.end_at)}", "muted")) for s in v.services])))
    if v.success_criteria:
        parts.append(section("Success criteria", _bullets([
            _line(f"#{c.id} {c.metric}", (f"  target {c.target}" if c.target else "", "muted"),
                  (f"  {c.status}", "danger" if c.status == "at risk" else "muted")) for c in v.success_criteria])))
    if v.open_tickets:
        parts.append(section(f"Open tickets — {len(v.open_tickets)}", ticket_table(v.open_tickets, v.as_of)))
    if v.notes:
        parts.append(section("Company notes", _bullets(v.notes)))
    return Group(*parts)
