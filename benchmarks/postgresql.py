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

# One writer, one process started once (as a consultant's laptop is always on): runs real commands in a loop,
# in-process through the CLI, until the time is up, alternating `log` on the contact every writer shares and
# `stage set` on a contact of its own; prints each write custview acknowledged ("log PURPOSE" / "stage").
WRITER = """
import gc, json, sys, time
from typer.testing import CliRunner
from custview.cli.app import app
url, shared, own, seconds = sys.argv[1:5]
runner, stages = CliRunner(), ("Buyer", "Researcher")
runner.invoke(app, ["--db", url, "brief", shared])  # loads what the commands load before the clock starts
gc.collect()
gc.freeze()  # what is loaded stays: each collection after a command looks at that command's objects only
print("ready", flush=True)
sys.stdin.readline()
deadline, n = time.monotonic() + float(seconds), 0
while time.monotonic() < deadline:
    if n % 2:
        command, said = ["stage", "set", own, stages[n // 2 % 2], "--json"], "stage"
    else:
        said = f"log {shared} call {sys.argv[5]}.{n}"
        command = ["log", shared, "-p", said.split(" ", 1)[1], "-o", "ok"]
    done = runner.invoke(app, ["--db", url, *command])
    gc.collect()  # what a command opened is closed (a process of its own would exit here)
    if done.exit_code == 0 and (said != "stage" or json.loads(done.stdout)["changed"]):
        print(said, flush=True)
    elif done.exit_code:
        print("failed", command[0], done.exit_code, (done.stderr or repr(done.exception)).strip()[:300], done.stdout[-300:], file=sys.stderr, flush=True)
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
    database = url.split("?")[0].rsplit("/", 1)[1]
    own = [row[0] for row in server.sql(f"SELECT email FROM contact WHERE email IS NOT NULL AND name <> "
                                        f"'{synthetic.SUBJECT_NAME}' ORDER BY id LIMIT {WRITERS}", database)]
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, url, synthetic.SUBJECT_NAME, own[n], str(seconds), str(n)],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env={**env, "CUSTVIEW_ME": f"writer {n}"})
               for n in range(WRITERS)]
    for writer in writers:  # every writer started (Python and custview loaded): all begin together
        writer.stdout.readline()
    for writer in writers:
        writer.stdin.write("go\n")
        writer.stdin.flush()
    said = [writer.communicate() for writer in writers]
    failures = [line for _, err in said for line in err.splitlines() if line.startswith("failed")]
    logs = {line.split(" ", 1)[1] for out, _ in said for line in out.splitlines() if line.startswith("log ")}
    stage_sets = {f"writer {n}": out.splitlines().count("stage") for n, (out, _) in enumerate(said)}
    stored = dict(server.sql(f"SELECT purpose, made_by FROM appointment WHERE purpose LIKE '{synthetic.SUBJECT_NAME} "
                             "call %'", database))
    # "Quinn Benchmark call 3.17" was written by "writer 3"
    lost = [p for p in logs if p not in stored] + [
        f"{who}: {count - stored_count} stage moves" for who, count in stage_sets.items()
        if count > (stored_count := _stage_moves(server, database, who))]
    misattributed = [p for p in logs & stored.keys() if stored[p] != "writer " + p.rsplit(" ", 1)[1].split(".")[0]]
    writes = len(logs) + sum(stage_sets.values())
    if failures:
        print(f"  {len(failures)} writes refused, e.g. {failures[0]}", flush=True)
    return bench.Figure(f"{WRITERS} concurrent writers for {seconds:.0f} s (PostgreSQL)",
                        f"{writes:,} writes ({writes / seconds:,.1f}/s), {len(failures)} refused",
                        "every acknowledged write, by its writer",
                        f"{len(lost)} lost, {len(misattributed)} misattributed", "0 lost",
                        not lost and not misattributed and writes > 0)


def _stage_moves(server, database: str, who: str) -> int:
    return server.sql(f"SELECT count(*) FROM stage_change WHERE made_by = '{who}'", database)[0][0]
