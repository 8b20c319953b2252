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
from custview.db.aggregates import OPEN_AT
from custview.db.history import AccountHistory
from custview.db.owners import OwnedBy
from custview.db.read_rows import READ, Company, MergeRecord, Note, Ticket
from custview.db.rows import TWO_WAY_SIGNALS
from custview.db.reader import Reader
from custview.stages import Stage


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
    contacts: int
    furthest_stage: str | None  # the furthest Value Path stage any of its contacts is in
    last_two_way: datetime | None
    open_tickets: list[tuple]  # (company id, recorded kind, subject, description): what `kind_of` reads
    services_at_risk: int
    owner: str | None  # the name of the member who owns the account


def account_facts(reader: Reader, as_of: datetime, owned: OwnedBy | None = None) -> list[AccountFacts]:
    """Every company (or those `owned` names) with its contacts, their furthest stage, the last two-way touch (a
    meeting, or a two-way signal: `custview.db.rows.TWO_WAY_SIGNAL_KINDS`), open tickets and services at risk, as
    of a moment. Each question is one query grouped by company in SQL: a row per company comes back, not a row
    per contact, signal or meeting."""
    moment = stored_time(as_of)
    with reader.snapshot():
        companies = _companies_and_meetings(reader, moment, owned)
        people = {company_id: (count, furthest, latest) for company_id, count, furthest, latest
                  in reader.query(_PEOPLE, (moment,))}
        met_by_contacts = dict(reader.query(_MEETINGS_OF_CONTACTS, (moment,)))
        tickets = _open_tickets(reader, moment)
        at_risk = dict(reader.query("SELECT company_id, count(*) FROM service WHERE status = 'at risk' "
                                    "GROUP BY company_id"))
        owners = {member.id: member.name for member in reader.members()}
    facts = []
    for c, met in companies:
        count, furthest, signalled = people.get(c.id, (0, None, None))
        touches = [moment for moment in (signalled, met, met_by_contacts.get(c.id)) if moment]
        facts.append(AccountFacts(c, count, _STAGES[furthest - 1] if furthest else None,
                                  read_stored_time(max(touches)) if touches else None,  # stored moments sort as text
                                  tickets.get(c.id, []),
                                  at_risk.get(c.id, 0), owners.get(c.owner_id)))
    return facts


def _companies_and_meetings(reader: Reader, as_of: str, owned: OwnedBy | None) -> list[tuple[Company, str | None]]:
    """Every company (those `owned` names), by name, with its latest meeting up to `as_of` (a stored moment): one
    search of ix_appointment_company_when per company."""
    where, parameters = owned.condition("company.owner_id") if owned else ("1 = 1", [])
    read = READ[Company]
    return [(read.build(row[:-1]), row[-1]) for row in reader.query(
        f"SELECT {read.columns}, (SELECT scheduled_at FROM appointment WHERE appointment.company_id = company.id "
        f"AND scheduled_at <= ? ORDER BY scheduled_at DESC LIMIT 1) FROM company WHERE {where} "
        "ORDER BY company.name, company.id", (as_of, *parameters))]


# The latest meeting recorded without a company, per company of its contact.
_MEETINGS_OF_CONTACTS = (
    "SELECT contact.company_id, max(appointment.scheduled_at) FROM appointment JOIN contact ON contact.id = "
    "appointment.contact_id WHERE appointment.company_id IS NULL AND appointment.scheduled_at <= ? "
    "AND contact.company_id IS NOT NULL GROUP BY contact.company_id")
_STAGES = [stage.value for stage in Stage]
# Per company: its contacts, the furthest stage they are in (its number), and the latest two-way signal of any of
# them up to a moment, one search of ix_signal_two_way per contact; the contacts are read from
# ix_contact_company_stage alone, in company order, so SQLite groups them without sorting.
_PEOPLE = (f"SELECT company_id, count(*), max(CASE stage {' '.join(f'WHEN {s.value!r} THEN {s.number}' for s in Stage)} "
           "END), max((SELECT occurred_at FROM signal WHERE signal.contact_id = contact.id "
           f"AND {TWO_WAY_SIGNALS} AND occurred_at <= ? ORDER BY occurred_at DESC LIMIT 1)) "
           "FROM contact WHERE company_id IS NOT NULL GROUP BY company_id")


def _open_tickets(reader: Reader, as_of: str) -> dict[int, list[tuple]]:
    """Tickets open at `as_of` per company (their own company, else their contact's), each as (company id,
    recorded kind, subject, description)."""
    found: dict[int, list[tuple]] = defaultdict(list)
    for row in reader.query(
            "SELECT coalesce(company_id, (SELECT contact.company_id FROM contact WHERE contact.id = ticket.contact_id)), "
            f"kind, subject, description FROM ticket WHERE opened_at <= ? AND ({' OR '.join(f'({c})' for c in OPEN_AT)})",
            (as_of, as_of)):  # each way of being open searched in ix_ticket_closed
        found[row[0]].append(row)
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
