"""What merging a meeting's details adds, as plain data: the one rule both `log` and imports follow.

Standard library only. Rows are dicts (as the importer keeps them) or objects read through `value`;
nothing is ever removed: decisions and attendees are added, a step's owner and due date follow what
is said, and a step once done stays done.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime


def value(row, key: str):
    """A column of a row that is a dict (the importer's) or an object (a SQLModel row)."""
    return row[key] if isinstance(row, dict) else getattr(row, key)


def added_decisions(current: list[str], said: list[str] | tuple[str, ...]) -> list[str]:
    """The decisions said that are not recorded yet (any case), in order."""
    known = {d.casefold() for d in current}
    return [d for d in dict.fromkeys(said) if d.casefold() not in known]


def _same_person(row, person: dict) -> bool:
    if value(row, "contact_id") is not None and person.get("contact_id") is not None:
        return value(row, "contact_id") == person["contact_id"]
    return value(row, "name").casefold() == person["name"].casefold()


def _person_changes(row, person: dict, now: datetime) -> dict:
    return {key: person[key] for key in ("role", "member_id")
            if person.get(key) is not None and value(row, key) != person[key]}


def _same_step(row, step: dict) -> bool:
    return value(row, "step").casefold() == step["step"].casefold()


def _step_changes(row, step: dict, now: datetime) -> dict:
    changes = {name: step[name] for name in ("owner", "due_at")
               if step.get(name) is not None and value(row, name) != step[name]}
    if "owner" in changes:
        changes["owner_id"] = step.get("owner_id")  # the member the new owner is, if one
    if step.get("done") and not value(row, "done"):
        changes |= {"done": True, "done_at": step.get("done_at") or now}
    return changes


def _merge(current: list, wanted, same: Callable, changes_of: Callable, now: datetime):
    updates, additions = [], []
    for item in wanted:
        match = next((row for row in current if same(row, item)), None)
        if match is None:
            additions.append(item)
            current = [*current, item]
        elif changes := changes_of(match, item, now):
            updates.append((match, changes))
    return updates, additions


def merge_attendees(current: list, wanted, now: datetime) -> tuple[list[tuple[object, dict]], list[dict]]:
    """(row, changes) for attendees already there whose role changes, and the attendees to add."""
    return _merge(current, wanted, _same_person, _person_changes, now)


def merge_steps(current: list, wanted, now: datetime) -> tuple[list[tuple[object, dict]], list[dict]]:
    """(row, changes) for steps already there (same text, any case) that change, and the steps to add."""
    return _merge(current, wanted, _same_step, _step_changes, now)
