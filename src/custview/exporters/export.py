"""Export: the book (all of it, or some kinds) in the format `custview import` reads, as YAML, JSON or CSV.

Records refer to each other by natural keys, never by database ids: a contact by email when it
has one, else by name; a company by name. Times are UTC, ISO 8601 (`2026-11-24T15:00:00Z`).
YAML and JSON keep everything and import back into the same book, including what merges made
(`aliases`, and `merged`: who was merged in, when), so a duplicate's old file still finds the
record kept. CSV is for spreadsheets and for the `custview` CSV profile: one file per kind, no
stage history, lists as plain `a; b` cells or, when an item would not read back from that, as a
JSON array (`custview.spreadsheet.list_cell`), and cells a spreadsheet would run as formulas
guarded with a `'`.

Usable without the CLI:

    from custview.exporters.export import write_export
    from custview.db.reader import Reader
    report = write_export(Reader.open("book.db"), "yaml", out_dir="backup")
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from json.encoder import encode_basestring
from pathlib import Path
from typing import BinaryIO

from custview.db.reader import Reader
from custview.errors import UserError
from custview.exporters.book_records import BookRecords, ambiguous_contacts, in_batches, utc_iso
from custview.exporters.files import refuse_existing, write_private_streams
from custview.exporters.yaml_emitter import yaml_records
from custview.sections import KINDS
from custview.spreadsheet import guard_cell, is_plain_item, list_cell

FORMATS = ("yaml", "json", "csv")
EXPORT_NAME = "custview-export"

# The fields of each kind in the import format, in the order they are written.
FIELDS = {
    "members": ("name", "email", "team", "role"),
    "companies": ("name", "domain", "industry", "size", "stage", "health", "summary", "status", "renewal", "value",
                  "currency", "arr", "ended", "end_reason", "aliases", "merged", "owner"),
    "contacts": ("name", "email", "phone", "title", "company", "buying_role", "stage", "stage_since",
                 "stage_history", "preferences", "context", "aliases", "merged", "owner"),
    "signals": ("contact", "kind", "title", "topics", "at", "detail", "source"),
    "appointments": ("contact", "purpose", "kind", "at", "attendees", "outcome", "decisions", "next_steps", "uid",
                     "made_by"),
    "tickets": ("ref", "contact", "company", "subject", "description", "status", "priority", "kind", "opened",
                "closed", "owner", "made_by"),
    "services": ("company", "name", "status", "start", "end", "owner", "made_by"),
    "success_criteria": ("company", "metric", "target", "status", "made_by"),
    "notes": ("contact", "company", "text", "at", "author"),
    "handovers": ("contact", "company", "from", "to", "at", "steps_moved", "made_by"),
}
PREFERENCES = ("channel", "time", "tone")


@dataclass
class ExportReport:
    """What an export wrote: the format, the files, how many records of each kind, and any warnings."""

    format: str
    files: list[Path]
    counts: dict[str, int]
    warnings: list[str] = field(default_factory=list)

    def file_of(self, kind: str) -> Path | None:
        """The CSV file a kind was written to; None when it had no records (no file is written then)."""
        return next((path for path in self.files if path.stem == kind), None)

    def total(self) -> int:
        """How many records were written across all kinds."""
        return sum(self.counts.values())


# -- records -> files, a batch at a time -------------------------------------------------------------


def export_records(reader: Reader, kinds: tuple[str, ...] = KINDS) -> dict[str, list[dict]]:
    """The chosen kinds as lists of records in the import format, read in one consistent snapshot.

    All in memory: for a small book or a notebook. `write_export` writes a batch at a time.
    """
    with reader.snapshot():
        book = BookRecords(reader)
        return {kind: list(book.records(kind)) for kind in KINDS if kind in kinds}


Write = Callable[[BinaryIO], dict[str, int]]  # writes one file's content, returns how many records of each kind


def yaml_export(book: BookRecords, counts: dict[str, int], written_at: datetime) -> Write:
    """Writes the kinds as one YAML document that `custview import` reads, with a short header."""
    def write(file: BinaryIO) -> dict[str, int]:
        written = {}
        with _text(file, "utf-8") as text:
            listed = ", ".join(f"{count} {kind}" for kind, count in counts.items())
            text.write(f"# custview export, {utc_iso(written_at.replace(microsecond=0))}: {listed}.\n"
                       f"# Times are UTC. Bring it back with: custview import {EXPORT_NAME}.yaml\n")
            for kind in counts:
                text.write(f"\n{kind}:")
                written[kind] = 0
                for batch in in_batches(book.records(kind)):
                    text.write(("\n" if not written[kind] else "") + yaml_records(batch))
                    written[kind] += len(batch)
                if not written[kind]:
                    text.write(" []\n")
        return written
    return write


def json_export(book: BookRecords, counts: dict[str, int]) -> Write:
    """Writes the kinds as one JSON object with the same structure as the YAML export (as `json.dumps` with
    `indent=2` would)."""
    def write(file: BinaryIO) -> dict[str, int]:
        written = {}
        with _text(file, "utf-8") as text:
            text.write("{" if counts else "{}\n")
            for n, kind in enumerate(counts):
                text.write(f"{',' if n else ''}\n  {json_value(kind, '')}: [")
                written[kind] = 0
                for batch in in_batches(book.records(kind)):
                    text.write("".join(f"{',' if written[kind] or i else ''}\n    {json_value(item, '    ')}"
                                       for i, item in enumerate(batch)))
                    written[kind] += len(batch)
                text.write("\n  ]" if written[kind] else "]")
            text.write("\n}\n" if counts else "")
        return written
    return write


def json_value(value, indent: str) -> str:
    """A record (or any value in one) as `json.dumps(value, indent=2, ensure_ascii=False)` writes it, its
    lines after the first indented by `indent` more: the same text, with json's C string encoder."""
    kind = type(value)
    if kind is str:
        return encode_basestring(value)
    if kind is dict or kind is list:
        if not value:
            return "{}" if kind is dict else "[]"
        inner = indent + "  "
        if kind is dict:
            lines = [f"{inner}{encode_basestring(key)}: "
                     + (encode_basestring(item) if type(item) is str else json_value(item, inner))
                     for key, item in value.items()]
            return "{\n" + ",\n".join(lines) + "\n" + indent + "}"
        return "[\n" + ",\n".join(inner + json_value(item, inner) for item in value) + "\n" + indent + "]"
    return json.dumps(value)


def csv_export(kind: str, records: Iterator[dict]) -> Write:
    """Writes one kind's records as CSV (with a BOM, for spreadsheets): a header row, then one row per record."""
    def write(file: BinaryIO) -> dict[str, int]:
        written = 0
        with _text(file, "utf-8-sig") as text:
            writer = csv.writer(text)
            writer.writerow(csv_columns(kind))
            for batch in in_batches(records):
                writer.writerows(csv_row(kind, item) for item in batch)
                written += len(batch)
        return {kind: written}
    return write


@contextmanager
def _text(file: BinaryIO, encoding: str) -> Iterator[io.TextIOWrapper]:
    """Text written to `file` in `encoding`, line breaks as given; `file` stays open."""
    text = io.TextIOWrapper(file, encoding=encoding, newline="")
    try:
        yield text
        text.flush()
    finally:
        text.detach()


def csv_columns(kind: str) -> tuple[str, ...]:
    """The columns of a kind's CSV file: its import fields, with preferences spread out and no stage history."""
    columns = []
    for name in FIELDS[kind]:
        if name == "preferences":
            columns += [f"preferred_{key}" for key in PREFERENCES]
        elif name not in ("stage_history", "made_by"):  # who made a record: YAML and JSON only
            columns.append(name)
    return tuple(columns)


def csv_row(kind: str, record: dict) -> list[str]:
    """One record as the cells of a CSV row, formula-guarded, in `csv_columns(kind)` order."""
    flat = dict(record)
    if kind == "contacts" and record.get("stage_history"):
        flat["stage_since"] = record["stage_history"][-1]["at"]  # the history itself has no column
    for key, value in record.get("preferences", {}).items():
        flat[f"preferred_{key}"] = value
    people, steps = record.get("attendees", []), record.get("next_steps", [])
    flat["attendees"] = list_cell([_attendee_text(p) for p in people] if all(map(_plain_attendee, people)) else people)
    flat["next_steps"] = list_cell([step["step"] for step in steps] if all(set(s) == {"step"} for s in steps)
                                   else steps)
    for key in ("topics", "decisions", "aliases", "merged"):
        flat[key] = list_cell(record.get(key, []))
    if "arr" in record:
        flat["arr"] = "true"  # as YAML writes it (only a recurring value has the field)
    return [guard_cell(str(flat.get(column) or "")) for column in csv_columns(kind)]


def _plain_attendee(person: dict) -> bool:
    """Whether an attendee reads back exactly from `who (role)` (or `who` alone): else the cell is JSON."""
    name, role = person["name"], person.get("role")
    if not is_plain_item(name):
        return False
    if role is None:
        return not name.endswith(")")
    return is_plain_item(role) and "(" not in role and ")" not in role


def _attendee_text(person: dict) -> str:
    return f"{person['name']} ({person['role']})" if person.get("role") else person["name"]


def export_writers(book: BookRecords, counts: dict[str, int], fmt: str, out_dir: Path,
                   written_at: datetime) -> dict[Path, Write]:
    """What to write where: file path -> what writes it, for the chosen format.

    CSV gets one file per kind that has records: a file with a header and no rows says nothing,
    and importers rightly refuse one as probably the wrong file.
    """
    if fmt == "yaml":
        return {out_dir / f"{EXPORT_NAME}.yaml": yaml_export(book, counts, written_at)}
    if fmt == "json":
        return {out_dir / f"{EXPORT_NAME}.json": json_export(book, counts)}
    return {out_dir / f"{kind}.csv": csv_export(kind, book.records(kind)) for kind, count in counts.items() if count}


# -- writing files ---------------------------------------------------------------------------------


def write_export(reader: Reader, fmt: str = "yaml", kinds: tuple[str, ...] = KINDS, out_dir: str | Path = ".",
                 force: bool = False, now: datetime | None = None) -> ExportReport:
    """Export the chosen kinds to files in `out_dir` (created 0700 if missing); each file readable by its owner only.

    Records are read and written a batch at a time, from one consistent snapshot of the book: memory
    stays flat whatever its size. Existing files are never overwritten unless `force`; on any problem
    nothing is left half-written.
    """
    _check_choices(fmt, kinds)
    out = Path(out_dir).expanduser()
    if out.exists() and not out.is_dir():
        raise UserError(f"{out}: exists and is not a folder")
    with reader.snapshot():
        book = BookRecords(reader)
        counts = {kind: book.count(kind) for kind in KINDS if kind in kinds}
        writers = export_writers(book, counts, fmt, out, now or datetime.now(timezone.utc))
        refuse_existing(writers, force)
        try:
            out.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as error:
            raise UserError(f"{out}: cannot create the folder ({error.strerror})") from None
        for written in write_private_streams(writers).values():
            counts.update(written)
        warnings = ambiguous_contacts(reader)
    return ExportReport(fmt, list(writers), counts, warnings)


def _check_choices(fmt: str, kinds: tuple[str, ...]) -> None:
    problems = []
    if fmt not in FORMATS:
        problems.append(f"--format: unknown format {fmt!r} (expected one of: {', '.join(FORMATS)})")
    problems += [f"--kind: unknown kind {kind!r} (expected one of: {', '.join(KINDS)})"
                 for kind in kinds if kind not in KINDS]
    if problems:
        raise UserError(*problems)
