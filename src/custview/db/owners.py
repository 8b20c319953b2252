"""`--owner` and `--team` as SQL: only what one member, or one team of ours, owns."""

from __future__ import annotations

from dataclasses import dataclass


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
            conditions.append(f"({column} = ? OR ({column} IS NULL AND {name_column} = ? COLLATE NOCASE))")
            parameters += [self.member_id, self.member_name]
        elif self.member_id is not None:
            conditions.append(f"{column} = ?")
            parameters.append(self.member_id)
        if self.team is not None:
            conditions.append(f"{column} IN (SELECT id FROM member WHERE team = ?)")
            parameters.append(self.team)
        return " AND ".join(conditions) or "1 = 1", parameters
