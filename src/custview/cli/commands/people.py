"""`custview contacts` and `custview attention`: the book's people, listed, and ranked by who needs you today."""

from __future__ import annotations

from itertools import islice
from typing import Optional

import typer

from custview.cli import draw
from custview.cli.application import Application
from custview.cli.commands._common import (JSONL, LIMIT, OWNER_HELP, TEAM_HELP, command_app, company_option,
                                           json_option, owner_filter, parse_stage_option)

app = command_app()

STAGE = typer.Option(None, "--stage", "-s", help="Only this Value Path stage.")
COMPANY = typer.Option(None, "--company", "-c", help="Only the people of this company (name, part of one, or #ID).")
OWNER = typer.Option(None, "--owner", metavar="NAME|me", help=OWNER_HELP)
TEAM = typer.Option(None, "--team", metavar="TEAM", help=TEAM_HELP)


def _filters(app: Application, stage: str | None, company: str | None, search: str | None = None,
             owner: str | None = None, team: str | None = None) -> dict:
    """The options that choose people, as the reader's filters (a company and an owner looked up)."""
    firm = company_option(app.reader, company)
    return {"stage": parse_stage_option(stage), "company_id": firm.id if firm else None, "search": search,
            "owned": owner_filter(app.reader, owner, team)}


@app.command()
def contacts(
    ctx: typer.Context,
    stage: Optional[str] = STAGE,
    company: Optional[str] = COMPANY,
    search: Optional[str] = typer.Option(None, "--search", "-q", help="Name, email or title contains this."),
    owner: Optional[str] = OWNER,
    team: Optional[str] = TEAM,
    limit: Optional[int] = LIMIT,
    jsonl: bool = JSONL,
    as_json: bool = json_option("the list"),
) -> None:
    """List contacts with their company and Value Path stage, printed as they are read."""
    from custview.dates import utc_now

    app = Application.of(ctx, as_json)
    rows = islice(app.reader.contact_lines(**_filters(app, stage, company, search, owner, team)), limit)
    app.emit_rows(rows, _contact_data, lambda: draw.ContactsDrawing(utc_now()), jsonl=jsonl)


def _contact_data(row) -> dict:
    """One contact as plain data for --json and --jsonl."""
    return {"name": row.name, "email": row.email, "title": row.title, "company": row.company, "stage": row.stage,
            "stage_since": row.stage_since}


@app.command()
def attention(
    ctx: typer.Context,
    company: Optional[str] = COMPANY,
    stage: Optional[str] = STAGE,
    owner: Optional[str] = OWNER,
    team: Optional[str] = TEAM,
    limit: int = typer.Option(10, "--limit", "-n", min=1, help="Show at most this many."),
    as_json: bool = json_option("the list"),
) -> None:
    """Rank who needs attention today: gone quiet, tickets ageing, next steps overdue, readiness, health dropped."""
    from custview.dates import utc_now
    from custview.insight.attention_top import top_attention

    app = Application.of(ctx, as_json)
    # Only the contacts whose open problems could rank them, from grouped figures: fast on a book of any size.
    items = top_attention(app.reader, utc_now(), limit, **_filters(app, stage, company, None, owner, team))
    app.emit(items, lambda: draw.render_attention(items))
