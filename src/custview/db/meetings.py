"""Meetings as one appointment each: the one a log or an import means, merged into without losing anything.

A meeting's identity is its calendar UID when it came from a calendar, else its contact, time and
purpose. Planning, logging, and importing the same meeting again all land on that one appointment,
and a merge only adds: decisions, attendees and next steps already recorded are never dropped, and a
step once done stays done.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_
from sqlmodel import Session, select

from custview.dates import local_day
from custview.db.meeting_merge import added_decisions, merge_attendees, merge_steps
from custview.db.models import Appointment, Attendee, Contact, Member, NextStep
from custview.errors import UserError


@dataclass
class MeetingDetails:
    """What a log or an import says about a meeting; None (or empty) leaves what is recorded."""

    purpose: str | None = None
    kind: str | None = None
    outcome: str | None = None
    decisions: tuple[str, ...] = ()
    attendees: tuple[dict, ...] = ()  # {name, role, contact_id}
    steps: tuple[dict, ...] = ()  # {step, owner, due_at, done}


def same_meeting(session: Session, contact_id: int, scheduled_at: datetime, purpose: str,
                 uid: str | None = None) -> Appointment | None:
    """The appointment that is this meeting: same calendar UID, else same contact, time and purpose."""
    if uid:
        found = session.exec(select(Appointment).where(Appointment.uid == uid)).first()
        if found is not None:
            return found
    query = select(Appointment).where(Appointment.contact_id == contact_id, Appointment.scheduled_at == scheduled_at,
                                      Appointment.purpose == purpose)
    if uid:
        query = query.where(Appointment.uid.is_(None))
    return session.exec(query.order_by(Appointment.id)).first()


def planned_meeting_for(session: Session, contact: Contact, when: datetime) -> Appointment | None:
    """The contact's planned (not yet logged) meeting on the same local day as `when`, the nearest to it."""
    start, end = local_day(when)
    attended = select(Attendee.appointment_id).where(Attendee.contact_id == contact.id)
    candidates = session.exec(select(Appointment).where(
        or_(Appointment.contact_id == contact.id, Appointment.id.in_(attended)),
        Appointment.outcome.is_(None),
        Appointment.scheduled_at >= start, Appointment.scheduled_at < end,
    )).all()
    return min(candidates, key=lambda a: (abs(a.scheduled_at - when), a.id), default=None)


def meeting_of(session: Session, contact: Contact, meeting_id: int) -> Appointment:
    """Appointment `meeting_id`, which must be with `contact`; a clear error otherwise."""
    appointment = session.get(Appointment, meeting_id)
    if appointment is None:
        raise UserError(f"--meeting: no meeting #{meeting_id}.")
    attended = session.exec(select(Attendee).where(Attendee.appointment_id == meeting_id,
                                                   Attendee.contact_id == contact.id)).first()
    if appointment.contact_id != contact.id and attended is None:
        owner = session.get(Contact, appointment.contact_id)
        raise UserError(f"--meeting: meeting #{meeting_id} ({appointment.purpose}) is with "
                        f"{owner.name if owner else 'someone else'}, not {contact.name}.")
    return appointment


def merge_meeting(session: Session, appointment: Appointment, details: MeetingDetails, now: datetime) -> bool:
    """Add what `details` says to the appointment, dropping nothing (see `custview.db.meeting_merge`); whether
    anything changed."""
    changed = False
    for name in ("purpose", "kind", "outcome"):
        said = getattr(details, name)
        if said is not None and getattr(appointment, name) != said:
            setattr(appointment, name, said)
            changed = True
    added = added_decisions(appointment.decisions, details.decisions)
    if added:
        appointment.decisions = [*appointment.decisions, *added]
        changed = True
    if changed:
        session.add(appointment)
    people = [person if person.get("contact_id") or person.get("member_id")
              else {**person, "member_id": member_id_named(session, person["name"])} for person in details.attendees]
    steps = [{**step, "owner_id": member_id_named(session, step.get("owner"))} for step in details.steps]
    for model, merge, wanted in ((Attendee, merge_attendees, people), (NextStep, merge_steps, steps)):
        current = session.exec(select(model).where(model.appointment_id == appointment.id).order_by(model.id)).all()
        updates, additions = merge(list(current), wanted, now)
        for row, changes in updates:
            for key, new in changes.items():
                setattr(row, key, new)
            session.add(row)
        session.add_all(model(appointment_id=appointment.id, **values) for values in additions)
        changed |= bool(updates or additions)
    return changed


@dataclass
class Logged:
    """What logging did: the meeting as saved, whether it was planned (completed) or new, and any stage move."""

    appointment: Appointment
    attendees: list[Attendee]
    next_steps: list[NextStep]
    action: str  # created | completed | updated
    stage_change: object | None = None


def log_meeting(session: Session, contact: Contact, when: datetime, details: MeetingDetails, now: datetime,
                meeting_id: int | None = None) -> Logged:
    """Log onto the meeting meant (--meeting, the same meeting logged before, or the day's planned one), else a new one.

    The contact is always an attendee. A planned meeting keeps its time; what the log says is added to it.
    """
    target = (meeting_of(session, contact, meeting_id) if meeting_id is not None
              else same_meeting(session, contact.id, when, details.purpose) if details.purpose else None)
    if target is None and meeting_id is None:
        target = planned_meeting_for(session, contact, when)
    if target is None:
        target = Appointment(contact_id=contact.id, company_id=contact.company_id, purpose=details.purpose,
                             kind=details.kind or "other", scheduled_at=when, outcome=details.outcome,
                             decisions=list(dict.fromkeys(details.decisions)))
        session.add(target)
        session.flush()
        action = "created"
    else:
        action = "completed" if target.outcome is None and details.outcome else "updated"
    people = ({"name": contact.name, "role": contact.buying_role, "contact_id": contact.id}, *details.attendees)
    merge_meeting(session, target, MeetingDetails(details.purpose, details.kind, details.outcome, details.decisions,
                                                  people, details.steps), now)
    session.flush()
    return Logged(target, *_children(session, target.id), action)


def _children(session: Session, appointment_id: int) -> tuple[list[Attendee], list[NextStep]]:
    attendees = session.exec(select(Attendee).where(Attendee.appointment_id == appointment_id).order_by(Attendee.id))
    steps = session.exec(select(NextStep).where(NextStep.appointment_id == appointment_id).order_by(NextStep.id))
    return list(attendees.all()), list(steps.all())


def plan_meeting(session: Session, contact: Contact, when: datetime, purpose: str, kind: str | None,
                 attendees: tuple[dict, ...]) -> Logged:
    """Put an upcoming meeting in the book (no outcome yet); planning the same meeting again adds to it."""
    target = same_meeting(session, contact.id, when, purpose)
    action = "updated"
    if target is None:
        target = Appointment(contact_id=contact.id, company_id=contact.company_id, purpose=purpose,
                             kind=kind or "other", scheduled_at=when)
        session.add(target)
        session.flush()
        action = "created"
    people = ({"name": contact.name, "role": contact.buying_role, "contact_id": contact.id}, *attendees)
    merge_meeting(session, target, MeetingDetails(kind=kind, attendees=people), when)
    session.flush()
    return Logged(target, *_children(session, target.id), action)


def member_id_named(session: Session, name: str | None) -> int | None:
    """The id of the member with this name or email (any case; "Name (us)" is read as "Name"), or None."""
    from custview.names import without_us

    text = without_us(name or "")
    if not text:
        return None
    return session.exec(select(Member.id).where((Member.name == text) | (Member.email == text))).first()


def step_ids(session: Session, references: list[int]) -> list[NextStep]:
    """The next steps with these ids, in the order given; one error naming every id that is not a step."""
    steps = {s.id: s for s in session.exec(select(NextStep).where(NextStep.id.in_(references))).all()}
    missing = [f"S{number}" for number in references if number not in steps]
    if missing:
        raise UserError(f"no next step {', '.join(missing)}: the ids are shown in brief, today and next-steps.")
    return [steps[number] for number in references]


def mark_steps_done(session: Session, references: list[int], when: datetime) -> list[NextStep]:
    """Mark these steps done as of `when`; an error (nothing changed) if one of them is done already."""
    steps = step_ids(session, references)
    already = [f"S{s.id} ({s.step})" for s in steps if s.done]
    if already:
        raise UserError(f"already done: {', '.join(already)}; nothing was changed (use 'next-steps reopen ID' to undo).")
    for step in steps:
        step.done, step.done_at = True, when
        session.add(step)
    return steps


def reopen_step(session: Session, reference: int) -> NextStep:
    """Make a done step open again; an error if it is open."""
    step = step_ids(session, [reference])[0]
    if not step.done:
        raise UserError(f"S{step.id} ({step.step}) is not done; nothing was changed.")
    step.done, step.done_at = False, None
    session.add(step)
    return step


def edit_step(session: Session, reference: int, changes: dict) -> NextStep:
    """Change a step's text, owner or due date (the keys given in `changes`)."""
    step = step_ids(session, [reference])[0]
    if "owner" in changes:
        changes = {**changes, "owner_id": member_id_named(session, changes["owner"])}
    for name, value in changes.items():
        setattr(step, name, value)
    session.add(step)
    return step
