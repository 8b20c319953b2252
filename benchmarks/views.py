"""The book-wide views (attention, stage suggest, next-steps, companies, pipeline), each against the minimal
Typer app in the same run, with peak memory: part of every run of benchmarks/run.py, or alone with
`run.py --only views` (one book of the scale).

Each function takes `run` (benchmarks/run.py) for its timing helpers, as benchmarks/imports.py does.
"""

from __future__ import annotations

import sys
from pathlib import Path

VIEWS = ("attention", "stage suggest", "next-steps", "companies", "pipeline")


def book_views(run, custview: list[str], db: str, repeat: int) -> dict:
    """The book-wide views, timed: fewer runs, and no warm-up (they load the same code as the others)."""
    return {
        "attention": run.Timed([*custview, "--db", db, "attention"], repeat, "Health", warm_up=False),
        "stage suggest": run.Timed([*custview, "--db", db, "stage", "suggest"], repeat, "Behaves like", warm_up=False),
        "next-steps": run.Timed([*custview, "--db", db, "next-steps"], repeat, warm_up=False),
        "companies": run.Timed([*custview, "--db", db, "companies"], repeat, "accounts", warm_up=False),
        "pipeline": run.Timed([*custview, "--db", db, "pipeline"], repeat, "Value Path", warm_up=False),
    }


def book_view_figures(run, timed: dict) -> list:
    """Each book-wide view against the minimal Typer app: time and peak memory."""
    return [run.ratio_figure(f"{name} (whole book)", timed[name], timed["minimal"], "minimal Typer app",
                             run.BOOK_VIEW_TARGET, rss_limit=run.BOOK_VIEW_RSS_LIMIT_MB)
            for name in VIEWS]


def view_figures(run, work: Path, scale: str, custview: list[str], env: dict[str, str], repeat: int) -> list:
    """Only the book-wide views (--only views), on one book of the scale."""
    book = work / "book-100.db"
    run.generate("book", str(book), "--scale", scale)
    minimal = run.Timed([sys.executable, str(run.REFERENCE / "minimal_typer_app.py"), "World"], repeat, "Hello World")
    timed = {"minimal": minimal, **book_views(run, custview, str(book), repeat)}
    run.measure(timed, env)
    return book_view_figures(run, timed)
