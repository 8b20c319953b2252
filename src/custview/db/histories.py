"""Contacts' histories (what a brief, a timeline or an account view shows), read in two batches of queries.

Every table is read with the ids of all the contacts at once (a few queries per table, whatever
their number), and the queries that do not depend on each other are sent together (`custview.db.batch`):
first everything known from the contacts' and their companies' ids, then the meetings they attended
without owning them, with every meeting's attendees and next steps. On a server that is two round trips.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from custview.db.batch import chunks, placeholders
from custview.db.history import AppointmentRecord, ContactHistory
from custview.db.owners import handovers_by_record, read_handovers
from custview.db.read_rows import (Appointment, Attendee, Company, Contact, MergeRecord, NextStep, Note, Service,
                                   Signal, StageChange, SuccessCriterion, Ticket)


def load_histories(reader, contacts: list[Contact]) -> list[ContactHistory]:
    """The histories of these contacts, in their order (`reader`: a `custview.db.reader.Reader`)."""
    ids = [c.id for c in contacts]
    company_ids = {c.company_id for c in contacts if c.company_id}
    with reader.batch() as batch:
        companies = batch.rows_in(Company, "id", company_ids)
        people = batch.rows_in(Contact, "company_id", company_ids, "name, id")
        services = batch.rows_in(Service, "company_id", company_ids, "id")
        criteria = batch.rows_in(SuccessCriterion, "company_id", company_ids, "id")
        stage_changes = batch.rows_in(StageChange, "contact_id", ids, "changed_at, id")
        signals = batch.rows_in(Signal, "contact_id", ids, "occurred_at DESC, id DESC")
        attended = [batch.query(f"SELECT appointment_id, contact_id FROM attendee WHERE contact_id IN "
                                f"({placeholders(chunk)})", chunk) for chunk in chunks(sorted(set(ids)))]
        owned = batch.rows_in(Appointment, "contact_id", ids)
        tickets = [batch.rows_in(Ticket, "contact_id", ids), batch.rows_in(Ticket, "company_id", company_ids)]
        notes = [batch.rows_in(Note, "contact_id", ids), batch.rows_in(Note, "company_id", company_ids)]
        merges = [batch.rows_in(MergeRecord, "kept_id", ids, where="kind = 'contact'"),
                  batch.rows_in(MergeRecord, "kept_id", company_ids, where="kind = 'company'")]
        handovers = read_handovers(batch, ids, company_ids)
    appointments = _appointments_of(reader, ids, owned, [pair for rows in attended for pair in rows])
    companies = {c.id: c for c in companies}
    people, services, criteria = (_group(rows, "company_id") for rows in (people, services, criteria))
    stage_changes, signals = _group(stage_changes, "contact_id"), _group(signals, "contact_id")
    tickets = _theirs_or_their_company(tickets[0] + tickets[1], contacts, "opened_at")
    notes = _theirs_or_their_company(notes[0] + notes[1], contacts, "written_at")
    merged = defaultdict(list)
    for kind, rows in zip(("contact", "company"), merges):
        for merge in rows:
            merged[kind, merge.kept_id].append(merge)
    handed = handovers_by_record(handovers)
    return [
        ContactHistory(
            contact=c,
            company=companies.get(c.company_id),
            stage_changes=stage_changes.get(c.id, []),
            signals=signals.get(c.id, []),
            appointments=appointments.get(c.id, []),
            tickets=tickets[c.id],
            notes=notes[c.id],
            colleagues=[p for p in people.get(c.company_id, []) if p.id != c.id] if c.company_id else [],
            services=services.get(c.company_id, []) if c.company_id else [],
            success_criteria=criteria.get(c.company_id, []) if c.company_id else [],
            merges=sorted(merged.get(("contact", c.id), []) + merged.get(("company", c.company_id), []),
                          key=lambda m: (m.merged_at, m.id)),
            handovers=sorted(handed.get(("contact", c.id), []) + handed.get(("company", c.company_id), []),
                             key=lambda h: (h.at, h.id)),
        )
        for c in contacts
    ]


def read_appointment_records(reader, appointments: Iterable[Appointment],
                        more_ids: Iterable[int] = ()) -> list[AppointmentRecord]:
    """Each appointment (in the order given) with its attendees and next steps, in one batch; with `more_ids`,
    the appointments with those ids too (read in the same batch, after the given ones)."""
    appointments = list(appointments)
    more_ids = set(more_ids) - {a.id for a in appointments}
    wanted = {a.id for a in appointments} | more_ids
    with reader.batch() as batch:
        more = batch.rows_in(Appointment, "id", more_ids)
        attendees = batch.rows_in(Attendee, "appointment_id", wanted, "id")
        steps = batch.rows_in(NextStep, "appointment_id", wanted, "id")
    records = {a.id: AppointmentRecord(a) for a in appointments + more}
    for attendee in attendees:
        records[attendee.appointment_id].attendees.append(attendee)
    for step in steps:
        records[step.appointment_id].next_steps.append(step)
    for record in records.values():
        record.attendees.sort(key=lambda a: a.id)
        record.next_steps.sort(key=lambda s: s.id)
    return list(records.values())


def _appointments_of(reader, contact_ids: list[int], owned: list[Appointment],
                     attended: list[tuple[int, int]]) -> dict[int, list[AppointmentRecord]]:
    """Per contact: the appointments they own or attended (`attended`: appointment and contact ids), latest
    first, with attendees and next steps."""
    attendees_of = defaultdict(set)
    for appointment_id, contact_id in attended:
        attendees_of[appointment_id].add(contact_id)
    records = read_appointment_records(reader, owned, attendees_of)
    wanted = set(contact_ids)
    by_contact = defaultdict(list)
    for record in sorted(records, key=lambda r: (r.appointment.scheduled_at, r.appointment.id), reverse=True):
        for contact_id in ({record.appointment.contact_id} | attendees_of[record.appointment.id]) & wanted:
            by_contact[contact_id].append(record)
    return by_contact


def _theirs_or_their_company(found: list, contacts: list[Contact], moment: str) -> dict[int, list]:
    """Per contact: rows (tickets, notes) that are theirs or their company's, latest first."""
    by_contact, by_company = _group(found, "contact_id"), _group(found, "company_id")
    result = {}
    for c in contacts:
        rows = {row.id: row for row in by_contact.get(c.id, ())}
        if c.company_id:
            rows |= {row.id: row for row in by_company.get(c.company_id, ())}
        result[c.id] = sorted(rows.values(), key=lambda row: (getattr(row, moment), row.id), reverse=True)
    return result


def _group(rows: list, attribute: str) -> dict:
    """Rows by the value of one attribute, keeping their order."""
    grouped = defaultdict(list)
    for row in rows:
        grouped[getattr(row, attribute)].append(row)
    return grouped
