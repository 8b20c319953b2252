"""`benchmarks/run.py --engine postgresql`: the team-book figures, against a throw-away local PostgreSQL server.

The server is the tests' (tests/pg_server.py: initdb + pg_ctl in a temporary folder, unix socket only).
The synthetic book is moved there with `custview copy --to URL`, then:

- `brief NAME` against the minimal Typer app (target <= 1.6x: psycopg and the server round trips);
- importing the signals CSV into a copy of the import base on the server against a plain psycopg
  `executemany` of the same rows into another copy (target >= 0.5x);
- WRITERS processes logging meetings for --seconds, each as its own member (CUSTVIEW_ME): every write a
  process saw acknowledged must be in the book at the end, recorded as made by that writer (reported with
  the writes per second).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

import synthetic  # noqa: E402

BRIEF_TARGET = 1.6
IMPORT_TARGET = 0.5
WRITERS = 20

# One writer: log meetings until the time is up; print the purpose of each one custview acknowledged.
WRITER = """
import subprocess, sys, time
custview, url, name, seconds, me = sys.argv[1:6]
deadline, n = time.monotonic() + float(seconds), 0
while time.monotonic() < deadline:
    purpose = f"writer {me} call {n}"
    done = subprocess.run([*custview.split("\\0"), "--db", url, "log", name, "-p", purpose, "-o", "ok"],
                          capture_output=True, text=True)
    if done.returncode == 0:
        print(purpose, flush=True)
    n += 1
"""


def postgresql_figures(work: Path, books: dict[str, Path], size, custview: list[str], env: dict[str, str],
                       repeat: int, seconds: float, bench) -> list:
    """Start a server, copy the books there, measure; the server is stopped and deleted at the end."""
    from pg_server import PostgresServer, server_binaries

    binaries = server_binaries()
    if binaries is None:
        raise bench.BenchmarkError("no PostgreSQL server binaries (install Debian's postgresql package)")
    server = PostgresServer(binaries).start()
    try:
        urls = {}
        for name in ("book", "base", "baseline"):
            server.sql(f"CREATE DATABASE {name}")
            urls[name] = server.url(name)
        bench.run_once([*custview, "--db", str(books["100%"]), "copy", "--to", urls["book"]], env)
        for name in ("base", "baseline"):
            bench.run_once([*custview, "--db", str(books["import base"]), "copy", "--to", urls[name]], env)
        print("  book copied to the server; measuring…", flush=True)
        return (_brief_figures(bench, custview, env, urls["book"], repeat)
                + _import_figures(bench, work, books, size, custview, env, urls)
                + [_writers_figure(bench, server, custview, env, urls["book"], seconds)])
    finally:
        server.stop()


def _brief_figures(bench, custview, env, url: str, repeat: int) -> list:
    name = synthetic.SUBJECT_NAME
    timed = {"minimal": bench.Timed([sys.executable, str(bench.REFERENCE / "minimal_typer_app.py"), "World"], repeat,
                                    "Hello World"),
             "brief": bench.Timed([*custview, "--db", url, "brief", name], repeat, name)}
    bench.measure(timed, env)
    return [bench.ratio_figure("brief NAME (PostgreSQL)", timed["brief"], timed["minimal"], "minimal Typer app",
                               BRIEF_TARGET)]


def _import_figures(bench, work, books, size, custview, env, urls) -> list:
    signals = work / "signals-postgresql.csv"
    bench.generate("csv", str(signals), "--book", str(books["import base"]), "--rows", str(size.signals))
    plain = bench.run_once([sys.executable, str(bench.REFERENCE / "plain_import_postgresql.py"), urls["baseline"],
                            str(signals)], env)
    ours = bench.run_once([*custview, "--db", urls["base"], "import", str(signals), "--kind", "signals",
                           "--from", "custview"], env)
    ratio = plain.seconds / ours.seconds
    return [bench.Figure(f"import {size.signals:,}-row signals CSV (PostgreSQL)",
                         f"{ours.seconds:,.1f} s ({size.signals / ours.seconds:,.0f} rows/s)",
                         f"plain psycopg executemany {plain.seconds:,.1f} s", f"{ratio:.2f}x", f">= {IMPORT_TARGET}x",
                         ratio >= IMPORT_TARGET)]


def _writers_figure(bench, server, custview, env, url: str, seconds: float):
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, "\0".join(custview), url, synthetic.SUBJECT_NAME,
                                 str(seconds), str(n)], stdout=subprocess.PIPE, text=True,
                                env={**env, "CUSTVIEW_ME": f"writer {n}"})
               for n in range(WRITERS)]
    acknowledged = {line.strip() for writer in writers for line in writer.communicate()[0].splitlines()}
    database = url.split("?")[0].rsplit("/", 1)[1]
    stored = dict(server.sql("SELECT purpose, made_by FROM appointment WHERE purpose LIKE 'writer %'", database))
    lost = acknowledged - stored.keys()
    # "writer 3 call 17" was written by "writer 3"
    misattributed = [p for p in acknowledged & stored.keys() if stored[p] != p.rsplit(" call ", 1)[0]]
    return bench.Figure(f"{WRITERS} concurrent writers for {seconds:.0f} s (PostgreSQL)",
                        f"{len(acknowledged):,} writes ({len(acknowledged) / seconds:,.1f}/s)",
                        "every acknowledged write, by its writer",
                        f"{len(lost)} lost, {len(misattributed)} misattributed", "0 lost",
                        not lost and not misattributed and bool(acknowledged))
