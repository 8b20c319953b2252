"""Reads about ownership: `--owner`/`--team` as SQL, what each member owns, and the hand-overs recorded."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from custview.dates import read_stored_time
from custview.db.batch import chunks, placeholders

if TYPE_CHECKING:  # read with a history only: `--owner` alone does not load the history's classes
    from custview.db.history import HandoverRecord


@dataclass(frozen=True)
class OwnedBy:
    """Only the records one member owns (`member_id`), or that a member of one team owns (`team`), or both."""

    member_id: int | None = None
    team: str | None = None
    member_name: str | None = None  # for matching a next step's owner written as text

    def condition(self, column: str, name_column: str | None = None) -> tuple[str, list]:
        """A SQL condition (and its parameters) keeping the rows whose owner column `column` matches; with
        `name_column`, also those whose owner is written there by name without a link (an older step)."""
        conditions, parameters = [], []
        if self.member_id is not None and name_column and self.member_name:
            conditions.append(f"({column} = ? OR ({column} IS NULL AND lower({name_column}) = lower(?)))")
            parameters += [self.member_id, self.member_name]
        elif self.member_id is not None:
            conditions.append(f"{column} = ?")
            parameters.append(self.member_id)
        if self.team is not None:
            conditions.append(f"{column} IN (SELECT id FROM member WHERE team = ?)")
            parameters.append(self.team)
        return " AND ".join(conditions) or "1 = 1", parameters


def owned_counts(reader) -> dict[int, tuple[int, int]]:
    """Per member id: how many contacts and how many companies they own (`reader`: a `custview.db.reader.Reader`)."""
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for position, table in enumerate(("contact", "company")):
        for owner_id, count in reader.query(f"SELECT owner_id, count(*) FROM {table} WHERE owner_id IS NOT NULL "
                                            "GROUP BY owner_id"):
            counts[owner_id][position] = count
    return {member_id: (contacts, companies) for member_id, (contacts, companies) in counts.items()}


def read_handovers(batch, contact_ids: list[int], company_ids: set[int]) -> list[tuple[str, list[HandoverRecord]]]:
    """The hand-overs of these contacts and companies, with the names of the members on both sides, read in
    `batch` (a `custview.db.batch.Batch`): per kind ("contact", "company"), a list filled when the batch runs."""
    sql = ("SELECT h.id, h.handed_at, h.contact_id, h.company_id, f.name, t.name, h.steps_moved, h.made_by "
           "FROM handover AS h "
           "LEFT JOIN member AS f ON f.id = h.from_member_id JOIN member AS t ON t.id = h.to_member_id "
           "WHERE h.{column} IN ({marks}) ORDER BY h.handed_at, h.id")
    reads = []
    for kind, ids in (("contact", contact_ids), ("company", company_ids)):
        for chunk in chunks(sorted(set(ids))):
            reads.append((kind, batch.query(sql.format(column=f"{kind}_id", marks=placeholders(chunk)), chunk,
                                            _handover)))
    return reads


def handovers_by_record(reads: list[tuple[str, list[HandoverRecord]]]) -> dict[tuple[str, int], list[HandoverRecord]]:
    """What `read_handovers` read, by ("contact", id) and ("company", id)."""
    found = defaultdict(list)
    for kind, records in reads:
        for record in records:
            found[kind, record.contact_id if kind == "contact" else record.company_id].append(record)
    return found


def _handover(row: tuple) -> HandoverRecord:
    from custview.db.history import HandoverRecord

    return HandoverRecord(row[0], read_stored_time(row[1]), *row[2:])
