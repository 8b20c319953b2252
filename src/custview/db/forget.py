"""Forgetting a person: everything that belongs only to them, counted and (when asked) removed."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import and_, delete, func, or_, update
from sqlmodel import Session, select

from custview.db.models import (
    Appointment, Attendee, Company, Contact, ContactAlias, Handover, ImportChange, MergeRecord, NextStep, Note, Signal,
    StageChange, Ticket,
)
from custview.errors import UserError

FORGET_KINDS = ("contact", "signals", "stage_changes", "notes", "tickets", "appointments", "appointment_attendees",
                "appointment_next_steps", "attendance_elsewhere", "aliases", "merges")


@dataclass
class ForgetReport:
    """What forgetting a contact removes: a count per kind of record, and the tickets kept for their company."""

    name: str
    company: str | None
    removed: dict[str, int]
    tickets_unlinked: int
    names_cleared: int = 0  # others' next steps they owned and notes they wrote, kept without their name
    backups: list[str] = field(default_factory=list)  # copies of the book that still hold them
    space_kept: bool = False  # the freed space was zeroed but stays in the file (no incremental vacuum)

    @property
    def total(self) -> int:
        """How many records are removed in all."""
        return sum(self.removed.values())


def forget(session: Session, contact_id: int, remove: bool) -> ForgetReport:
    """Count (and, if `remove`, delete) a contact and everything that belongs only to them.

    Removed: their signals, stage history and notes; their tickets that belong to no company; the
    appointments where they are the main contact, with those appointments' attendees and next
    steps; their place among the attendees of anyone else's appointments (linked to them, or
    unlinked with exactly their name); the emails and records of duplicates merged into them. Kept: company records, other people's appointments, and
    their tickets that belong to a company, which stay with the company, no longer linked to them.
    """
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise UserError(f"No contact with id {contact_id}.")
    company = session.get(Company, contact.company_id) if contact.company_id else None
    theirs = select(Appointment.id).where(Appointment.contact_id == contact_id)
    is_them = or_(Attendee.contact_id == contact_id, and_(Attendee.contact_id.is_(None), Attendee.name == contact.name))
    parts = {  # children before parents: the foreign keys are enforced
        "appointment_next_steps": (NextStep, NextStep.appointment_id.in_(theirs)),
        "appointment_attendees": (Attendee, Attendee.appointment_id.in_(theirs)),
        "attendance_elsewhere": (Attendee, and_(Attendee.appointment_id.not_in(theirs), is_them)),
        "appointments": (Appointment, Appointment.contact_id == contact_id),
        "signals": (Signal, Signal.contact_id == contact_id),
        "stage_changes": (StageChange, StageChange.contact_id == contact_id),
        "notes": (Note, Note.contact_id == contact_id),
        "tickets": (Ticket, and_(Ticket.contact_id == contact_id, Ticket.company_id.is_(None))),
        "aliases": (ContactAlias, ContactAlias.contact_id == contact_id),
        "merges": (MergeRecord, and_(MergeRecord.kind == "contact", MergeRecord.kept_id == contact_id)),
    }
    kept_tickets = and_(Ticket.contact_id == contact_id, Ticket.company_id.is_not(None))
    their_name = {  # others' records that name them: kept, with the name taken off
        (NextStep, "owner"): and_(NextStep.appointment_id.not_in(theirs), func.lower(NextStep.owner) == contact.name.lower()),
        (Note, "author"): and_(or_(Note.contact_id.is_(None), Note.contact_id != contact_id),
                               func.lower(Note.author) == contact.name.lower()),
    }
    counts = {kind: _count(session, model, where) for kind, (model, where) in parts.items()}
    removed = {"contact": 1, **{kind: counts[kind] for kind in FORGET_KINDS[1:]}}
    report = ForgetReport(contact.name, company.name if company else None, removed,
                          _count(session, Ticket, kept_tickets),
                          sum(_count(session, model, where) for (model, _), where in their_name.items()))
    if remove:
        for model, where in [*parts.values(), (Contact, Contact.id == contact_id)]:
            _forget_import_history(session, model, where)
        for (model, column), where in their_name.items():
            _clear_name(session, model, column, where, contact.name)
        for model, where in parts.values():
            session.exec(delete(model).where(where).execution_options(synchronize_session=False))
        session.exec(update(Ticket).where(kept_tickets).values(contact_id=None)
                     .execution_options(synchronize_session=False))
        # their own hand-overs go with them (an account's hand-overs stay with the account)
        session.exec(delete(Handover).where(Handover.contact_id == contact_id)
                     .execution_options(synchronize_session=False))
        session.exec(delete(Contact).where(Contact.id == contact_id).execution_options(synchronize_session=False))
        session.expunge_all()
    return report


def _forget_import_history(session: Session, model, where) -> None:
    """Drop what the import history kept of the rows about to be deleted (their values are personal data)."""
    session.exec(delete(ImportChange).where(
        ImportChange.table_name == model.__tablename__, ImportChange.last_row_id.is_(None),
        ImportChange.row_id.in_(select(model.id).where(where))).execution_options(synchronize_session=False))


def _clear_name(session: Session, model, column: str, where, name: str) -> None:
    """Take their name off these rows, and off what the import history kept of the rows."""
    ids = select(model.id).where(where)
    on_server = session.get_bind().dialect.name == "postgresql"
    for side in ("before", "after"):
        value, cleared = (_server_json if on_server else _file_json)(getattr(ImportChange, side), column)
        session.exec(update(ImportChange).where(
            ImportChange.table_name == model.__tablename__, ImportChange.row_id.in_(ids),
            func.lower(value) == name.lower()).values({side: cleared})
            .execution_options(synchronize_session=False))
    session.exec(update(model).where(where).values({column: None}).execution_options(synchronize_session=False))


def _file_json(kept, column: str):
    """(the value of `column` in the JSON text `kept`, the JSON text with it set to null), in SQLite's JSON functions."""
    return func.json_extract(kept, f"$.{column}"), func.json_set(kept, f"$.{column}", None)


def _server_json(kept, column: str):
    """The same as `_file_json` in PostgreSQL's (`column` is one of custview's own names, never user input)."""
    from sqlalchemy import Text, cast, literal_column
    from sqlalchemy.dialects.postgresql import JSONB

    document = cast(kept, JSONB)
    cleared = func.jsonb_set(document, literal_column(f"'{{{column}}}'"), literal_column("'null'::jsonb"))
    return func.jsonb_extract_path_text(document, column), cast(cleared, Text)


def backups_holding(path: Path, name: str, email: str | None) -> list[Path]:
    """The copies of the book kept before upgrades (`NAME.bak-N`) that still hold this contact."""
    import sqlite3

    found = []
    for backup in sorted(path.parent.glob(f"{path.name}.bak-*")):
        try:
            copy = sqlite3.connect(f"{backup.absolute().as_uri()}?mode=ro&immutable=1", uri=True)
            try:
                held = copy.execute("SELECT 1 FROM contact WHERE name = ? COLLATE NOCASE OR email = ? COLLATE NOCASE",
                                    (name, email or name)).fetchone()
            finally:
                copy.close()
        except sqlite3.DatabaseError:
            held = True  # cannot look inside: say it may hold them
        if held:
            found.append(backup)
    return found


def _count(session: Session, model, where) -> int:
    return session.exec(select(func.count()).select_from(model).where(where)).one()
