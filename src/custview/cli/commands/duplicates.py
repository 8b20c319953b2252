"""`custview duplicates`: contacts and companies that look like the same person or organisation."""

from __future__ import annotations

from typing import Optional

import typer

from custview.cli import draw
from custview.cli.application import Application
from custview.cli.commands._common import command_app, json_option
from custview.insight.duplicates import MIN_SCORE  # standard library only: cheap to load
from custview.errors import UserError

app = command_app()

KIND_NAMES = {"contact": "contact", "contacts": "contact", "company": "company", "companies": "company"}


@app.command()
def duplicates(
    ctx: typer.Context,
    kind: Optional[str] = typer.Option(None, "--kind", "-k", help="Only contacts or only companies."),
    min_score: int = typer.Option(MIN_SCORE, "--min-score", metavar="0-100", help="List pairs scoring at least this."),
    as_json: bool = json_option("the pairs"),
) -> None:
    """List likely duplicates, each pair with its score (0-100) and the evidence: the same email in
    another case or with a +tag, the same name at the same company, a name typo with the same phone or
    email domain; companies with the same domain or nearly the same name. Merge a pair with
    'custview merge KEEP OTHER'. Changes nothing."""
    problems = []
    if kind is not None and kind.strip().lower() not in KIND_NAMES:
        problems.append(f"--kind: unknown kind {kind!r} (expected contacts or companies)")
    if not 0 <= min_score <= 100:
        problems.append(f"--min-score: {min_score} is not between 0 and 100")
    if problems:
        raise UserError(*problems)
    from dataclasses import asdict

    from custview.cycles import cycle_collection_paused
    from custview.db.matching import companies_to_match, contacts_to_match
    from custview.insight.duplicates import find_duplicates

    app = Application.of(ctx, as_json)
    kinds = (KIND_NAMES[kind.strip().lower()],) if kind else ("contact", "company")
    with cycle_collection_paused():
        contacts, companies = list(contacts_to_match(app.reader)), list(companies_to_match(app.reader))
        pairs = find_duplicates(contacts, companies, kinds, min_score)
    commands = [merge_command(pair) for pair in pairs]
    data = [{**asdict(pair), "merge_command": command} for pair, command in zip(pairs, commands)] if app.as_json else None
    app.emit(data, lambda: draw.render_duplicates(pairs, commands))


def merge_command(pair) -> str:
    """The command line that merges the pair's second record into its first (the older one)."""
    import shlex

    option = " --company" if pair.kind == "company" else ""
    return f"custview merge{option} {shlex.quote(pair.first.reference)} {shlex.quote(pair.second.reference)}"
