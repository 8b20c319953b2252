"""Our own people in an import: the `members` section, and owners named on the other records.

An owner of a contact, company or ticket is one of our people, and so are both sides of a recorded
hand-over (the `handovers` section: who handed a contact or an account to whom, when; an export
brings them back as history, the owners themselves are on the records). A name (or email) that is not a
member yet becomes one, with no team (a warning says so, once per name: set the team with
`custview add member NAME --team T`). A service's or next step's owner is kept as written (a next
step can be the customer's) and linked to the member it names, when it names one. An attendee
who is a member is linked as ours; an old "Dana Ortiz (us)" is read as "Dana Ortiz".
"""

from __future__ import annotations

from custview.db.rows import TEAMS
from custview.importers.fields import Fields, made_by
from custview.importers.records import SourceRecord
from custview.importers.resolve import email_in, name_from_email

MEMBER_FIELDS = ("name", "email", "team", "role")
HANDOVER_FIELDS = ("contact", "company", "from", "to", "at", "steps_moved", "made_by")
# An attendee's name as a member is named: without an old " (us)".
# An attendee's name without its " (us)" mark (qualified: inside the member subquery, `name` is the member's).
_WITHOUT_US = ("(CASE WHEN lower(attendee.name) LIKE '% (us)' THEN rtrim(substr(attendee.name, 1, "
               "length(attendee.name) - 5)) ELSE attendee.name END)")


class MemberIndex:
    """Member ids by lower-case name and email, loaded once per import and kept in step with it."""

    def __init__(self, connection):
        self.keys: dict[str, int] = {}
        self._found: dict[str, int] = {}  # references already resolved (a file names the same few owners)
        for member_id, name, email in connection.execute("SELECT id, name, email FROM member ORDER BY id"):
            self.add(member_id, name, email)

    def add(self, member_id: int, name: str, email: str | None) -> None:
        """Index a member just written (or loaded)."""
        self._found.clear()  # a reference may now mean this one (by email, say, rather than by name)
        for key in (name, email):
            if key:
                self.keys.setdefault(key.lower(), member_id)

    def find(self, reference: str) -> int | None:
        """The member a name, email, "Name (email)" or an old "Name (us)" means, or None."""
        found = self._found.get(reference)
        if found is not None:
            return found
        for key in (email_in(reference), reference.split(" (")[0].strip(), reference):
            if key.lower() in self.keys:
                found = self._found[reference] = self.keys[key.lower()]
                return found
        return None


class MemberWriting:
    """The members handler of `RecordWriter`, and the owners other handlers link to."""

    _members: MemberIndex | None = None

    @property
    def members(self) -> MemberIndex:
        """The book's members, loaded at the first record that needs them."""
        if self._members is None:
            self._members = MemberIndex(self.connection)
        return self._members

    def _member(self, record: SourceRecord) -> str | None:
        f = Fields(record, MEMBER_FIELDS, self.now)
        name = f.text("name", required=True)
        values = {"name": name}
        if f.has("email"):
            email = f.text("email")
            if email and "@" not in email:
                f.problem("email", f"{email!r} is not an email address")
            values["email"] = email.lower() if email else None
        if f.has("team"):
            values["team"] = f.choice("team", TEAMS)
        if f.has("role"):
            values["role"] = f.text("role")
        if not self._finish(f):
            return None
        members = self.tables["member"]
        existing_id = self.members.find(values.get("email") or name)
        if existing_id is None:
            existing_id = self.members.find(name)
        if existing_id is None:
            self.members.add(members.insert(values), name, values.get("email"))
            return "created"
        values["name"] = members.get(existing_id)["name"]  # the name we know them by stays
        return "updated" if members.update(existing_id, values) else "unchanged"

    def _handover(self, record: SourceRecord) -> str | None:
        f = Fields(record, HANDOVER_FIELDS, self.now)
        contact_id = self.find_contact(f) if f.has("contact") else None
        company_id = self.find_company(f) if f.has("company") else None
        if f.has("contact") == f.has("company"):
            f.problem("contact", "a hand-over is of one contact or of one account: give a contact or a company")
        handed_from, handed_to = f.text("from"), f.text("to", required=True)
        values = {"contact_id": contact_id, "handed_at": f.when("at", required=True),
                  "steps_moved": f.whole_number("steps_moved")} | made_by(f)
        if not self._finish(f):
            return None
        values["company_id"] = self.company_after_checks(f, company_id)
        values["from_member_id"] = self.owner_member(record, handed_from, "from")
        values["to_member_id"] = self.owner_member(record, handed_to, "to")
        return self._upsert("handover", values, contact_id=contact_id, company_id=values["company_id"],
                            to_member_id=values["to_member_id"], handed_at=values["handed_at"])

    def owner_member(self, record: SourceRecord, owner: str | None, field: str = "owner") -> int | None:
        """The member who owns a record (checked already); a new member, with a warning, if the name is new."""
        if owner is None:
            return None
        found = self.members.find(owner)
        if found is not None:
            return found
        email = email_in(owner)
        values = {"name": owner.split(" (")[0].strip() if email != owner else owner}
        if "@" in email:
            values["email"] = email.lower()
            if email == owner:
                values["name"] = name_from_email(email)
        member_id = self.tables["member"].insert(values)
        self.members.add(member_id, values["name"], values.get("email"))
        self.counts["members"]["created"] += 1
        self.note_warning(f"{record.where(field)}: {record.field_label(field)}: {values['name']!r} is new to the team: "
                          f"added as a member with no team yet (custview add member {_quoted(values['name'])} "
                          "--team T)")
        return member_id

    def link_new_members(self) -> None:
        """Link the book's services, next steps and attendees that name a member by name but are not linked yet
        (written before that member was added): what an export of the book would link when read again."""
        member = "(SELECT m.id FROM member AS m WHERE m.name = {0} OR m.email = {0} ORDER BY m.id LIMIT 1)"
        for table, column, named in (("service", "owner_id", "service.owner"), ("next_step", "owner_id", "next_step.owner"),
                                     ("attendee", "member_id", _WITHOUT_US)):
            found = member.format(named)
            extra = " AND contact_id IS NULL" if table == "attendee" else ""
            self.connection.execute(f"UPDATE {table} SET {column} = {found} WHERE {column} IS NULL{extra} "
                                    f"AND {found} IS NOT NULL")

    def known_member(self, name: str | None) -> int | None:
        """The member a service's or next step's owner, or an attendee, names; None if it names none."""
        return self.members.find(name) if name else None


def _quoted(name: str) -> str:
    return f'"{name}"' if " " in name else name
