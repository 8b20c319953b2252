"""What `duplicates` compares: the few columns of every contact and company its rules look at.

At 100,000 contacts, reading whole rows (and each contact's company with them) takes longer than comparing
them; these are read straight through the tables, in the order they are stored.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, NamedTuple

from custview.db.dialect import dialect_of

if TYPE_CHECKING:
    from custview.db.reader import Reader


class ContactToMatch(NamedTuple):
    """A contact as duplicates are looked for: who they are and how to reach them."""

    id: int
    name: str
    email: str | None
    phone: str | None
    company_id: int | None


class CompanyToMatch(NamedTuple):
    """A company as duplicates are looked for: its name and domain."""

    id: int
    name: str
    domain: str | None


def contacts_to_match(reader: Reader) -> Iterator[ContactToMatch]:
    """Every contact's id, name, email, phone and company id, as they are read."""
    return map(ContactToMatch._make, reader.stream(
        f"SELECT id, name, email, phone, company_id FROM contact {dialect_of(reader.connection).in_storage_order}",
        batch=5000))


def companies_to_match(reader: Reader) -> Iterator[CompanyToMatch]:
    """Every company's id, name and domain, as they are read."""
    return map(CompanyToMatch._make, reader.stream(
        f"SELECT id, name, domain FROM company {dialect_of(reader.connection).in_storage_order}", batch=5000))
