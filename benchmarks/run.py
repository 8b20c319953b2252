"""Is custview fast at a real book of business? One command: `python benchmarks/run.py`.

Builds a synthetic book (default: 100,000 contacts, 10,000 companies, 1,000,000 signals, 200,000
tickets, 100,000 appointments) in a temporary folder, runs custview against it as a user would
(the installed `custview` executable, one process per run), and prints each figure as a ratio to
a reference measured in the same run on the same machine:

- start-up (`--version`, `--help`) against a minimal one-command Typer app;
- `brief NAME` against that app, and against a plain sqlite3 script doing the same queries (the floor);
- `brief --json` against `brief`; the busiest contact's brief, `timeline`, `show COMPANY`, `handoff`, `log`,
  `stage set`, `contacts --stage`; the book-wide `attention`, `stage suggest`, `next-steps` (with their peak memory)
  and `duplicates`;
- importing a signals CSV against a plain `executemany` of the same rows, and its peak memory;
- importing a HubSpot contacts CSV and a Zendesk tickets CSV (as many rows as the book has contacts)
  the same way, and the contacts file's --dry-run against its import (benchmarks/imports.py);
- the brief at 1%, 10% and 100% of the book's signals (it should not grow with the book);
- `export` of the whole book as YAML against JSON, JSON against a plain sqlite3 + json script, and their
  peak memory against the 10% book's (benchmarks/exports.py).

With --engine postgresql, the team-book figures instead, against a throw-away local server
(benchmarks/postgresql.py): brief, a signals import against plain psycopg, concurrent writers.

Times are medians of --repeat runs (round-robin, after one warm-up run each); a ratio is the median
of the ratios of runs made in the same round, a moment apart. It exits with 1
when a target is missed, naming the figure, unless --report-only (for noisy CI machines); it
exits with 2 when a command fails, whatever the flags.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import exports  # noqa: E402  (benchmarks/ is not a package)
import imports  # noqa: E402
import synthetic  # noqa: E402
import views  # noqa: E402

REFERENCE = HERE / "reference"
REUSE_BOOKS = False  # --reuse: books already in the --keep folder are used as they are
STARTUP_TARGET = 1.25
BRIEF_TARGET = 1.3  # headroom, so that noise does not cross the line (issue 16)
BUSIEST_BRIEF_TARGET = 1.5  # the contact with the most signals in the book
JSON_BRIEF_TARGET = 1.0  # brief --json against brief: it draws nothing, so it is no slower
BOOK_VIEW_TARGET = 3.0  # attention, stage suggest, next-steps, companies, pipeline: the whole book, from grouped figures
BOOK_VIEW_RSS_LIMIT_MB = 150
ONE_RECORD_TARGET = 1.5  # contacts --stage, timeline, show company, handoff, log, stage set
DUPLICATES_TARGET = 10.0
IMPORT_TARGET = 0.5
IMPORT_RSS_LIMIT_MB = 200
IMPORT_RSS_FLAT = 1.1  # peak with the whole file / with half of it...
IMPORT_RSS_SLACK_MB = 32  # ...or more only by up to SQLite's page cache (custview.db.connection), which is bounded
GROWTH_TARGET = 1.2


class BenchmarkError(Exception):
    """A command the benchmark runs failed or printed something unexpected: a bug, not slowness."""


@dataclass
class Run:
    """One process: how long it took, its peak memory, what it printed."""

    seconds: float
    peak_mb: float
    stdout: str


def run_once(command: list[str], env: dict[str, str], expect: str | None = None) -> Run:
    """Run a command to completion, measuring wall time and the child's peak RSS (os.wait4)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, env=env)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    if process.returncode != 0:
        raise BenchmarkError(f"{' '.join(command)} exited with {process.returncode}: {stderr.strip()[-500:]}")
    if expect is not None and expect not in stdout:
        raise BenchmarkError(f"{' '.join(command)} did not print {expect!r}; it printed: {stdout[:300]!r}")
    kilobytes = usage.ru_maxrss / (1024 if sys.platform == "darwin" else 1)  # bytes on macOS, KiB on Linux
    return Run(seconds, kilobytes / 1024, stdout)


@dataclass
class Timed:
    """A command measured several times."""

    command: list[str]
    repeat: int
    expect: str | None = None
    warm_up: bool = True
    runs: list[Run] = field(default_factory=list)

    @property
    def median(self) -> float:
        """Median wall time in seconds."""
        return statistics.median(r.seconds for r in self.runs)


def measure(timed: dict[str, Timed], env: dict[str, str]) -> None:
    """Run every command once to warm up, then round-robin until each has its repeats (spreads noise evenly)."""
    for item in timed.values():
        if item.warm_up:
            run_once(item.command, env, item.expect)
    for round_ in range(max(item.repeat for item in timed.values())):
        for item in timed.values():
            if round_ < item.repeat:
                item.runs.append(run_once(item.command, env, item.expect))


@dataclass
class Figure:
    """One line of the result table."""

    name: str
    measured: str
    reference: str = ""
    ratio: str = ""
    target: str = ""
    met: bool | None = None  # None: reported, no target


def ms(seconds: float) -> str:
    """Seconds as milliseconds for the table."""
    return f"{seconds * 1000:,.0f} ms"


def paired_ratio(subject: Timed, reference: Timed) -> float:
    """The median over rounds of subject / reference, each pair run a moment apart in the same round:
    steadier than a ratio of medians when other work on the machine comes and goes."""
    return statistics.median(s.seconds / r.seconds for s, r in zip(subject.runs, reference.runs))


def ratio_figure(name: str, subject: Timed, reference: Timed, reference_name: str,
                 target: float | None = None, memory: bool = False, rss_limit: float | None = None) -> Figure:
    """subject / reference, checked against an upper target when there is one (and its peak memory against
    `rss_limit` when given)."""
    ratio = paired_ratio(subject, reference)
    peak = max(r.peak_mb for r in subject.runs)
    met = None if target is None else ratio <= target and (rss_limit is None or peak < rss_limit)
    measured = ms(subject.median) + (f", {peak:,.0f} MB peak" if memory or rss_limit else "")
    limits = f"<= {target}x" + (f", < {rss_limit:g} MB" if rss_limit else "")
    return Figure(name, measured, f"{reference_name} {ms(reference.median)}", f"{ratio:.2f}x",
                  limits if target else "report", met)


def custview_command() -> list[str]:
    """The installed `custview` executable (what users run), else `python -m custview`."""
    beside = Path(sys.executable).parent / "custview"
    if beside.exists():
        return [str(beside)]
    found = shutil.which("custview")
    return [found] if found else [sys.executable, "-m", "custview"]


def machine() -> str:
    """A line describing where the figures were measured."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}")


def generate(*arguments: str) -> None:
    """Run benchmarks/synthetic.py in a child process: this process stays small, so the peak memory
    measured for the commands it starts is theirs alone (a child's peak counts its parent's at fork).
    With --reuse, a book already there is used as it is."""
    if REUSE_BOOKS and arguments[0] == "book" and Path(arguments[1]).exists():
        return
    generate_with(HERE / "synthetic.py", *arguments)


def generate_with(script: Path, *arguments: str) -> None:
    """Run a file-writing script of benchmarks/ in a child process (see `generate`)."""
    done = subprocess.run([sys.executable, str(script), *arguments], capture_output=True, text=True)
    if done.returncode != 0:
        raise BenchmarkError(f"{script.name} {' '.join(arguments)} failed: {done.stderr.strip()[-500:]}")


def build_books(work: Path, scale: str, size: synthetic.Size) -> dict[str, Path]:
    """The books the figures need: the big one, two smaller ones for growth, and a base to import into."""
    books = {}
    for label, fraction in (("1%", 0.01), ("10%", 0.1), ("100%", 1.0)):
        path = work / f"book-{label.rstrip('%')}.db"
        started = time.perf_counter()
        generate("book", str(path), "--scale", scale, "--fraction", str(fraction))
        print(f"  book at {label}: {size.scaled(fraction).signals:,} signals, "
              f"{size.scaled(fraction).contacts:,} contacts ({time.perf_counter() - started:.0f} s)", flush=True)
        books[label] = path
    books["import base"] = work / "import-base.db"
    generate("book", str(books["import base"]), "--scale", scale, "--only", "company,contact")
    return books


def import_available(custview: list[str], env: dict[str, str]) -> bool:
    """Whether this custview can import a signals CSV (`import FILE --kind signals --from custview`)."""
    try:
        shown = run_once([*custview, "import", "--help"], env)
    except BenchmarkError:
        return False
    return "--kind" in shown.stdout and "--from" in shown.stdout


def signal_count_and_index(db: Path) -> tuple[int, bool]:
    """How many signals a database holds, and whether the signals' contact index is there."""
    with sqlite3.connect(db) as connection:
        count = connection.execute("SELECT count(*) FROM signal").fetchone()[0]
        indexed = connection.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'ix_signal_contact_when'").fetchone()[0]
    return count, bool(indexed)


def import_figures(work: Path, books: dict[str, Path], size: synthetic.Size, custview: list[str],
                   env: dict[str, str]) -> list[Figure]:
    """Import a signals CSV with custview and with a plain script, into copies of the same base."""
    full, half = work / "signals.csv", work / "signals-half.csv"
    generate("csv", str(full), "--book", str(books["import base"]), "--rows", str(size.signals))
    generate("csv", str(half), "--book", str(books["import base"]), "--rows", str(size.signals // 2))
    rows = f"{size.signals:,}-row"
    if not import_available(custview, env):
        return [Figure(f"import {rows} signals CSV", "not available", "custview has no CSV import yet", "",
                       f">= {IMPORT_TARGET}x", None)]

    def fresh(name: str) -> Path:
        target = work / name
        shutil.copyfile(books["import base"], target)
        return target

    baseline_db, ours_db, half_db = fresh("baseline.db"), fresh("imported.db"), fresh("imported-half.db")
    baseline = run_once([sys.executable, str(REFERENCE / "plain_import.py"), str(baseline_db), str(full)], env)
    ours = run_once([*custview, "--db", str(ours_db), "import", str(full), "--kind", "signals", "--from", "custview"], env)
    halfway = run_once([*custview, "--db", str(half_db), "import", str(half), "--kind", "signals", "--from", "custview"], env)
    for db, expected in ((ours_db, size.signals), (half_db, size.signals // 2)):
        count, indexed = signal_count_and_index(db)
        if count != expected or not indexed:
            raise BenchmarkError(f"custview import left {count:,} signals (expected {expected:,}), "
                                 f"signal index {'present' if indexed else 'missing'}")
    return throughput_figures(f"import {rows} signals CSV", size.signals, ours, halfway, baseline)


def throughput_figures(name: str, rows: int, ours: Run, halfway: Run, plain: Run) -> list[Figure]:
    """An import against a plain `executemany` of the same rows, and its peak memory, whole file vs half of it."""
    throughput = plain.seconds / ours.seconds
    flat = ours.peak_mb / halfway.peak_mb
    flat_enough = flat <= IMPORT_RSS_FLAT or ours.peak_mb - halfway.peak_mb <= IMPORT_RSS_SLACK_MB
    return [
        Figure(f"{name} (throughput)", f"{ours.seconds:,.1f} s ({rows / ours.seconds:,.0f} rows/s)",
               f"plain executemany {plain.seconds:,.1f} s", f"{throughput:.2f}x", f">= {IMPORT_TARGET}x",
               throughput >= IMPORT_TARGET),
        Figure(f"{name} (peak memory)", f"{ours.peak_mb:,.0f} MB", f"half the file {halfway.peak_mb:,.0f} MB; "
               f"plain {plain.peak_mb:,.0f} MB", f"{flat:.2f}x",
               f"< {IMPORT_RSS_LIMIT_MB} MB; <= {IMPORT_RSS_FLAT}x or +{IMPORT_RSS_SLACK_MB} MB",
               ours.peak_mb < IMPORT_RSS_LIMIT_MB and flat_enough),
    ]


def command_figures(books: dict[str, Path], size: synthetic.Size, custview: list[str], env: dict[str, str],
                    repeat: int, reported: int, heavy: int) -> list[Figure]:
    """Start-up, brief, and the other read commands on the big book, each against its reference.

    Figures with a target run `repeat` times; reported ones `reported` times; the slow ones `heavy` times.
    """
    big = str(books["100%"])
    writable = str(books["100%"].with_name("writes.db"))
    shutil.copyfile(big, writable)
    name = synthetic.SUBJECT_NAME
    stage, in_stage = synthetic.rarest_stage(books["100%"])
    # Each figure and its reference run a moment apart in every round (see paired_ratio).
    timed = {
        "minimal": Timed([sys.executable, str(REFERENCE / "minimal_typer_app.py"), "World"], repeat, "Hello World"),
        "version": Timed([*custview, "--version"], repeat, "custview "),
        "help": Timed([*custview, "--help"], repeat, "brief"),
        "brief": Timed([*custview, "--db", big, "brief", name], repeat, name),
        "brief 1%": Timed([*custview, "--db", str(books["1%"]), "brief", name], repeat, name),
        "brief 10%": Timed([*custview, "--db", str(books["10%"]), "brief", name], repeat, name),
        "plain": Timed([sys.executable, str(REFERENCE / "plain_brief.py"), big, name], reported, name),
        "json": Timed([*custview, "--db", big, "brief", name, "--json"], repeat, name),
        "busiest": Timed([*custview, "--db", big, "brief", synthetic.busiest_contact(books["100%"])], repeat),
        "timeline": Timed([*custview, "--db", big, "timeline", name, "--no-pager"], repeat, name),
        "company": Timed([*custview, "--db", big, "show", "company", synthetic.SUBJECT_COMPANY], repeat, synthetic.SUBJECT_COMPANY),
        "handoff": Timed([*custview, "--db", big, "handoff", name], repeat, name),
        # The two writes go to a copy, so that the book the others read stays as it was made.
        "log": Timed([*custview, "--db", writable, "log", name, "--purpose", "Benchmark call", "--outcome", "Timed"],
                     repeat, name),
        "stage set": Timed([*custview, "--db", writable, "stage", "set", name, "Adopter"], repeat, name),
        **views.book_views(sys.modules[__name__], custview, big, heavy),
        "duplicates": Timed([*custview, "--db", big, "duplicates"], heavy, warm_up=False),
        "contacts": Timed([*custview, "--db", big, "contacts", "--stage", stage], heavy, "contacts", warm_up=False),
    }
    measure(timed, env)
    minimal = timed["minimal"]
    growth = paired_ratio(timed["brief"], timed["brief 1%"])
    signals = [size.scaled(f).signals for f in (0.01, 0.1, 1.0)]
    return [
        ratio_figure("custview --version", timed["version"], minimal, "minimal Typer app", STARTUP_TARGET),
        ratio_figure("custview --help", timed["help"], minimal, "minimal Typer app", STARTUP_TARGET),
        ratio_figure("brief NAME", timed["brief"], minimal, "minimal Typer app", BRIEF_TARGET),
        ratio_figure("brief NAME (floor)", timed["brief"], timed["plain"], "plain sqlite3 script"),
        ratio_figure("brief NAME --json", timed["json"], timed["brief"], "brief NAME", JSON_BRIEF_TARGET),
        ratio_figure("brief (busiest contact)", timed["busiest"], minimal, "minimal Typer app", BUSIEST_BRIEF_TARGET),
        ratio_figure("timeline NAME", timed["timeline"], minimal, "minimal Typer app", ONE_RECORD_TARGET),
        ratio_figure("show COMPANY", timed["company"], minimal, "minimal Typer app", ONE_RECORD_TARGET),
        ratio_figure("handoff NAME", timed["handoff"], minimal, "minimal Typer app", ONE_RECORD_TARGET),
        ratio_figure("log NAME (a write)", timed["log"], minimal, "minimal Typer app", ONE_RECORD_TARGET),
        ratio_figure("stage set NAME (a write)", timed["stage set"], minimal, "minimal Typer app", ONE_RECORD_TARGET),
        ratio_figure(f"contacts --stage ({in_stage:,} rows)", timed["contacts"], minimal, "minimal Typer app",
                     ONE_RECORD_TARGET),
        *views.book_view_figures(sys.modules[__name__], timed),
        ratio_figure("duplicates (whole book)", timed["duplicates"], minimal, "minimal Typer app", DUPLICATES_TARGET,
                     memory=True),
        Figure(f"brief at {signals[0]:,} / {signals[1]:,} / {signals[2]:,} signals",
               " / ".join(ms(timed[k].median) for k in ("brief 1%", "brief 10%", "brief")),
               f"at {signals[0]:,} signals", f"{growth:.2f}x", f"<= {GROWTH_TARGET}x", growth <= GROWTH_TARGET),
    ]


def print_table(figures: list[Figure]) -> None:
    """The figures as an aligned plain-text table."""
    header = ("figure", "measured", "reference", "ratio", "target", "")
    lines = [header] + [(f.name, f.measured, f.reference, f.ratio, f.target,
                         "" if f.met is None else "met" if f.met else "MISSED") for f in figures]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    for n, line in enumerate(lines):
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip())
        if n == 0:
            print("  ".join("-" * width for width in widths))


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    """The command line: scale, repeats, and whether a missed target fails the run."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=list(synthetic.SCALES), default="default",
                        help="book size: small (10k contacts), default (100k), large (1M contacts, 10M signals)")
    parser.add_argument("--repeat", type=int, default=None,
                        help="runs of each command that has a target (default 7; 5 at small scale); "
                             "other commands run half as often, and the book-wide ones and contacts at most 3 times")
    parser.add_argument("--report-only", action="store_true",
                        help="report missed targets without failing (for noisy CI); a failing command still fails")
    parser.add_argument("--keep", type=Path, default=None, metavar="DIR", help="build the books in DIR and keep them")
    parser.add_argument("--reuse", action="store_true",
                        help="with --keep: use the books an earlier run of the same scale left in DIR (the large "
                             "scale's take an hour to build)")
    parser.add_argument("--only", choices=("imports", "commands", "views", "exports"), default=None,
                        help="only the import figures (signals, HubSpot contacts, Zendesk tickets), only the "
                             "commands' figures, or only the book-wide views (attention, stage suggest, "
                             "next-steps, companies, pipeline), or only the whole-book exports (YAML, JSON)")
    parser.add_argument("--engine", choices=("sqlite", "postgresql"), default="sqlite",
                        help="postgresql: the team-book figures against a throw-away local server "
                             "(benchmarks/postgresql.py)")
    parser.add_argument("--seconds", type=float, default=60,
                        help="how long the concurrent writers write (--engine postgresql)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Build the books, measure, print the table; the exit code says whether every target was met."""
    args = parse_arguments(argv)
    global REUSE_BOOKS
    REUSE_BOOKS = args.reuse and args.keep is not None
    size = synthetic.SCALES[args.scale]
    repeat = max(1, args.repeat or (5 if args.scale == "small" else 7))
    reported = max(1, repeat // 2)
    heavy = 1 if args.scale == "small" else min(reported, 3)
    custview = custview_command()
    env = {**os.environ, "COLUMNS": "100", "NO_COLOR": "1"}
    env.pop("CUSTVIEW_DB", None)
    # As pip installs it: bytecode compiled once and cached, not compiled again at every start.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    print(f"custview benchmarks, scale {args.scale}: {size.contacts:,} contacts, {size.companies:,} companies, "
          f"{size.signals:,} signals, {size.tickets:,} tickets, {size.appointments:,} appointments")
    print(f"machine: {machine()}")
    print(f"date: {datetime.now():%Y-%m-%d %H:%M}; times are medians of {repeat} runs for figures with a target, "
          f"{reported} for the others ({heavy} for the book-wide views and contacts)", flush=True)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="custview-bench-") as temporary:
        work = args.keep or Path(temporary)
        work.mkdir(parents=True, exist_ok=True)
        try:
            figures = []
            if args.engine == "postgresql":
                import postgresql

                books = build_books(work, args.scale, size)
                figures += postgresql.postgresql_figures(work, books, size, custview, env, repeat, args.seconds,
                                                         sys.modules[__name__])
            elif args.only == "views":
                print("  measuring the book-wide views…", flush=True)
                figures += views.view_figures(sys.modules[__name__], work, args.scale, custview, env, heavy)
            elif args.only in (None, "commands", "exports"):
                books = build_books(work, args.scale, size)
                if args.only != "exports":
                    print("  measuring commands…", flush=True)
                    figures += command_figures(books, size, custview, env, repeat, reported, heavy)
                if args.only != "commands":
                    print("  measuring export…", flush=True)
                    figures += exports.export_figures(sys.modules[__name__], work, books, custview, env)
            else:
                books = {"import base": work / "import-base.db"}
                generate("book", str(books["import base"]), "--scale", args.scale, "--only", "company,contact")
            if args.engine == "sqlite" and args.only not in ("commands", "views", "exports"):
                print("  measuring import…", flush=True)
                figures += import_figures(work, books, size, custview, env)
                figures += imports.import_figures(work, books["import base"], size.contacts, custview, env,
                                                  sys.modules[__name__])
        except (BenchmarkError, RuntimeError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
    print(f"  done in {time.perf_counter() - started:.0f} s\n")
    print_table(figures)
    missed = [f.name for f in figures if f.met is False]
    if not missed:
        print("\nevery target met")
        return 0
    print(f"\nmissed: {'; '.join(missed)}", file=sys.stderr)
    return 0 if args.report_only else 1


if __name__ == "__main__":
    sys.exit(main())
