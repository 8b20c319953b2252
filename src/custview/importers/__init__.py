"""Importers: read files in the formats users have and write them into the store in one transaction."""

from __future__ import annotations

import csv
import hashlib
import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, ContextManager

from custview.cycles import cycle_collection_paused
from custview.dates import utc_now
from custview.errors import UserError
from custview.importers.csv_source import CsvFile, open_csv, read_csv_rows
from custview.importers.ics_source import read_ics_records
from custview.importers.json_source import read_json_records
from custview.importers.records import KINDS, SourceRecord
from custview.importers.vcard_source import read_vcard_records
from custview.importers.yaml_source import read_yaml_records
from custview.db.connection import holding, writing_transaction
from custview.db.schema import prepare_file
from custview.db.server import ServerBook

if TYPE_CHECKING:  # the writer (SQLModel) loads only when an import writes: `custview mappings` never needs it
    from custview.db.writer import Store
    from custview.importers.writers import RecordWriter

CSV_SUFFIXES = (".csv", ".tsv", ".txt")
RECORD_READERS = {".yaml": read_yaml_records, ".yml": read_yaml_records, ".json": read_json_records}
# Readers of other tools' files, which also say how they read them (notes) and what they left out (warnings).
EXPORT_READERS = {".vcf": read_vcard_records, ".ics": read_ics_records}

# Told how far an import has got: (rows read, bytes read, bytes in all).
ProgressCallback = Callable[[int, int, int], None]


class _DryRun(Exception):
    """Raised inside the transaction to roll it back after counting."""


@dataclass
class CsvOptions:
    """How to read CSV exports: the kind of record, the tool's built-in mapping or the user's own."""

    kind: str | None = None
    source: str | None = None
    mapping: Path | None = None


@dataclass
class ImportReport:
    """What an import did (or, on a dry run, would do): created / updated / unchanged / rejected per kind."""

    files: list[str]
    counts: dict[str, Counter]
    dry_run: bool
    notices: list[str] = field(default_factory=list)
    stage_changes: list[tuple[str, str | None, str]] = field(default_factory=list)
    rejected_files: list[str] = field(default_factory=list)
    skipped_problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # about records imported all the same
    run_id: int | None = None  # its number in the import history (see `custview imports`)

    def total(self, outcome: str) -> int:
        """How many records across all kinds had this outcome."""
        return sum(counter[outcome] for counter in self.counts.values())

    def to_dict(self) -> dict:
        """The report as plain data, for --json."""
        return {
            "files": self.files,
            "dry_run": self.dry_run,
            "counts": {kind: dict(self.counts.get(kind, {})) for kind in KINDS},
            "stage_changes": [{"contact": name, "from": old, "to": new} for name, old, new in self.stage_changes],
            "notices": self.notices,
            "rejected_files": self.rejected_files,
            "problems": self.skipped_problems,
            "warnings": self.warnings,
            "import_id": self.run_id,
        }


def import_files(book: Store | Path | ServerBook, paths: list[Path], dry_run: bool = False, now: datetime | None = None,
                 csv_options: CsvOptions | None = None, skip_invalid: bool = False,
                 on_progress: ProgressCallback | None = None, known_only: bool = False) -> ImportReport:
    """Import YAML, JSON, CSV, vCard and iCalendar files in one transaction: all of it is written, or none of it.

    With `skip_invalid`, bad records are left out instead (CSV rows go to `NAME.rejected.csv`
    beside their file, with the reason) and the good ones are imported. With `known_only`,
    calendar events none of whose people is a known contact are skipped (and counted), not reported.
    """
    records: list[SourceRecord] = []
    exports: list[CsvFile] = []
    problems: list[str] = []
    notes: list[str] = []
    warnings: list[str] = []
    for path in paths:
        suffix = path.suffix.lower()
        try:
            if suffix in CSV_SUFFIXES:
                exports.append(open_csv(path, *_csv_choice(csv_options)))
            elif suffix in RECORD_READERS:
                records.extend(RECORD_READERS[suffix](path))
            elif suffix in EXPORT_READERS:
                records.extend(EXPORT_READERS[suffix](path, notes, warnings))
            else:
                problems.append(f"{path}: unsupported file type {path.suffix or '(none)'!r} "
                                "(expected .yaml, .yml, .json, .csv, .vcf or .ics)")
        except UserError as error:
            problems.extend(error.problems)
    if problems:
        raise UserError(*problems)
    report = ImportReport([str(p) for p in paths], {}, dry_run, notes + [n for e in exports for n in e.notices])
    rejects = _RejectedRows(report, exports, write_files=not dry_run) if skip_invalid else None
    progress = _Progress(exports, on_progress) if on_progress else None

    def feed(writer: RecordWriter) -> None:
        """Every record, companies first and contacts before what refers to them; CSV rows streamed."""
        writer.known_contacts_only = known_only
        for kind in KINDS:
            writer.write_many([record for record in records if record.kind == kind])
            for export in (export for export in exports if export.kind == kind):
                _write_export(writer, export, progress.reporter(export) if progress else None)

    read_with = {str(export.path): f"{export.mapping.name} {export.kind}" for export in exports}
    history = None if dry_run else _ImportHistory([_file_entry(path, read_with.get(str(path))) for path in paths])
    committed = False
    try:
        writer = _write(book, feed, dry_run, now, rejects.add if rejects else None, history)
        committed = True
    finally:
        if rejects:
            rejects.close(keep=committed)
    report.counts, report.stage_changes = writer.counts, writer.stage_changes
    report.warnings = warnings + writer.warnings
    if writer.linked_tickets:
        report.notices.append(f"linked {writer.linked_tickets:,} earlier ticket{'s' if writer.linked_tickets != 1 else ''} "
                              "to the contacts who raised them")
    report.run_id = history.run_id if history else None
    return report


@dataclass
class _ImportHistory:
    """What the import history keeps about a run: its files, with checksums and how each was read."""

    files: list[dict]
    run_id: int | None = None

    @property
    def mapping(self) -> str | None:
        """The mappings the run's CSV files were read with."""
        return ", ".join(entry["mapping"] for entry in self.files if entry.get("mapping")) or None


def _file_entry(path: Path, mapping: str | None) -> dict:
    digest = hashlib.sha256()
    with open(path, "rb") as content:
        while chunk := content.read(1 << 20):
            digest.update(chunk)
    return {"path": str(path.resolve()), "sha256": digest.hexdigest(), "mapping": mapping}


def _write_export(writer: RecordWriter, export: CsvFile, on_progress) -> None:
    rows = read_csv_rows(export, on_progress)
    columns = export.plain_columns() if export.kind == "signals" else None
    if columns is not None:
        writer.write_signal_rows(rows, columns, export.mapping.read_date, export.record)
    else:
        writer.write_export_rows(export, rows)


def _csv_choice(options: CsvOptions | None) -> tuple:
    options = options or CsvOptions()
    return options.kind, options.source, options.mapping


def write_records(store: Store, records: list[SourceRecord], dry_run: bool = False,
                  now: datetime | None = None) -> dict[str, Counter]:
    """Validate and upsert records in one transaction; counts per kind. Nothing is written on error or dry run."""
    def feed(writer: RecordWriter) -> None:
        for record in sorted(records, key=lambda r: KINDS.index(r.kind)):
            writer.write(record)

    return _write(store, feed, dry_run, now).counts


def _write(book: Store | Path | ServerBook, feed: Callable[[RecordWriter], None], dry_run: bool,
           now: datetime | None, on_reject=None, history: _ImportHistory | None = None) -> RecordWriter:
    path = book if isinstance(book, (Path, ServerBook)) else book.path
    if _ready_file(path):  # the usual case: plain sqlite3, SQLAlchemy never loaded
        return _write_into(path, lambda: writing_transaction(path, bulk_import=True), feed, dry_run, now, on_reject, history)
    from custview.db.writer import Store

    store = Store(path) if isinstance(book, (Path, ServerBook)) else book
    if store.exists() or (store.on_server and not dry_run):  # a server book: its tables are made by the store
        return _write_into(path, lambda: _session_connection(store), feed, dry_run, now, on_reject, history)
    if dry_run:  # a dry run against a database that does not exist yet must not create it
        memory = Store(Path(":memory:"))
        return _write_into(memory.path, lambda: _session_connection(memory), feed, dry_run, now, on_reject, history)
    # A first import builds the book under a private name and puts it in place only once it has
    # committed: a failed one removes only its own file, never one another command created meanwhile.
    draft = Store(store.path.with_name(f".{store.path.name}.import-{os.getpid()}"))
    try:
        writer = _write_into(draft.path, lambda: _session_connection(draft), feed, dry_run, now, on_reject, history)
        draft.close()
        try:
            os.link(draft.path, store.path)
        except FileExistsError:
            raise UserError(f"{store.path} was created by another command while this import ran; nothing was "
                            "imported: run the import again") from None
    finally:
        draft.remove_files()
    return writer


def _ready_file(path: Path | ServerBook) -> bool:
    """Whether the book is a SQLite file with this custview's tables (an older one is upgraded first)."""
    return isinstance(path, Path) and str(path) != ":memory:" and path.is_file() and prepare_file(path) is not None


@contextmanager
def _session_connection(store: Store) -> Iterator:
    """The DB-API connection of one of the store's write transactions (a server book, or a new file)."""
    from custview.db.dialect import driver_connection

    with store.writing() as session:
        yield driver_connection(session)


def _write_into(path: Path | ServerBook, transaction: Callable[[], ContextManager], feed: Callable[[RecordWriter], None],
                dry_run: bool, now: datetime | None, on_reject=None,
                history: _ImportHistory | None = None) -> RecordWriter:
    from custview.db.import_history import ImportRecorder
    from custview.importers.writers import RecordWriter

    now = now or utc_now()
    writer = None
    busy = holding(path, "import") if history and isinstance(path, Path) else nullcontext()
    try:
        with cycle_collection_paused(), busy, transaction() as connection:
            recorder = ImportRecorder(connection, now, history.files, history.mapping) if history else None
            writer = RecordWriter(connection, now, on_reject, dry_run=dry_run)
            feed(writer)
            writer.finish()
            if dry_run:
                raise _DryRun
            if recorder:
                recorder.finish({kind: dict(counter) for kind, counter in writer.counts.items()})
                history.run_id = recorder.run_id
    except _DryRun:
        pass
    return writer


class _Progress:
    """Adds up progress over several CSV files for one progress callback."""

    def __init__(self, exports: list[CsvFile], callback: ProgressCallback):
        self.callback = callback
        self.total = sum(export.path.stat().st_size for export in exports)
        self.done_before = 0
        self.rows_before = 0

    def reporter(self, export: CsvFile) -> Callable[[int, int], None]:
        """The per-file callback for one export."""
        size = export.path.stat().st_size

        def report(rows: int, position: int) -> None:
            self.callback(self.rows_before + rows, self.done_before + position, self.total)
            if position >= size:
                self.done_before += size
                self.rows_before += rows

        return report


class _RejectedRows:
    """Collects skipped records: CSV rows into NAME.rejected.csv (with a reason column), the rest as lines."""

    SHOWN = 100

    def __init__(self, report: ImportReport, exports: list[CsvFile], write_files: bool):
        self.report, self.write_files = report, write_files
        self.exports = {str(export.path): export for export in exports}
        self.files: dict[str, tuple] = {}  # source file -> (nameless temporary file, csv writer, wanted path)

    def add(self, record: SourceRecord, problems: list[str]) -> None:
        """Note one skipped record and why."""
        if len(self.report.skipped_problems) < self.SHOWN:
            self.report.skipped_problems.extend(problems[: self.SHOWN - len(self.report.skipped_problems)])
        if record.raw is None or not self.write_files:
            return
        export = self.exports[record.file]
        cells, width = record.raw, len(export.header)
        if not any(cell.strip() for cell in cells[width:]):  # keep the reason under its own header
            cells = cells[:width] + [""] * (width - len(cells))
        reason = "; ".join(problem.split(": ", 1)[-1] for problem in problems)  # without "file:line: "
        self._writer_for(export).writerow([*cells, reason])

    def _writer_for(self, export: CsvFile):
        if str(export.path) not in self.files:
            wanted = export.path.with_name(f"{export.path.stem}.rejected.csv")
            try:
                if wanted.exists() and not wanted.is_file():
                    raise IsADirectoryError(21, "something that is not a file is in the way")
                # Nameless until the import commits: a kill leaves nothing behind (and nothing to read).
                handle = tempfile.TemporaryFile("w+", dir=wanted.parent, encoding="utf-8", newline="")
            except OSError as error:
                raise UserError(f"{wanted}: cannot write the rejected rows there ({error.strerror})") from None
            writer = csv.writer(handle, delimiter=export.delimiter)
            writer.writerow([*export.header, "reason"])
            self.files[str(export.path)] = (handle, writer, wanted)
        return self.files[str(export.path)][1]

    def close(self, keep: bool) -> None:
        """Finish the rejected-rows files (readable by their owner only) under free names, or drop them."""
        for handle, _, wanted in self.files.values():
            if keep:
                handle.seek(0)
                try:
                    self.report.rejected_files.append(str(_publish(handle, wanted)))
                except OSError as error:
                    raise UserError(f"{wanted}: the import is saved, but its rejected rows could not be written "
                                    f"there ({error.strerror})") from None
            handle.close()


def _publish(content, wanted: Path) -> Path:
    """Write `content` to `wanted`, or to `NAME-2.csv`, `NAME-3.csv`… if taken: an existing file is never overwritten."""
    draft = wanted.with_name(f".{wanted.name}.{os.getpid()}.part")
    with open(os.open(draft, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, 0o600), "w", encoding="utf-8",
              newline="") as copy:
        shutil.copyfileobj(content, copy)
    try:
        number = 1
        while True:
            target = wanted if number == 1 else wanted.with_name(f"{wanted.stem}-{number}{wanted.suffix}")
            try:
                os.link(draft, target)
                return target
            except FileExistsError:
                number += 1
    finally:
        draft.unlink(missing_ok=True)


__all__ = ["CsvOptions", "ImportReport", "import_files", "write_records", "SourceRecord", "KINDS"]
