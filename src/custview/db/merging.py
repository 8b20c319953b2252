"""Merging a duplicate into the record kept: everything linked to it moves over, then it is gone.

Works on an open session (the store runs it in one writing transaction, see `Store.merge`). The
same function plans without changing anything (`apply=False`), so the command can show what a
merge will do before asking.

Contacts: signals, appointments, tickets, notes, stage history and attendee links move to the
contact kept; repeats of what the kept contact has already are dropped rather than doubled: the
same signal, stage change or note, their place in an appointment both attended, and the
duplicate's own "entered as" stage entry when the kept contact's stage history had begun by then. Companies: contacts, appointments, tickets,
notes and services move. Either way the kept record's empty fields are filled from the other;
where both have a value the kept one's stays (also a contact's stage: see `_stage_back`), and
the other's email, or name and domain, is kept as
an alias so that later imports find the record kept. A merge record keeps the story for the
timeline.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, exists, func, or_, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from custview.errors import UserError
from custview.db.models import (
    Appointment,
    Attendee,
    Company,
    CompanyAlias,
    Contact,
    ContactAlias,
    Handover,
    Member,
    MergeRecord,
    Note,
    Service,
    Signal,
    StageChange,
    SuccessCriterion,
    Ticket,
)

CONTACT_FIELDS = ("email", "phone", "title", "buying_role", "company_id", "preferred_channel", "preferred_time",
                  "preferred_tone", "context", "owner_id")
COMPANY_FIELDS = ("domain", "industry", "size", "stage", "health", "summary", "status", "renewal_at", "contract_value",
                  "contract_currency", "ended_at", "end_reason", "owner_id")


@dataclass
class FieldConflict:
    """A field both records fill differently: each one's value and what the merged record keeps."""

    field: str
    kept: str
    other: str
    result: str


@dataclass
class MergeReport:
    """What merging `other` into `kept` moves, fills in and keeps as aliases (planned or done)."""

    kind: str  # "contact" or "company"
    kept: str
    kept_detail: str | None  # email or domain
    other: str
    other_detail: str | None
    moved: dict[str, int]
    dropped: dict[str, int]  # repeats of what the kept record has already (see merge_contacts): not doubled
    filled: dict[str, str] = field(default_factory=dict)
    conflicts: list[FieldConflict] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)

    @property
    def total_moved(self) -> int:
        """How many records move in all."""
        return sum(self.moved.values())

    @property
    def kept_label(self) -> str:
        """The record kept as a user recognises it: name and email, or name and domain."""
        return _label(self.kind, self.kept, self.kept_detail)

    @property
    def other_label(self) -> str:
        """The duplicate as a user recognises it: name and email, or name and domain."""
        return _label(self.kind, self.other, self.other_detail)


def _label(kind: str, name: str, detail: str | None) -> str:
    if not detail:
        return name
    return f"{name} <{detail}>" if kind == "contact" else f"{name} ({detail})"


def merge_records(session: Session, kind: str, kept_id: int, other_id: int, now: datetime,
                  apply: bool) -> MergeReport:
    """Plan (and, if `apply`, do) merging contact or company (`kind`) `other_id` into `kept_id`."""
    merge = {"contact": merge_contacts, "company": merge_companies}[kind]
    return merge(session, kept_id, other_id, now, apply)


def merge_contacts(session: Session, kept_id: int, other_id: int, now: datetime, apply: bool) -> MergeReport:
    """Plan (and, if `apply`, do) the merge of contact `other_id` into `kept_id`."""
    kept, other = _pair(session, Contact, kept_id, other_id, "contact")
    companies = {c.id: c.name for c in session.exec(select(Company).where(
        Company.id.in_([i for i in (kept.company_id, other.company_id) if i]))).all()}
    s2, c2, a2, n2 = aliased(Signal), aliased(StageChange), aliased(Attendee), aliased(Note)
    parts = {  # kind: (model, its link to the contact, its exact repeat among the kept contact's records)
        "signals": (Signal, Signal.contact_id, exists().where(
            s2.contact_id == kept_id, s2.kind == Signal.kind, s2.title == Signal.title,
            s2.occurred_at == Signal.occurred_at)),
        "stage_changes": (StageChange, StageChange.contact_id, or_(
            exists().where(c2.contact_id == kept_id, c2.stage == StageChange.stage,
                           c2.changed_at == StageChange.changed_at),
            # the duplicate's own "entered as" entry, when the kept contact's history had started by then: the
            # day a second record was made is no step on this person's Value Path (the merge record keeps it)
            and_(StageChange.previous_stage.is_(None),
                 exists().where(c2.contact_id == kept_id, c2.changed_at <= StageChange.changed_at)))),
        "appointments": (Appointment, Appointment.contact_id, None),
        "attendee_links": (Attendee, Attendee.contact_id, exists().where(
            a2.contact_id == kept_id, a2.appointment_id == Attendee.appointment_id)),
        "tickets": (Ticket, Ticket.contact_id, None),
        "notes": (Note, Note.contact_id, exists().where(
            n2.contact_id == kept_id, n2.text == Note.text, n2.written_at == Note.written_at)),
    }
    report = MergeReport("contact", kept.name, kept.email, other.name, other.email, {}, {})
    _plan_moves(session, report, parts, other_id)
    changes = _fill_and_compare(report, kept, other, CONTACT_FIELDS,
                                {"company_id": companies.get, "owner_id": _member_names(session, kept, other).get})
    if kept.name != other.name:
        report.conflicts.insert(0, FieldConflict("name", kept.name, other.name, kept.name))
    stage_back = _stage_back(session, report, kept, other, now, changes, dropped=parts["stage_changes"][2])
    aliases = list(session.exec(select(ContactAlias.email).where(ContactAlias.contact_id == other_id)).all())
    new_alias = other.email if other.email and kept.email and other.email.casefold() != kept.email.casefold() else None
    report.aliases = [email for email in (new_alias, *aliases) if email]
    if apply:
        _move(session, parts, kept_id, other_id)
        session.exec(update(Attendee).where(Attendee.contact_id == kept_id).values(name=kept.name)
                     .execution_options(synchronize_session=False))
        _finish(session, ContactAlias.contact_id, "contact", kept_id, other_id, Contact, changes)
        if stage_back:
            session.add(stage_back)
        if new_alias:
            session.add(ContactAlias(contact_id=kept_id, email=new_alias))
        session.add(MergeRecord(kind="contact", kept_id=kept_id, merged_name=other.name, merged_email=other.email,
                                merged_at=now))
        session.flush()
        session.expunge_all()
    return report


def merge_companies(session: Session, kept_id: int, other_id: int, now: datetime, apply: bool) -> MergeReport:
    """Plan (and, if `apply`, do) the merge of company `other_id` into `kept_id`."""
    kept, other = _pair(session, Company, kept_id, other_id, "company")
    n2 = aliased(Note)
    parts = {
        "contacts": (Contact, Contact.company_id, None),
        "appointments": (Appointment, Appointment.company_id, None),
        "tickets": (Ticket, Ticket.company_id, None),
        "notes": (Note, Note.company_id, exists().where(
            n2.company_id == kept_id, n2.contact_id.is_not_distinct_from(Note.contact_id), n2.text == Note.text,
            n2.written_at == Note.written_at)),
        "services": (Service, Service.company_id, None),
        "success_criteria": (SuccessCriterion, SuccessCriterion.company_id, None),
    }
    report = MergeReport("company", kept.name, kept.domain, other.name, other.domain, {}, {})
    _plan_moves(session, report, parts, other_id)
    changes = _fill_and_compare(report, kept, other, COMPANY_FIELDS,
                                {"owner_id": _member_names(session, kept, other).get})
    if "contract_value" in changes:
        changes["contract_arr"] = other.contract_arr  # the value's terms come with it
    report.conflicts.insert(0, FieldConflict("name", kept.name, other.name, kept.name))
    aliases = session.exec(select(CompanyAlias.name).where(CompanyAlias.company_id == other_id)).all()
    alias_domain = other.domain if kept.domain and other.domain and kept.domain.lower() != other.domain.lower() else None
    report.aliases = [other.name, *([alias_domain] if alias_domain else []), *aliases]
    if apply:
        _move(session, parts, kept_id, other_id)
        _finish(session, CompanyAlias.company_id, "company", kept_id, other_id, Company, changes)
        session.add(CompanyAlias(company_id=kept_id, name=other.name, domain=alias_domain))
        session.add(MergeRecord(kind="company", kept_id=kept_id, merged_name=other.name,
                                merged_domain=other.domain, merged_at=now))
        session.flush()
        session.expunge_all()
    return report


def _pair(session: Session, model, kept_id: int, other_id: int, noun: str):
    if kept_id == other_id:
        found = session.get(model, kept_id)
        raise UserError(f"Cannot merge {found.name if found else noun + ' #' + str(kept_id)} into itself: "
                        "name two different records.")
    kept, other = session.get(model, kept_id), session.get(model, other_id)
    missing = [f"No {noun} with id {i}." for i, row in ((kept_id, kept), (other_id, other)) if row is None]
    if missing:
        raise UserError(*missing)
    return kept, other


def _plan_moves(session: Session, report: MergeReport, parts: dict, other_id: int) -> None:
    for kind, (model, link, repeat) in parts.items():
        theirs = link == other_id
        total = _count(session, model, theirs)
        repeats = _count(session, model, and_(theirs, repeat)) if repeat is not None else 0
        report.moved[kind] = total - repeats
        if repeat is not None:
            report.dropped[kind] = repeats


def _move(session: Session, parts: dict, kept_id: int, other_id: int) -> None:
    for model, link, repeat in parts.values():
        theirs = link == other_id
        if repeat is not None:
            session.exec(delete(model).where(theirs, repeat).execution_options(synchronize_session=False))
        session.exec(update(model).where(theirs).values({link.key: kept_id})
                     .execution_options(synchronize_session=False))


def _member_names(session: Session, *records) -> dict[int, str]:
    """The names of the members who own these records, by id: what a merge report shows as their owner."""
    ids = [record.owner_id for record in records if record.owner_id]
    return {m.id: m.name for m in session.exec(select(Member).where(Member.id.in_(ids))).all()} if ids else {}


def _fill_and_compare(report: MergeReport, kept, other, fields: tuple[str, ...], shown: dict) -> dict:
    """Fill the report's `filled` and `conflicts`; the values to set on the kept record."""
    changes = {}
    for name in fields:
        mine, theirs = getattr(kept, name), getattr(other, name)
        label = name.removesuffix("_id")
        show = shown.get(name, str)
        if theirs in (None, ""):
            continue
        if mine in (None, ""):
            changes[name] = theirs
            report.filled[label] = show(theirs)
        elif str(mine).casefold() != str(theirs).casefold():
            report.conflicts.append(FieldConflict(label, show(mine), show(theirs), show(mine)))
    return changes


def _stage_back(session: Session, report: MergeReport, kept: Contact, other: Contact, now: datetime,
                changes: dict, dropped) -> StageChange | None:
    """Keep the kept contact's stage, and the merged stage history in step with it.

    When the duplicate's stage history (what moves of it: not `dropped`) ends later, on another
    stage, the merged history would end there, and the brief would show that stage: a stage change
    back to the kept stage, at the merge, records the decision. Returned (not added).
    """
    merged_history = or_(StageChange.contact_id == kept.id, and_(StageChange.contact_id == other.id, ~dropped))
    latest = session.exec(select(StageChange).where(merged_history)
                          .order_by(StageChange.changed_at.desc(), StageChange.id.desc())).first()
    back = None
    if latest is not None and latest.contact_id == other.id and latest.stage != kept.stage:
        when = max(now, latest.changed_at + timedelta(seconds=1))
        back = StageChange(contact_id=kept.id, stage=kept.stage, previous_stage=latest.stage, changed_at=when,
                           source="merge")
        changes["stage_since"] = when
    if kept.stage != other.stage or back:
        result = kept.stage + (f" (recorded as a move back from {latest.stage}: the duplicate's stage history "
                               "ends later)" if back else "")
        report.conflicts.append(FieldConflict("stage", kept.stage, other.stage, result))
    return back


def _finish(session: Session, alias_link, kind: str, kept_id: int, other_id: int, model, changes: dict) -> None:
    """Hand the other record's aliases and merge history to the kept one, delete it, then fill the kept one."""
    alias_model = alias_link.class_
    session.exec(update(alias_model).where(alias_link == other_id).values({alias_link.key: kept_id})
                 .execution_options(synchronize_session=False))
    session.exec(update(MergeRecord).where(MergeRecord.kind == kind, MergeRecord.kept_id == other_id)
                 .values(kept_id=kept_id).execution_options(synchronize_session=False))
    handed = Handover.contact_id if kind == "contact" else Handover.company_id
    session.exec(update(Handover).where(handed == other_id).values({handed.key: kept_id})
                 .execution_options(synchronize_session=False))
    session.exec(delete(model).where(model.id == other_id).execution_options(synchronize_session=False))
    if changes:  # after the delete: the kept record may take over the other's unique email or domain
        session.exec(update(model).where(model.id == kept_id).values(changes)
                     .execution_options(synchronize_session=False))


def _count(session: Session, model, where) -> int:
    return session.exec(select(func.count()).select_from(model).where(where)).one()
