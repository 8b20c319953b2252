"""Tickets as relationship signals: is it open, and is it a question, a problem, or an opportunity?

Classification is transparent keyword rules, first match wins; a kind recorded on the ticket
always overrides them.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache

# (kind, phrases) in the order they are tried: "can we also…" beats everything else.
KIND_RULES = (
    ("expansion", ("can we also", "could we also", "can we add", "roll this out to", "roll out to", "extend to",
                   "another team", "another department", "more seats", "additional licen", "upgrade to", "also add")),
    ("issue", ("fail", "error", "broken", "not working", "doesn't work", "does not work", "bug", "crash", "down",
               "wrong", "off by", "not mapped", "missing", "late", "outage", "cannot", "can't")),
    ("optimization", ("best practice", "tune", "tuning", "improve", "optimi", "faster", "slow", "performance")),
    ("question", ("how ", "how do", "what ", "which ", "does ", "is there", "can i", "?")),
)


@lru_cache(maxsize=4096)  # the same subjects recur across a book
def classify_ticket(subject: str, description: str | None = None) -> str | None:
    """The kind a ticket's words suggest (question / issue / optimization / expansion), or None."""
    text = f" {subject} {description or ''} ".lower()
    text = re.sub(r"\s+", " ", text)
    for kind, phrases in KIND_RULES:
        if any(phrase in text for phrase in phrases):
            return kind
    return None


def ticket_kind(ticket) -> str | None:
    """The ticket's recorded kind, else the kind its words suggest."""
    return kind_of(ticket.kind, ticket.subject, ticket.description)


def kind_of(recorded: str | None, subject: str, description: str | None) -> str | None:
    """The kind of a ticket with these values: the recorded one, else the one its words suggest."""
    return recorded or classify_ticket(subject, description)


def is_open_at(ticket, as_of: datetime) -> bool:
    """Whether the ticket was open at that moment (opened before, not yet closed)."""
    if ticket.opened_at > as_of:
        return False
    if ticket.closed_at is not None:
        return ticket.closed_at > as_of
    return ticket.status != "closed"
