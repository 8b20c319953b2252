"""`custview export` of the whole book as YAML and as JSON, with peak memory: part of every run of
benchmarks/run.py, or alone with `run.py --only exports`. One run of each (a whole-book export is long).

- YAML against JSON in the same run: both read and build the same records, so the ratio is the cost
  of writing YAML (custview's own emitter) over writing JSON (with json's C string encoder).
- JSON against a plain sqlite3 + json script writing the same rows with their natural keys as JSON
  lines (reference/plain_export.py): the floor. Reported: custview's records carry more (stage
  history, attendees, next steps nested in their meeting, times in UTC with a Z, indentation).
- Peak memory against the 10% book's: records are written a batch at a time, so it should not grow
  with the book, but for SQLite's page cache (32 MiB), which a book smaller than that does not fill.

Each function takes `run` (benchmarks/run.py) for its timing helpers, as benchmarks/imports.py does.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

EXPORT_YAML_TARGET = 2.0  # YAML export / JSON export, same book, same run
EXPORT_RSS_LIMIT_MB = 200
EXPORT_RSS_FLAT = 1.1  # whole book / 10% of it...
EXPORT_RSS_SLACK_MB = 32  # ...or more only by up to SQLite's page cache (custview.db.connection), which is bounded


def export_figures(run, work: Path, books: dict[str, Path], custview: list[str], env: dict[str, str]) -> list:
    """The whole book exported as JSON and as YAML (and the 10% book, for memory), against the plain script."""
    out = work / "export"

    def export(book: str, fmt: str):
        return run.run_once([*custview, "--db", str(books[book]), "export", "--format", fmt, "--out", str(out),
                             "--force", "--json"], env, '"counts"')

    json_run, yaml_run = export("100%", "json"), export("100%", "yaml")
    plain = run.run_once([sys.executable, str(run.REFERENCE / "plain_export.py"), str(books["100%"]),
                          str(out / "plain.jsonl")], env, "rows")
    json_small, yaml_small = export("10%", "json"), export("10%", "yaml")
    shutil.rmtree(out)  # hundreds of megabytes at the default scale
    ratio = yaml_run.seconds / json_run.seconds
    growth = max(yaml_run.peak_mb / yaml_small.peak_mb, json_run.peak_mb / json_small.peak_mb)
    added = max(yaml_run.peak_mb - yaml_small.peak_mb, json_run.peak_mb - json_small.peak_mb)
    peak = max(yaml_run.peak_mb, json_run.peak_mb)
    return [
        run.Figure("export --format json (whole book)", f"{json_run.seconds:,.1f} s, {json_run.peak_mb:,.0f} MB peak",
                   f"plain sqlite3 + json {plain.seconds:,.1f} s", f"{json_run.seconds / plain.seconds:.2f}x",
                   "report", None),
        run.Figure("export --format yaml (whole book)", f"{yaml_run.seconds:,.1f} s, {yaml_run.peak_mb:,.0f} MB peak",
                   f"export --format json {json_run.seconds:,.1f} s", f"{ratio:.2f}x", f"<= {EXPORT_YAML_TARGET}x",
                   ratio <= EXPORT_YAML_TARGET),
        run.Figure("export peak memory (yaml / json)", f"{yaml_run.peak_mb:,.0f} MB / {json_run.peak_mb:,.0f} MB",
                   f"10% of the book {yaml_small.peak_mb:,.0f} MB / {json_small.peak_mb:,.0f} MB", f"{growth:.2f}x",
                   f"< {EXPORT_RSS_LIMIT_MB} MB; <= {EXPORT_RSS_FLAT}x or +{EXPORT_RSS_SLACK_MB} MB",
                   peak < EXPORT_RSS_LIMIT_MB and (growth <= EXPORT_RSS_FLAT or added <= EXPORT_RSS_SLACK_MB)),
    ]
