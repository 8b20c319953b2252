"""Reads about accounts: one account's whole history, and for the portfolio and the Value Path funnel a few
grouped queries over the whole book.

`custview companies` and `custview pipeline` look at every account or contact at once, so they
never build per-contact histories: each question here is one GROUP BY (or one window) over a
table, through `Reader.query`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from custview.dates import read_stored_time, stored_time
from custview.db.history import AccountHistory
from custview.db.owners import OwnedBy
from custview.db.read_rows import Company, MergeRecord, Note, Ticket
from custview.db.rows import TWO_WAY_SIGNALS
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


class OpenTicket(NamedTuple):
    """A ticket open at the moment asked about: what `custview.insight.tickets.ticket_kind` reads."""

    subject: str
    description: str | None
    kind: str | None


@dataclass
class AccountFacts:
    """What the book says about one company, gathered for the portfolio."""

    company: Company
    contacts_by_stage: dict[str, int]
    last_two_way: datetime | None
    open_tickets: list[OpenTicket]
    services_at_risk: int
    owner: str | None  # the name of the member who owns the account


def account_facts(reader: Reader, as_of: datetime, owned: OwnedBy | None = None) -> list[AccountFacts]:
    """Every company (or those `owned` names) with its contacts per stage, last two-way touch (a meeting, or a
    two-way signal: `custview.db.rows.TWO_WAY_SIGNAL_KINDS`), open tickets and services at risk, as of a moment."""
    moment = stored_time(as_of)
    with reader.snapshot():
        companies = reader.list_companies(owned)
        company_of, stages = _people(reader)
        touches = _last_two_way(reader, moment, company_of)
        tickets = _open_tickets(reader, moment, company_of)
        at_risk = dict(reader.query("SELECT company_id, count(*) FROM service WHERE status = 'at risk' "
                                    "GROUP BY company_id"))
        owners = {member.id: member.name for member in reader.members()}
    return [AccountFacts(c, stages.get(c.id, {}), touches.get(c.id), tickets.get(c.id, []), at_risk.get(c.id, 0),
                         owners.get(c.owner_id)) for c in companies]


def _people(reader: Reader) -> tuple[dict[int, int], dict[int, dict[str, int]]]:
    """Each contact's company, and per company how many of its contacts are in each stage: the contact table
    read once in its own order (a lookup per contact through the company index costs twice as much)."""
    people = [row for row in reader.query("SELECT id, company_id, stage FROM contact") if row[1] is not None]
    stages: dict[int, dict[str, int]] = defaultdict(dict)
    for (company_id, stage), count in Counter((company_id, stage) for _, company_id, stage in people).items():
        stages[company_id][stage] = count
    return {contact_id: company_id for contact_id, company_id, _ in people}, stages


def _last_two_way(reader: Reader, as_of: str, company_of: dict[int, int]) -> dict[int, datetime]:
    """The latest meeting or two-way signal per company, up to `as_of`: a meeting counts for the company it was
    recorded with, else its contact's; a signal for its contact's company."""
    latest: dict[int, str] = {}
    by_contact = [reader.query("SELECT contact_id, max(scheduled_at) FROM appointment "
                               "WHERE company_id IS NULL AND scheduled_at <= ? GROUP BY contact_id", (as_of,)),
                  reader.query(f"SELECT contact_id, max(occurred_at) FROM signal WHERE {TWO_WAY_SIGNALS} "  # its index
                               "AND occurred_at <= ? GROUP BY contact_id", (as_of,))]
    found = [*reader.query("SELECT company_id, max(scheduled_at) FROM appointment WHERE company_id IS NOT NULL "
                           "AND scheduled_at <= ? GROUP BY company_id", (as_of,)),
             *((company_of.get(contact_id), moment) for rows in by_contact for contact_id, moment in rows)]
    for company_id, moment in found:
        if company_id is not None and moment is not None and moment > latest.get(company_id, ""):
            latest[company_id] = moment  # stored moments (UTC, one format) sort as text
    return {company_id: read_stored_time(moment) for company_id, moment in latest.items()}


def _open_tickets(reader: Reader, as_of: str, company_of: dict[int, int]) -> dict[int, list[OpenTicket]]:
    """Tickets open at `as_of` per company (their own company, else their contact's)."""
    found: dict[int, list[OpenTicket]] = defaultdict(list)
    for company_id, contact_id, subject, description, kind in reader.query(
            "SELECT company_id, contact_id, subject, description, kind FROM ticket WHERE opened_at <= ? "
            "AND (closed_at IS NULL AND status != 'closed' OR closed_at > ?)",  # through ix_ticket_closed
            (as_of, as_of)):
        company_id = company_id if company_id is not None else company_of.get(contact_id)
        if company_id is not None:
            found[company_id].append(OpenTicket(subject, description, kind))
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
