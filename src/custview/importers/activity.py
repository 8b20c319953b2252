"""Appointments, tickets, services, success criteria and notes: checked, linked to their contact or company, written in batches.

A ticket whose requester is not in the book is kept with the requester's email and name
("unlinked", a warning) and linked to its contact once that contact is imported or added.
"""

from __future__ import annotations

import json

from custview.db.meeting_merge import added_decisions, merge_attendees, merge_steps
from custview.db.rows import APPOINTMENT_KINDS, CRITERION_STATUSES, SERVICE_STATUSES, TICKET_KINDS, TICKET_PRIORITIES, TICKET_STATUSES
from custview.importers.fields import Fields, made_by
from custview.importers.records import SourceRecord, preview
from custview.importers.resolve import email_in
from custview.importers.tables import stored

APPOINTMENT_FIELDS = ("contact", "purpose", "kind", "at", "attendees", "outcome", "decisions", "next_steps", "uid",
                      "made_by")
TICKET_FIELDS = ("ref", "contact", "requester", "company", "subject", "description", "status", "priority", "kind",
                 "topics", "opened", "closed", "owner", "made_by")


class ActivityWriting:
    """The appointment, ticket, service, success criterion and note handlers of `RecordWriter`."""

    def _appointment(self, record: SourceRecord) -> str | None:
        f = Fields(record, APPOINTMENT_FIELDS, self.now)
        contact_id = self.find_contact(f)
        purpose, at, uid = f.text("purpose", required=True), f.when("at", required=True), f.text("uid")
        kind = f.choice("kind", APPOINTMENT_KINDS, "other")
        said = {"purpose": purpose, "scheduled_at": at} | ({"kind": kind} if f.has("kind") else {})
        for key in ("outcome", "made_by"):
            if f.has(key):
                said[key] = f.text(key)
        decisions = f.texts("decisions")
        attendees = self._attendees(f, contact_id)
        steps = self._next_steps(f)
        if not self._finish(f):
            return None
        appointments = self.tables["appointment"]
        existing_id = self._same_meeting(contact_id, at, purpose, uid)
        if existing_id is None:  # a new meeting: without an outcome, a planned one
            contact = self.tables["contact"].get(contact_id)
            appointment_id = appointments.insert({"contact_id": contact_id, "company_id": contact["company_id"],
                                                  "kind": kind, "decisions": list(dict.fromkeys(decisions)),
                                                  "uid": uid, **said})
            outcome = "created"
        else:  # the same meeting again: add to it, never drop what was recorded since
            appointment_id = existing_id
            current = appointments.get(existing_id)
            added = added_decisions(json.loads(current["decisions"]), decisions)
            if added:
                said["decisions"] = json.loads(current["decisions"]) + added
            said["uid"] = uid or current["uid"]
            outcome = "updated" if appointments.update(existing_id, said) else "unchanged"
        details_changed = self._merge_children(appointment_id, existing_id is None, "attendee", attendees)
        details_changed |= self._merge_children(appointment_id, existing_id is None, "next_step", steps)
        return "updated" if details_changed and outcome == "unchanged" else outcome

    def _same_meeting(self, contact_id: int, at, purpose: str, uid: str | None) -> int | None:
        """The appointment that is this meeting: the same calendar UID, else the same contact, time and purpose."""
        appointments = self.tables["appointment"]
        found = appointments.find(uid=uid) if uid else None
        if found is None:
            found = appointments.find(contact_id=contact_id, scheduled_at=at, purpose=purpose)
            if found is not None and uid and appointments.get(found)["uid"] not in (None, uid):
                found = None  # another calendar event at the same time
        return found

    def _merge_children(self, appointment_id: int, new: bool, table: str, wanted: list[dict]) -> bool:
        """Add the attendees or next steps not there yet and update those that change; whether any did."""
        merge = merge_attendees if table == "attendee" else merge_steps
        current = [] if new else self.tables.children(table, "appointment_id", appointment_id)
        updates, additions = merge(current, [{key: stored(v) for key, v in w.items()} for w in wanted], self.now)
        for row, changes in updates:
            self.tables[table].update(row["id"], changes)
        for values in additions:
            self.tables[table].insert({"appointment_id": appointment_id, **values})
        return bool(updates or additions)

    def _attendees(self, f: Fields, primary_id: int | None) -> list[dict]:
        people, contacts = [], self.tables["contact"]
        for item in f.items("attendees"):
            if isinstance(item, str):
                name, _, role = item.partition(":")
                item = {"name": name, "role": role or None}
            if not isinstance(item, dict) or set(item) - {"name", "role"} or not item.get("name"):
                f.problem("attendees", "each attendee needs a `name` (and optionally a `role`)")
                continue
            name = f.text_value("attendees", item["name"], True)
            if name is None:  # not text, or not one line: the problem is noted
                continue
            contact_id, _ = self.resolve_contact(name)
            person = {"name": contacts.get(contact_id)["name"] if contact_id else name,
                      "role": f.text_value("attendees", item.get("role"), False), "contact_id": contact_id}
            if contact_id is None and (member_id := self.known_member(name)) is not None:
                person["member_id"] = member_id
            people.append(person)
        if primary_id and all(person["contact_id"] != primary_id for person in people):
            primary = contacts.get(primary_id)
            people.insert(0, {"name": primary["name"], "role": primary["buying_role"], "contact_id": primary_id})
        return people

    def _next_steps(self, f: Fields) -> list[dict]:
        steps = []
        for item in f.items("next_steps"):
            if isinstance(item, str):
                item = {"step": item}
            if not isinstance(item, dict) or set(item) - {"step", "owner", "due", "done", "made_by"} or not item.get("step"):
                f.problem("next_steps", "each next step needs a `step` (and optionally `owner`, `due`, `done`)")
                continue
            done = item.get("done", False)
            if not isinstance(done, bool):
                f.problem("next_steps", f"done must be true or false, found {preview(done)}")
                continue
            owner = f.text_value("next_steps", item.get("owner"), False)
            steps.append({
                "step": f.text_value("next_steps", item["step"], True),
                "owner": owner,
                "owner_id": self.known_member(owner),
                "due_at": f.when("next_steps", value=item["due"]) if item.get("due") not in (None, "") else None,
                "done": done,
            } | ({"made_by": f.text_value("next_steps", item["made_by"], False)} if "made_by" in item else {}))
        return steps

    def _ticket(self, record: SourceRecord) -> str | None:
        f = Fields(record, TICKET_FIELDS, self.now)
        contact_id, requester = self._requester(f) if f.has("contact") else (None, None)
        company_id = self.find_company(f) if f.has("company") else None
        if not f.has("contact") and not f.has("company"):
            f.problem("contact", "missing: a ticket needs a contact or a company")
        values = {
            "ref": f.text("ref"),
            "subject": f.text("subject", required=True),
            "status": f.choice("status", TICKET_STATUSES, "open"),
            "priority": f.choice("priority", TICKET_PRIORITIES, "normal"),
            "kind": f.choice("kind", TICKET_KINDS),
            "opened_at": f.when("opened", required=True),
            "closed_at": f.when("closed"),
        }
        for key in ("description", "topics", "made_by"):
            if f.has(key):
                values[key] = f.texts(key) if key == "topics" else f.text(key)
        owner = f.text("owner")
        if not self._finish(f):
            return None
        if owner:
            values["owner_id"] = self.owner_member(record, owner)
        company_id = self.company_after_checks(f, company_id)
        if contact_id is None and requester is not None:
            values.update(requester)
            self._note_unlinked(record, f, requester)
        values["contact_id"] = contact_id
        values["company_id"] = company_id or (self.tables["contact"].get(contact_id)["company_id"] if contact_id
                                              else None)
        if values["ref"]:
            return self._upsert("ticket", values, ref=values["ref"])
        return self._upsert("ticket", values, contact_id=contact_id, company_id=values["company_id"],
                            subject=values["subject"], opened_at=values["opened_at"])

    def _requester(self, f: Fields) -> tuple[int | None, dict | None]:
        """The ticket's contact id; or, for a requester not in the book, their email and name to keep."""
        reference = f.text("contact")
        if reference is None:
            return None, None
        found, failed_before = self.lookup_contact(reference)
        if len(found) == 1:
            return found[0], None
        if len(found) > 1 or failed_before:
            self.find_contact(f)  # says why (ambiguous), or marks the ticket as depending on a rejected contact
            return None, None
        email = email_in(reference)
        name = f.text("requester") or (reference.split(" (")[0].strip() if email != reference else None)
        return None, {"requester_email": email.lower() if "@" in email else None,
                      "requester_name": name or (None if "@" in email else reference)}

    def _note_unlinked(self, record: SourceRecord, f: Fields, requester: dict) -> None:
        who = requester["requester_email"] or requester["requester_name"]
        self.counts["tickets"]["unlinked"] += 1
        self.note_warning(f"{record.where('contact')}: {record.field_label('contact')}: {who!r} is not in the book: "
                          "ticket kept unlinked (see `custview tickets --unlinked`); it is linked when they are added")

    def _service(self, record: SourceRecord) -> str | None:
        f = Fields(record, ("company", "name", "status", "start", "end", "owner", "made_by"), self.now)
        company_id = self.find_company(f, required=True)
        values = {
            "name": f.text("name", required=True),
            "status": f.choice("status", SERVICE_STATUSES, "planned"),
            "start_at": f.when("start"),
            "end_at": f.when("end"),
            "owner": f.text("owner"),
        } | made_by(f)
        if not self._finish(f):
            return None
        values["owner_id"] = self.known_member(values["owner"])
        values["company_id"] = self.company_after_checks(f, company_id)
        return self._upsert("service", values, company_id=values["company_id"], name=values["name"])

    def _success_criterion(self, record: SourceRecord) -> str | None:
        f = Fields(record, ("company", "metric", "target", "status", "made_by"), self.now)
        company_id = self.find_company(f, required=True)
        values = {"metric": f.text("metric", required=True), "target": f.text("target"),
                  "status": f.choice("status", CRITERION_STATUSES, "on track")} | made_by(f)
        if not self._finish(f):
            return None
        values["company_id"] = self.company_after_checks(f, company_id)
        return self._upsert("success_criterion", values, company_id=values["company_id"], metric=values["metric"])

    def _note(self, record: SourceRecord) -> str | None:
        f = Fields(record, ("contact", "company", "text", "at", "author"), self.now)
        contact_id = self.find_contact(f, required=False) if f.has("contact") else None
        company_id = self.find_company(f) if f.has("company") else None
        if not f.has("contact") and not f.has("company"):
            f.problem("contact", "missing: a note belongs to a contact or a company")
        values = {"text": f.text("text", required=True), "written_at": f.when("at", required=True),
                  "author": f.text("author")}
        if not self._finish(f):
            return None
        values["contact_id"] = contact_id
        values["company_id"] = self.company_after_checks(f, company_id)
        return self._upsert("note", values, contact_id=contact_id, company_id=values["company_id"],
                            written_at=values["written_at"], text=values["text"])

    def _upsert(self, table: str, values: dict, **key) -> str:
        rows = self.tables[table]
        existing_id = rows.find(**key)
        if existing_id is None:
            rows.insert(values)
            return "created"
        return "updated" if rows.update(existing_id, values) else "unchanged"

