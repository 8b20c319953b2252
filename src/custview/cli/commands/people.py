"""`custview contacts` and `custview attention`: the book's people, listed, and ranked by who needs you today."""

from __future__ import annotations

from typing import Optional

import typer

from custview.cli import draw
from custview.cli.application import Application
from custview.cli.commands._common import (OWNER_HELP, TEAM_HELP, command_app, company_option, json_option,
                                           owner_filter, parse_stage_option)

app = command_app()

STAGE = typer.Option(None, "--stage", "-s", help="Only this Value Path stage.")
COMPANY = typer.Option(None, "--company", "-c", help="Only the people of this company (name, part of one, or #ID).")
OWNER = typer.Option(None, "--owner", metavar="NAME|me", help=OWNER_HELP)
TEAM = typer.Option(None, "--team", metavar="TEAM", help=TEAM_HELP)


def _people(app: Application, stage: str | None, company: str | None, search: str | None = None,
            owner: str | None = None, team: str | None = None):
    """The contacts (with their companies) the filters leave, by name."""
    firm = company_option(app.reader, company)
    return app.reader.list_contacts(stage=parse_stage_option(stage), company_id=firm.id if firm else None,
                                    search=search, owned=owner_filter(app.reader, owner, team))


@app.command()
def contacts(
    ctx: typer.Context,
    stage: Optional[str] = STAGE,
    company: Optional[str] = COMPANY,
    search: Optional[str] = typer.Option(None, "--search", "-q", help="Name, email or title contains this."),
    owner: Optional[str] = OWNER,
    team: Optional[str] = TEAM,
    as_json: bool = json_option("the list"),
) -> None:
    """List contacts with their company and Value Path stage."""
    from custview.dates import utc_now

    app = Application.of(ctx, as_json)
    rows = _people(app, stage, company, search, owner, team)
    data = [{"name": r.contact.name, "email": r.contact.email, "title": r.contact.title,
             "company": r.company.name if r.company else None, "stage": r.contact.stage,
             "stage_since": r.contact.stage_since} for r in rows]
    app.emit(data, lambda: draw.render_contacts(rows, utc_now()))


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
    from custview.insight.attention import rank_book_attention

    app = Application.of(ctx, as_json)
    # From grouped figures over the whole book, not a history per contact: fast on a book of any size.
    items = rank_book_attention(app.reader, _people(app, stage, company, None, owner, team), utc_now(), limit)
    app.emit(items, lambda: draw.render_attention(items))
