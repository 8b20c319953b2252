"""Recording a hand-over: a contact, or a whole account, passes from one of our people to another.

What moves with it (`plan_handover`, then `apply_handover`):
- the owner of the contact (for an account: the company, and each of its people whom the member
  handing over owned, or whom nobody owned; people another colleague owns stay with them);
- the open next steps the member handing over owned on those people's meetings, and their open
  tickets and the account's services they owned;
- a hand-over record (who, to whom, when, how many steps went with it), which the timeline shows.
Promises others own (the customer's, a colleague's) stay with them; the hand-over lists them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import or_
from sqlmodel import Session, select

from custview.db.models import Appointment, Company, Contact, Handover, Member, NextStep, Service, Ticket
from custview.errors import UserError


@dataclass
class HandoverPlan:
    """What a hand-over changes (or changed): names, for the Markdown and --json."""

    subject: str  # the contact's or the account's name
    from_member: str | None
    to_member: str
    at: datetime
    contacts_moving: list[str] = field(default_factory=list)
    contacts_staying: list[tuple[str, str]] = field(default_factory=list)  # (contact, their owner)
    steps_moving: list[tuple[int, str]] = field(default_factory=list)  # (id, step)
    steps_staying: list[tuple[int, str, str | None]] = field(default_factory=list)  # (id, step, owner)
    tickets_moving: list[str] = field(default_factory=list)
    services_moving: list[str] = field(default_factory=list)
    recorded: bool = False


def plan_handover(session: Session, to_id: int, from_id: int | None, contact_id: int | None = None,
                  company_id: int | None = None, at: datetime | None = None, apply: bool = False) -> HandoverPlan:
    """Plan (and, with `apply`, record in this session) handing a contact or an account to member `to_id`.

    `from_id` is who hands it over: given, it must be the current owner; else the current owner.
    UserError (nothing changed) for an unknown member, a hand-over to the current owner, or a wrong --from.
    """
    record = session.get(Company if company_id is not None else Contact, company_id or contact_id)
    to_member = _member(session, to_id)
    if from_id is not None and record.owner_id not in (None, from_id):
        raise UserError(f"{record.name} is owned by {_member(session, record.owner_id).name}, not "
                        f"{_member(session, from_id).name}; nothing was changed.")
    from_id = record.owner_id if from_id is None else from_id
    if from_id == to_id:
        raise UserError(f"{record.name} is already owned by {to_member.name}: nothing to hand over; "
                        "nothing was changed.")
    from_member = _member(session, from_id) if from_id is not None else None
    plan = HandoverPlan(record.name, from_member.name if from_member else None, to_member.name, at)
    people = ([record] if company_id is None else
              list(session.exec(select(Contact).where(Contact.company_id == company_id).order_by(Contact.name))))
    moving = [p for p in people if p.owner_id in (None, from_id) or p.id == contact_id]
    plan.contacts_moving = [p.name for p in moving]
    plan.contacts_staying = [(p.name, _member(session, p.owner_id).name) for p in people if p not in moving]
    steps = _open_steps(session, [p.id for p in moving])
    mine = [s for s in steps if from_member and (s.owner_id == from_id or (
        s.owner_id is None and (s.owner or "").strip().casefold() == from_member.name.casefold()))]
    plan.steps_moving = [(s.id, s.step) for s in mine]
    plan.steps_staying = [(s.id, s.step, s.owner) for s in steps if s not in mine]
    tickets = _owned(session, Ticket, from_id, [p.id for p in moving], company_id, Ticket.status != "closed")
    services = _owned(session, Service, from_id, [], company_id, Service.status != "delivered")
    plan.tickets_moving = [t.ref or f"#{t.id}" for t in tickets]
    plan.services_moving = [s.name for s in services]
    if apply:
        for row in [record, *moving, *tickets, *services]:
            row.owner_id = to_id
        for row in services:
            row.owner = to_member.name
        for step in mine:
            step.owner, step.owner_id = to_member.name, to_id
        session.add_all([record, *moving, *tickets, *services, *mine])
        session.add(Handover(contact_id=contact_id if company_id is None else None, company_id=company_id,
                             from_member_id=from_id, to_member_id=to_id, handed_at=at, steps_moved=len(mine)))
        plan.recorded = True
    return plan


def _member(session: Session, member_id: int) -> Member:
    member = session.get(Member, member_id)
    if member is None:
        raise UserError(f"No member #{member_id}: see custview members.")
    return member


def _open_steps(session: Session, contact_ids: list[int]) -> list[NextStep]:
    """The open next steps on meetings with these contacts, in id order."""
    if not contact_ids:
        return []
    meetings = select(Appointment.id).where(Appointment.contact_id.in_(contact_ids))
    return list(session.exec(select(NextStep).where(NextStep.done == False, NextStep.appointment_id.in_(meetings))  # noqa: E712
                             .order_by(NextStep.id)).all())


def _owned(session: Session, model, owner_id: int | None, contact_ids: list[int], company_id: int | None,
           still_open) -> list:
    """Open tickets (or live services) the member handing over owns, of these contacts or this account."""
    if owner_id is None:
        return []
    scope = [model.company_id == company_id] if company_id is not None else []
    if contact_ids and hasattr(model, "contact_id"):
        scope.append(model.contact_id.in_(contact_ids))
    if not scope:
        return []
    return list(session.exec(select(model).where(model.owner_id == owner_id, still_open, or_(*scope))
                             .order_by(model.id)).all())
