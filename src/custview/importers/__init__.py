"""Importers: read files in the formats users have and write them into the store in one transaction."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from custview.dates import utc_now
from custview.errors import UserError
from custview.importers.records import KINDS, RecordWriter, SourceRecord
from custview.importers.json_source import read_json_records
from custview.importers.yaml_source import read_yaml_records
from custview.store import Store


class _DryRun(Exception):
    """Raised inside the transaction to roll it back after counting."""


@dataclass
class ImportReport:
    """What an import did (or, on a dry run, would do): created / updated / unchanged per kind."""

    files: list[str]
    counts: dict[str, Counter]
    dry_run: bool

    def total(self, outcome: str) -> int:
        """How many records across all kinds had this outcome."""
        return sum(counter[outcome] for counter in self.counts.values())


def import_files(store: Store, paths: list[Path], dry_run: bool = False, now: datetime | None = None) -> ImportReport:
    """Import YAML files into the store as one transaction: all of it is written, or none of it."""
    records = []
    problems = []
    for path in paths:
        if path.suffix.lower() not in (".yaml", ".yml", ".json"):
            problems.append(f"{path}: unsupported file type {path.suffix or '(none)'!r} (expected .yaml, .yml or .json)")
            continue
        try:
            read = read_json_records if path.suffix.lower() == ".json" else read_yaml_records
            records.extend(read(path))
        except UserError as error:
            problems.extend(error.problems)
    if problems:
        raise UserError(*problems)
    return ImportReport([str(p) for p in paths], write_records(store, records, dry_run, now), dry_run)


def write_records(store: Store, records: list[SourceRecord], dry_run: bool = False,
                  now: datetime | None = None) -> dict[str, Counter]:
    """Validate and upsert records in one transaction; counts per kind. Nothing is written on error or dry run."""
    counts: dict[str, Counter] = {}
    # A dry run against a database that does not exist yet must not create it.
    target = store if store.exists() or not dry_run else Store(Path(":memory:"))
    try:
        with target.writing() as session:
            counts = RecordWriter(session, now or utc_now()).apply(records)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return counts


__all__ = ["ImportReport", "import_files", "write_records", "SourceRecord", "KINDS"]
