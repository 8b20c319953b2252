"""Which contacts a list of people holds (the filters `contacts`, `attention` and `stage suggest` share), and
the contact list's own light lines: the few columns it shows, not every column of two tables.

At 100,000 contacts a stage holds thousands of people: reading only what the list shows halves the reading.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

from custview.dates import read_stored_time

if TYPE_CHECKING:
    from custview.db.owners import OwnedBy
    from custview.db.reader import Reader


class ContactLine(NamedTuple):
    """One line of the contact list: a contact as the list shows them, with their company's name."""

    name: str
    title: str | None
    company: str | None
    stage: str
    stage_since: datetime | None
    email: str | None


def contains(text: str) -> str:
    """A LIKE pattern (ESCAPE '\\') matching `text` anywhere, its own % and _ taken literally."""
    escaped = text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def contact_filter(stage: str | None = None, company: str | None = None, search: str | None = None,
                   company_id: int | None = None, owned: OwnedBy | None = None,
                   ids: list[int] | None = None) -> tuple[str, list]:
    """The WHERE clause (" WHERE …", or "" for every contact) over `contact` and its parameters: a stage, a
    company name (part), a company id, free text in name, email or title, an owner (`--owner`/`--team`), and
    only these contact `ids`."""
    conditions, parameters = [], []
    if owned is not None:
        condition, values = owned.condition("contact.owner_id")
        conditions.append(condition)
        parameters += values
    if company_id is not None:
        conditions.append("contact.company_id = ?")
        parameters.append(company_id)
    if stage:
        conditions.append("contact.stage = ?")
        parameters.append(stage)
    if company:  # companies first (a small table), then their contacts through the index
        conditions.append("contact.company_id IN (SELECT id FROM company WHERE name LIKE ? ESCAPE '\\')")
        parameters.append(contains(company))
    if search:
        conditions.append("(contact.name LIKE ? ESCAPE '\\' OR contact.email LIKE ? ESCAPE '\\' "
                          "OR contact.title LIKE ? ESCAPE '\\')")
        parameters += [contains(search)] * 3
    if ids is not None:
        conditions.append(f"contact.id IN ({', '.join('?' * len(ids))})" if ids else "1 = 0")
        parameters += ids
    return (" WHERE " + " AND ".join(conditions) if conditions else ""), parameters


def contact_lines(reader: Reader, **filters) -> Iterator[ContactLine]:
    """The contacts `contact_filter(**filters)` leaves, by name, as lines of the list, as they are read."""
    where, parameters = contact_filter(**filters)
    sql = ("SELECT contact.name, contact.title, company.name, contact.stage, contact.stage_since, contact.email "
           f"FROM contact LEFT JOIN company ON company.id = contact.company_id{where} ORDER BY contact.name, contact.id")
    for name, title, company, stage, since, email in reader.stream(sql, parameters):
        yield ContactLine(name, title, company, stage, None if since is None else read_stored_time(since), email)
