"""All drawing: turns briefings, lists and reports into Rich renderables. Styles live here only.

Every piece of data goes through `_text`, so file contents never act as markup or terminal control.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from datetime import datetime

from rich import box
from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from custview.dates import days_between, describe_age, describe_duration, to_local
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


def _date(moment: datetime | None) -> str:
    return to_local(moment).strftime("%d %b %Y") if moment else "—"


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


def render_contacts(rows, as_of: datetime) -> RenderableType:
    """The contact list as a table."""
    table = Table(box=box.SIMPLE_HEAD)
    for column in ("Name", "Title", "Company", "Stage", "In stage", "Email"):
        table.add_column(column, overflow="fold")
    for row in rows:
        c = row.contact
        in_stage = describe_duration(days_between(c.stage_since, as_of)) if c.stage_since else "—"
        table.add_row(_text(c.name, "title"), _text(c.title), _text(row.company.name if row.company else ""),
                      _text(c.stage, "stage"), _text(in_stage), _text(c.email))
    caption = f"{len(rows)} contact{'s' if len(rows) != 1 else ''}"
    return Group(table, _text(caption, "muted"))


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


def render_import_report(report, kinds) -> RenderableType:
    """Created / updated / unchanged (and rejected, if any) per kind, then the stage changes made."""
    heading = "Dry run: nothing was written. This import would make these changes:" if report.dry_run else "Imported " + ", ".join(report.files)
    outcomes = ("created", "updated", "unchanged") + tuple(o for o in ("skipped", "rejected", "unlinked")
                                                           if report.total(o))
    table = Table(box=box.SIMPLE_HEAD)
    table.add_column("Kind")
    for outcome in outcomes:
        table.add_column(outcome.capitalize(), justify="right")
    for kind in kinds:
        counts = report.counts.get(kind, {})
        table.add_row(kind, *(str(counts.get(o, 0)) for o in outcomes))
    table.add_row(_text("total", "title"), *(_text(str(report.total(o)), "title") for o in outcomes))
    parts = [_text(heading), table]
    if report.stage_changes:
        parts.append(_text(f"Stage changes ({len(report.stage_changes)}):", "title"))
        parts.extend(_line("  ", name, ": ", old or "-", " → ", (new, "stage")) for name, old, new in report.stage_changes)
    for path in report.rejected_files:
        parts.append(_line(("Rejected rows written to ", "muted"), path))
    return Group(*parts)


def render_mappings(mappings) -> RenderableType:
    """The built-in mappings: name, tool, kinds, and the header columns that identify each export."""
    table = Table(box=box.SIMPLE_HEAD)
    for column in ("Name", "Tool", "Kind", "Recognised by the columns"):
        table.add_column(column)
    for mapping in mappings:
        for index, (kind, kind_mapping) in enumerate(mapping.kinds.items()):
            first = index == 0
            table.add_row(_text(mapping.name if first else "", "title"), mapping.tool if first else "", kind,
                          ", ".join(kind_mapping.detect))
    hint = _text("Use one with 'custview import FILE.csv --from NAME'; copy one with 'custview mappings show NAME'.",
                 "muted")
    return Group(table, hint)


def render_import_history(runs) -> RenderableType:
    """The import history: number, when, files, mapping, what it did, and whether it was undone."""
    if not runs:
        return _text("No imports yet.", "muted")
    table = Table(box=box.SIMPLE_HEAD)
    for column in ("ID", "When", "Files (checksum)", "Read as", "Created", "Updated", "Rejected", "Undone"):
        table.add_column(column, justify="right" if column in ("ID", "Created", "Updated", "Rejected") else "left",
                         no_wrap=column in ("ID", "When", "Undone"))
    for run in runs:
        totals = {o: sum(c.get(o, 0) for c in run.counts.values()) for o in ("created", "updated", "rejected")}
        files = "\n".join(f"{entry['path'].rsplit('/', 1)[-1]} ({entry['sha256'][:8]})" for entry in run.files)
        read_as = "\n".join(entry.get("mapping") or "custview" for entry in run.files)
        table.add_row(str(run.id), f"{to_local(run.started_at):%Y-%m-%d %H:%M}", _text(files), _text(read_as),
                      *(str(totals[o]) for o in ("created", "updated", "rejected")),
                      f"{to_local(run.undone_at):%Y-%m-%d %H:%M}" if run.undone_at else "")
    return table


def render_undone_import(run_id: int, done: dict) -> RenderableType:
    """What undoing an import removed and restored, per table."""
    table = Table(box=box.SIMPLE_HEAD)
    for column in ("Table", "Removed", "Restored"):
        table.add_column(column, justify="left" if column == "Table" else "right")
    for name, counts in done.items():
        table.add_row(name, str(counts.get("removed", 0)), str(counts.get("restored", 0)))
    return Group(_text(f"Undid import {run_id}"), table)


@contextmanager
def import_progress(console):
    """A progress bar (rows, rows/s, time left) for a long import; yields the callback that moves it.

    It appears only once the import has taken more than a moment, and vanishes when done.
    """
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

    progress = Progress(TextColumn("Importing", markup=False), BarColumn(), TaskProgressColumn(),
                        TextColumn("{task.fields[rows]:,} rows  {task.fields[rate]:,.0f} rows/s", markup=False),
                        TimeRemainingColumn(), console=console, transient=True)
    started = time.monotonic()
    task = None

    def update(rows: int, done: int, total: int) -> None:
        nonlocal task
        elapsed = time.monotonic() - started
        if task is None:
            if elapsed < 0.5:
                return
            progress.start()
            task = progress.add_task("import", total=total, rows=0, rate=0.0)
        progress.update(task, completed=done, rows=rows, rate=rows / elapsed)

    try:
        yield update
    finally:
        progress.stop()


def render_export_report(report) -> RenderableType:
    """Which files an export wrote and how many records of each kind (with each kind's file, for CSV)."""
    per_kind = report.format == "csv"
    heading = f"Wrote {len(report.files)} file{'s' if len(report.files) != 1 else ''}" if per_kind \
        else f"Wrote {report.files[0]}"
    table = Table(box=box.SIMPLE_HEAD)
    table.add_column("Kind")
    table.add_column("Records", justify="right")
    if per_kind:
        table.add_column("File")
    for kind, count in report.counts.items():
        path = report.file_of(kind)
        file_cell = [_text(path) if path else _text("none (no records)", "muted")] if per_kind else []
        table.add_row(kind, str(count), *file_cell)
    table.add_row(_text("total", "title"), _text(str(report.total()), "title"))
    return Group(_text(heading), table)


def render_next_steps(steps, as_of: datetime) -> RenderableType:
    """Open next steps: when due (overdue ones marked), whose, for whom, what, and from which meeting."""
    if not steps:
        return _text("No open next steps.", "good")
    table = Table(box=box.SIMPLE_HEAD)
    table.add_column("Id", no_wrap=True)
    table.add_column("Due", no_wrap=True)
    for column in ("Owner", "Contact", "Step", "From"):
        table.add_column(column, overflow="fold")
    overdue = 0
    for step in steps:
        late = step.due_at is not None and days_between(step.due_at, as_of) > 0
        overdue += late
        due = _line(_date(step.due_at), ("  overdue", "danger") if late else "")
        contact = _line(step.contact, (f" · {step.company}", "muted") if step.company else "")
        meeting = _line(step.appointment, (f", {_date(step.met_at)}", "muted"))
        table.add_row(_text(f"S{step.id}", "muted"), due, _text(step.owner or "—"), contact, _text(step.step, "title"),
                      meeting)
    caption = f"{len(steps)} open next step{'s' if len(steps) != 1 else ''}" + (f", {overdue} overdue" if overdue else "")
    return Group(table, _text(caption, "muted"))


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


def render_stage_suggestions(rows) -> RenderableType:
    """Contacts whose behaviour points to another stage than the recorded one."""
    if not rows:
        return _text("No readiness signals: everyone behaves like their recorded stage.", "good")
    table = Table(box=box.SIMPLE_HEAD)
    for column in ("Name", "Company", "Recorded", "Behaves like", "Evidence"):
        table.add_column(column, overflow="fold")
    for name, company, stage, readiness in rows:
        arrow = "↑ " if readiness.direction == "ahead" else "↓ "
        table.add_row(_text(name, "title"), _text(company), _text(stage, "stage"),
                      _text(arrow + readiness.behaves_like, "warning"), _bullets(readiness.evidence))
    return Group(table, _text("Suggestions only: change a stage with 'custview stage set NAME STAGE'.", "muted"))


def render_stage_change(name: str, change, stage: str, current: str | None = None) -> RenderableType:
    """The result of setting a stage; `current` is their stage now, if a later move keeps them elsewhere."""
    if change is None:
        return _line(name, " is already ", (stage, "stage"), ": nothing changed.")
    return _line(("Moved ", "good"), name, ": ", (change.previous_stage or "—", "muted"), " → ", (change.stage, "stage"),
                 (f"  (as of {_date(change.changed_at)})", "muted"),
                 (f"; a later move keeps them at {current} now" if current and current != change.stage else "", "warning"))


def render_timeline(subject: str, events) -> RenderableType:
    """A history in date order, one row per event with its details beneath."""
    if not events:
        return _text(f"No events for {subject} with these filters.", "muted")
    table = Table.grid(padding=(0, 2))
    table.add_column(no_wrap=True, style=STYLES["muted"])
    table.add_column(no_wrap=True)
    table.add_column()
    kind_styles = {"stage": "stage", "ticket": "warning", "appointment": "title", "note": "label", "signal": "topic",
                   "merge": "warning"}
    for e in events:
        what = _line((e.title, kind_styles.get(e.kind)), (f"  — {e.who}" if e.who else "", "muted"))
        if e.details:
            what = Group(what, _bullets([_text(d, "muted") for d in e.details], marker=" "))
        table.add_row(_text(f"{to_local(e.at):%Y-%m-%d}"), _text(e.kind), what)
    return Panel(table, title=_text(f"Timeline — {subject} ({len(events)} event{'s' if len(events) != 1 else ''})", "title"), title_align="left",
                 box=box.ROUNDED, padding=(0, 1))


def render_saved(outcome: str, noun: str, label: str) -> RenderableType:
    """One line saying what happened to a record added from the command line."""
    verb = {"created": "Added", "updated": "Updated", "unchanged": "Unchanged:"}[outcome]
    return _line((f"{verb} {noun} ", "good" if outcome != "unchanged" else "muted"), (label, "title"))


FORGET_LABELS = {
    "contact": "contact",
    "signals": "signals",
    "stage_changes": "stage history entries",
    "notes": "notes about them",
    "tickets": "tickets of theirs (no company)",
    "appointments": "appointments with them as main contact",
    "appointment_attendees": "  attendees of those appointments",
    "appointment_next_steps": "  next steps of those appointments",
    "attendance_elsewhere": "their place in others' appointments",
    "aliases": "their other emails (from merged duplicates)",
    "merges": "records of duplicates merged into them",
}
FORGET_ONLY_IF_ANY = ("aliases", "merges")  # rows shown only for someone who had duplicates merged into them


def render_forget_report(report, done: bool, deleted_backups=(), book=None) -> RenderableType:
    """What forgetting a contact removes (done=False: before asking) or removed, per kind; what is kept,
    and the copies that still hold them."""
    who = report.name + (f" ({report.company})" if report.company else "")
    heading = _line(("Forgot " if done else "Forgetting ", "title"), (who, "title"),
                    ": removed" if done else " removes:")
    table = Table(box=box.SIMPLE_HEAD)
    table.add_column("Record")
    table.add_column("Removed" if done else "To remove", justify="right")
    for kind, count in report.removed.items():
        if count or kind not in FORGET_ONLY_IF_ANY:
            table.add_row(_text(FORGET_LABELS.get(kind, kind)), _text(str(count), None if count else "muted"))
    table.add_row(_text("total", "title"), _text(str(report.total), "title"))
    kept = [f"Kept: the records of {report.company}" if report.company else "Kept: other people's records",
            f"{report.tickets_unlinked} ticket(s) stay with {report.company}, no longer linked to them"
            if report.tickets_unlinked else ""]
    lines = [_text("; ".join(part for part in kept if part) + ".", "muted")]
    if report.names_cleared:
        lines.append(_text(f"Their name {'was' if done else 'is'} taken off {report.names_cleared} next step(s) "
                           "and note(s) of others.", "muted"))
    if report.backups:
        lines.append(_text(f"Still holding them: {', '.join(report.backups)} (backups of the whole book; "
                           "'forget --backups' deletes them after asking).", "warning"))
    if deleted_backups:
        lines.append(_text(f"Deleted the backups {', '.join(deleted_backups)}.", "muted"))
    if done and report.space_kept:
        lines.append(_text(f"The space they used is overwritten but stays in the file; to shrink it: "
                           f"sqlite3 {book} 'VACUUM'", "muted"))
    return Group(heading, table, *lines)


def render_duplicates(pairs, commands: list[str]) -> RenderableType:
    """Likely duplicate pairs, best first: the score, both records, the evidence and the command that merges them."""
    if not pairs:
        return _text("No likely duplicates found.", "good")
    contacts = sum(p.kind == "contact" for p in pairs)
    companies = len(pairs) - contacts
    kinds = ", ".join(f"{n} {kind} pair{'s' if n != 1 else ''}"
                      for n, kind in ((contacts, "contact"), (companies, "company")) if n)
    heading = _text(f"{len(pairs)} likely duplicate{'s' if len(pairs) != 1 else ''} ({kinds}), best first; "
                    "the older record of each pair comes first:")
    table = Table.grid(padding=(0, 2))
    table.add_column(justify="right", no_wrap=True)
    table.add_column(no_wrap=True)
    table.add_column()
    for pair, command in zip(pairs, commands):
        style = "danger" if pair.score >= 90 else "warning" if pair.score >= 70 else None
        body = Group(_party(pair.first, pair.kind), _party(pair.second, pair.kind), _bullets(pair.evidence),
                     _line(("→ ", "muted"), (command, "muted")), _text(""))
        table.add_row(_text(str(pair.score), style), _text(pair.kind), body)
    hint = _text("'custview merge KEEP OTHER' shows what would change and asks before merging.", "muted")
    return Group(heading, _text(""), table, hint)


def _party(party, kind: str) -> Text:
    """One record of a duplicate pair: name <email> (a contact) or name (domain) (a company), company and id."""
    detail = (f" <{party.detail}>" if kind == "contact" else f" ({party.detail})") if party.detail else ""
    facts = " · ".join(x for x in (party.company, f"#{party.id}") if x)
    return _line((party.name, "title"), (detail, "muted"), ("  " + facts, "muted"))


MERGE_LABELS = {
    "signals": "signals",
    "stage_changes": "stage history entries",
    "appointments": "appointments",
    "attendee_links": "attendee links",
    "tickets": "tickets",
    "notes": "notes",
    "contacts": "contacts",
    "services": "services",
}


def render_merge_report(report, done: bool) -> RenderableType:
    """What merging a duplicate moves, fills in, decides between and keeps as aliases (done=False: before asking)."""
    heading = _line(("Merged " if done else "Merging ", "title"), (report.other_label, "title"), " into ",
                    (report.kept_label, "title"), ":")
    table = Table(box=box.SIMPLE_HEAD)
    table.add_column("Record")
    table.add_column("Moved" if done else "To move", justify="right")
    table.add_column("Dropped as repeats", justify="right")
    for kind, count in report.moved.items():
        dropped = report.dropped.get(kind)
        table.add_row(_text(MERGE_LABELS.get(kind, kind)), _text(str(count), None if count else "muted"),
                      _text("" if dropped is None else str(dropped), None if dropped else "muted"))
    table.add_row(_text("total", "title"), _text(str(report.total_moved), "title"),
                  _text(str(sum(report.dropped.values())), "title"))
    parts = [heading, table]
    if report.filled:
        filled = "; ".join(f"{name}: {printable(value)}" for name, value in report.filled.items())
        parts.append(_line(("Filled in from the duplicate: ", "label"), filled))
    if report.conflicts:
        conflicts = Table(box=box.SIMPLE_HEAD)
        for column in ("Different", "Kept record", "Duplicate", "After the merge"):
            conflicts.add_column(column, overflow="fold")
        for c in report.conflicts:
            conflicts.add_row(_text(c.field), _text(c.kept), _text(c.other), _text(c.result, "title"))
        parts.append(conflicts)
    if report.aliases:
        parts.append(_line(("Kept as aliases, so that imports find the kept record: ", "label"),
                           ", ".join(printable(a) for a in report.aliases)))
    return Group(*parts)


def render_doctor_report(report) -> RenderableType:
    """One line per check of the database file: ok or problem, what it found; then a verdict."""
    table = Table.grid(padding=(0, 2))
    for _ in range(3):
        table.add_column()
    for check in report.checks:
        table.add_row(_text("ok", "good") if check.ok else _text("problem", "danger"), _text(check.name, "title"),
                      _text(check.detail))
    verdict = (_text(f"All {len(report.checks)} checks passed.", "good") if report.ok else
               _text(f"{report.problems} of {len(report.checks)} checks found problems.", "danger"))
    return Group(_line(("Database ", "muted"), str(report.path)), table, verdict)


def render_ticket_closed(ticket, already: bool) -> RenderableType:
    """What closing a ticket did."""
    label = f"{ticket.ref or '#' + str(ticket.id)} {ticket.subject}"
    if already:
        return _line(label, (" was already closed", "muted"), (f" ({_date(ticket.closed_at)})" if ticket.closed_at else "", "muted"))
    return _line(("Closed ", "good"), (label, "title"))


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
    if v.open_tickets:
        parts.append(section(f"Open tickets — {len(v.open_tickets)}", ticket_table(v.open_tickets, v.as_of)))
    if v.notes:
        parts.append(section("Company notes", _bullets(v.notes)))
    return Group(*parts)
