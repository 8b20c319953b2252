"""What `custview service set` and `custview criterion set` share: find one row, change its status, say so."""

from __future__ import annotations

from typing import Optional

import typer

from custview.cli import draw
from custview.cli.application import Application
from custview.cli.commands._common import pick_company


def set_status(ctx: typer.Context, kind: str, key: str, status: str, company: Optional[str], as_json: bool) -> None:
    """Set the status of the service or success criterion (`kind`) KEY names, and show what changed."""
    app = Application.of(ctx, as_json)
    company_id = pick_company(app.reader, company, option="--company").id if company is not None else None
    row, before = app.writer().set_status(kind, key, status, company_id)
    firm = app.reader.record("company", row.company_id)
    label = row.name if kind == "service" else row.metric
    app.emit({"kind": kind, "id": row.id, "company": firm.name if firm else None, "name": label,
              "status": row.status, "previous_status": before},
             lambda: draw.render_status_set(kind, row.id, label, before, row.status))
