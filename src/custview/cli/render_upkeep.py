"""Drawing for keeping the book: import and export reports, the import history and undo, merges,
forgetting someone, duplicates and the doctor's checks (the everyday views are in `render`)."""

from __future__ import annotations

import time
from contextlib import contextmanager

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from custview.cli.render import _line, _text
from custview.dates import to_local
from custview.printable import printable


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
        if kind in ("members", "handovers") and not any(counts.values()):
            continue  # most files say nothing about our own people or their hand-overs
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
    """The import history: number, when, by whom, files, mapping, what it did, and whether (and by whom) it was undone."""
    if not runs:
        return _text("No imports yet.", "muted")
    table = Table(box=box.SIMPLE_HEAD)
    for column in ("ID", "When (by)", "Files (checksum)", "Read as", "Created", "Updated", "Rejected", "Undone"):
        table.add_column(column, justify="right" if column in ("ID", "Created", "Updated", "Rejected") else "left",
                         no_wrap=column in ("ID", "When (by)", "Undone"))
    for run in runs:
        totals = {o: sum(c.get(o, 0) for c in run.counts.values()) for o in ("created", "updated", "rejected")}
        files = "\n".join(f"{entry['path'].rsplit('/', 1)[-1]} ({entry['sha256'][:8]})" for entry in run.files)
        read_as = "\n".join(entry.get("mapping") or "custview" for entry in run.files)
        table.add_row(str(run.id), _when_by(run.started_at, run.made_by), _text(files), _text(read_as),
                      *(str(totals[o]) for o in ("created", "updated", "rejected")),
                      _when_by(run.undone_at, run.undone_by) if run.undone_at else "")
    return table


def _when_by(moment, who: str | None) -> Text:
    """A moment, with who did it on the line beneath (older books did not record who)."""
    when = Text(f"{to_local(moment):%Y-%m-%d %H:%M}")
    return Text("\n").join([when, _text(f"by {who}", "muted")]) if who else when


def render_undone_import(run_id: int, done: dict) -> RenderableType:
    """What undoing an import removed and restored, per table."""
    table = Table(box=box.SIMPLE_HEAD)
    for column in ("Table", "Removed", "Restored"):
        table.add_column(column, justify="left" if column == "Table" else "right")
    for name, counts in done.items():
        table.add_row(name, str(counts.get("removed", 0)), str(counts.get("restored", 0)))
    return Group(_text(f"Undid import {run_id}"), table)


def render_copied_book(source: str, target: str, copied: dict[str, int]) -> RenderableType:
    """What `custview copy` copied: rows per table, from where to where."""
    table = Table(box=box.SIMPLE_HEAD)
    table.add_column("Table")
    table.add_column("Rows", justify="right")
    for name, rows in copied.items():
        table.add_row(name, str(rows))
    return Group(_text(f"Copied {source} to {target}"), table)


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


MERGE_LABELS = {
    "signals": "signals",
    "stage_changes": "stage history entries",
    "appointments": "appointments",
    "attendee_links": "attendee links",
    "tickets": "tickets",
    "notes": "notes",
    "contacts": "contacts",
    "services": "services",
    "success_criteria": "success criteria",
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
