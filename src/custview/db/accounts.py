"""Reads about accounts: one account's whole history, and for the portfolio and the Value Path funnel a few
grouped queries over the whole book.

`custview companies` and `custview pipeline` look at every account or contact at once, so they
never build per-contact histories: each question here is one GROUP BY (or one window) over a
table, through `Reader.query`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from custview.dates import read_stored_time, stored_time
from custview.db.history import AccountHistory
from custview.db.owners import OwnedBy
from custview.db.read_rows import Company, MergeRecord, Note, Ticket
from custview.db.reader import Reader


def account_history(reader: Reader, company: Company) -> AccountHistory:
    """One account's whole history (`custview timeline COMPANY`, `custview handoff COMPANY`)."""
    with reader.snapshot():
        own = "company_id = ? AND contact_id IS NULL"
        return AccountHistory(
            company=company,
            people=reader.contact_histories(company_id=company.id),
            tickets=reader.rows(Ticket, own, (company.id,), "opened_at DESC, id DESC"),
            notes=reader.rows(Note, own, (company.id,), "written_at DESC, id DESC"),
            merges=reader.rows(MergeRecord, "kind = 'company' AND kept_id = ?", (company.id,), "merged_at, id"),
            success_criteria=reader.success_criteria(company.id),
        )


@dataclass
class AccountFacts:
    """What the book says about one company, gathered for the portfolio."""

    company: Company
    contacts_by_stage: dict[str, int]
    last_two_way: datetime | None
    open_tickets: list[tuple[str, str | None, str | None]]  # (subject, description, kind)
    services_at_risk: int
    owner: str | None  # the name of the member who owns the account


def account_facts(reader: Reader, as_of: datetime, two_way_kinds: tuple[str, ...],
                  owned: OwnedBy | None = None) -> list[AccountFacts]:
    """Every company (or those `owned` names) with its contacts per stage, last two-way touch (a meeting, or a
    signal of one of `two_way_kinds`), open tickets and services at risk, as of a moment."""
    with reader.snapshot():
        companies = reader.list_companies(owned)
        stages = _contacts_by_stage(reader)
        touches = _last_two_way(reader, stored_time(as_of), two_way_kinds)
        tickets = _open_tickets(reader, stored_time(as_of))
        at_risk = dict(reader.query("SELECT company_id, count(*) FROM service WHERE status = 'at risk' "
                                    "GROUP BY company_id"))
        owners = {member.id: member.name for member in reader.members()}
    return [AccountFacts(c, stages.get(c.id, {}), touches.get(c.id), tickets.get(c.id, []), at_risk.get(c.id, 0),
                         owners.get(c.owner_id)) for c in companies]


def _contacts_by_stage(reader: Reader) -> dict[int, dict[str, int]]:
    found: dict[int, dict[str, int]] = defaultdict(dict)
    for company_id, stage, count in reader.query(
            "SELECT company_id, stage, count(*) FROM contact WHERE company_id IS NOT NULL GROUP BY company_id, stage"):
        found[company_id][stage] = count
    return found


def _last_two_way(reader: Reader, as_of: str, two_way_kinds: tuple[str, ...]) -> dict[int, datetime]:
    """The latest meeting or two-way signal per company, up to `as_of`."""
    kinds = sorted(two_way_kinds)
    rows = reader.query(
        "SELECT coalesce(a.company_id, c.company_id), max(a.scheduled_at) FROM appointment AS a "
        "JOIN contact AS c ON c.id = a.contact_id WHERE a.scheduled_at <= ? "
        "GROUP BY coalesce(a.company_id, c.company_id) "
        "UNION ALL SELECT c.company_id, max(s.occurred_at) FROM signal AS s JOIN contact AS c ON c.id = s.contact_id "
        f"WHERE c.company_id IS NOT NULL AND s.kind IN ({', '.join('?' * len(kinds))}) AND s.occurred_at <= ? "
        "GROUP BY c.company_id",
        (as_of, *kinds, as_of))
    latest: dict[int, datetime] = {}
    for company_id, moment in rows:
        if company_id is not None and moment is not None:
            when = read_stored_time(moment)
            latest[company_id] = max(when, latest.get(company_id, when))
    return latest


def _open_tickets(reader: Reader, as_of: str) -> dict[int, list[tuple]]:
    """Tickets open at `as_of` per company (their own company, else their contact's)."""
    found: dict[int, list[tuple]] = defaultdict(list)
    for company_id, subject, description, kind in reader.query(
            "SELECT coalesce(t.company_id, c.company_id), t.subject, t.description, t.kind FROM ticket AS t "
            "LEFT JOIN contact AS c ON c.id = t.contact_id WHERE t.opened_at <= ? "
            "AND (t.closed_at IS NULL AND t.status != 'closed' OR t.closed_at > ?)",  # through ix_ticket_closed
            (as_of, as_of)):
        if company_id is not None:
            found[company_id].append((subject, description, kind))
    return found


@dataclass
class StageStay:
    """One time a contact entered a stage and then moved on: when, and to which stage."""

    contact_id: int
    stage: str
    entered_at: datetime
    next_stage: str
    left_at: datetime


def contacts_per_stage(reader: Reader, company_id: int | None = None, owned: OwnedBy | None = None) -> dict[str, int]:
    """How many contacts are in each stage now (of one company, or the whole book; only those `owned` names)."""
    conditions, parameters = _scope("contact", company_id, owned)
    where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
    return dict(reader.query(f"SELECT stage, count(*) FROM contact {where} GROUP BY stage", parameters))


def stalled_per_stage(reader: Reader, entered_before: dict[str, datetime], as_of: datetime,
                      company_id: int | None = None, owned: OwnedBy | None = None) -> dict[str, int]:
    """How many contacts in each stage entered it (their latest stage move up to `as_of`, else the
    recorded date) before that stage's moment in `entered_before`: one grouped query, each contact's latest
    move found in ix_stage_change_contact_when."""
    stalled = " OR ".join("(stage = ? AND entered < ?)" for _ in entered_before)
    conditions, parameters = _scope("c", company_id, owned)
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    sql = (f"SELECT stage, count(CASE WHEN {stalled} THEN 1 END) FROM (SELECT c.stage AS stage, "
           "coalesce((SELECT max(m.changed_at) FROM stage_change AS m WHERE m.contact_id = c.id AND m.changed_at <= ?), "
           f"c.stage_since) AS entered FROM contact AS c{where}) AS people GROUP BY stage")
    cutoffs = [value for stage, moment in entered_before.items() for value in (stage, stored_time(moment))]
    return dict(reader.query(sql, [*cutoffs, stored_time(as_of), *parameters]))


def _scope(alias: str, company_id: int | None, owned: OwnedBy | None) -> tuple[list[str], list]:
    """Conditions on contacts (`alias`): of one company, owned by one member or team."""
    conditions, parameters = [], []
    if company_id is not None:
        conditions.append(f"{alias}.company_id = ?")
        parameters.append(company_id)
    if owned is not None:
        condition, values = owned.condition(f"{alias}.owner_id")
        conditions.append(condition)
        parameters += values
    return conditions, parameters


def stage_entries(reader: Reader, company_id: int | None = None, since: datetime | None = None,
                  owned: OwnedBy | None = None) -> dict[str, int]:
    """How many times contacts entered each stage (moves in the stage history) since `since`: one grouped query."""
    conditions, parameters = _scope("c", company_id, owned)
    join = " JOIN contact AS c ON c.id = stage_change.contact_id" if conditions else ""
    if since is not None:
        conditions.append("stage_change.changed_at >= ?")
        parameters.append(stored_time(since))
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    return dict(reader.query(f"SELECT stage_change.stage, count(*) FROM stage_change{join}{where} "
                             "GROUP BY stage_change.stage", parameters))


def completed_stays(reader: Reader, company_id: int | None = None, since: datetime | None = None,
                    owned: OwnedBy | None = None) -> list[StageStay]:
    """Every stay in a stage that began since `since` and ended with a move to another stage (from the stage
    history). Only contacts with more than one move have one: the others are not read past the index."""
    conditions, parameters = _scope("c", company_id, owned)
    sql = ("SELECT s.contact_id, s.stage, s.changed_at AS entered_at, lead(s.stage) OVER stays AS next_stage, "
           "lead(s.changed_at) OVER stays AS left_at FROM stage_change AS s JOIN contact AS c ON c.id = s.contact_id "
           "WHERE s.contact_id IN (SELECT contact_id FROM stage_change GROUP BY contact_id HAVING count(*) > 1) "
           + "".join(f"AND {condition} " for condition in conditions)
           + "WINDOW stays AS (PARTITION BY s.contact_id ORDER BY s.changed_at, s.id)")
    start = stored_time(since) if since is not None else None
    return [StageStay(contact_id, stage, read_stored_time(entered), next_stage, read_stored_time(left))
            for contact_id, stage, entered, next_stage, left in reader.query(
                f"SELECT * FROM ({sql}) AS moves WHERE next_stage IS NOT NULL"
                + (" AND entered_at >= ?" if start else ""), [*parameters, *([start] if start else [])])]
