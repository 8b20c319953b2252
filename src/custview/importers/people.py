"""Companies and contacts: checked, matched to the book (email, aliases, name + company), written in batches."""

from __future__ import annotations

from datetime import datetime

from custview.db.rows import COMPANY_STATUSES, ENDED_STATUSES, HEALTH_LABELS
from custview.importers.fields import MAX_LONG_TEXT, MAX_TEXT, ONE_LINE_FIELDS, Fields
from custview.importers.merges import MergeHistoryWriting, read_merge_history
from custview.money import parse_amount, parse_currency
from custview.printable import has_line_break
from custview.importers.records import SourceRecord
from custview.importers.resolve import name_from_email
from custview.names import clean_domain, company_key
from custview.stages import Stage

COMPANY_FIELDS = ("name", "domain", "industry", "size", "stage", "health", "summary", "status", "renewal", "value",
                  "currency", "arr", "ended", "end_reason", "aliases", "merged",
                  "owner")
CONTACT_FIELDS = ("name", "email", "phone", "title", "company", "buying_role", "stage", "stage_since",
                  "stage_history", "preferences", "context", "aliases", "merged", "owner")
QUICK_CONTACT_FIELDS = frozenset(("name", "email", "phone", "title", "company", "buying_role", "stage", "context",
                                  "owner"))


class PeopleWriting(MergeHistoryWriting):
    """The companies and contacts handlers of `RecordWriter` (which provides index, tables, counts, problems)."""

    def _company(self, record: SourceRecord) -> str | None:
        f = Fields(record, COMPANY_FIELDS, self.now)
        name = f.text("name", required=True)
        values = {"name": name}
        for key in ("domain", "industry", "size", "summary"):
            if f.has(key):
                values[key] = f.text(key)
        if values.get("domain"):
            values["domain"] = clean_domain(values["domain"])
        if f.has("stage"):
            values["stage"] = f.stage("stage")
        if f.has("health"):
            values["health"] = f.choice("health", HEALTH_LABELS)
        values |= _commercial_values(f)
        merges = read_merge_history(f, "company")
        owner = f.text("owner")
        if not self._finish(f):
            if name:
                self._failed_companies.add(name.lower())
            return None
        if owner:
            values["owner_id"] = self.owner_member(record, owner)
        company_id, outcome = self._write_company(name, values)
        return "updated" if self.write_merge_history(f, merges, company_id) and outcome == "unchanged" else outcome

    def _write_company(self, name: str, values: dict) -> tuple[int, str]:
        """Create the company, or update the one the book knows by this name or domain: its id and the outcome."""
        companies = self.tables["company"]
        existing_id = self.index.company_id(name, values.get("domain"))
        if existing_id is None:
            company_id = companies.insert(values)
            self.index.add_company(company_id, name, values.get("domain"))
            return company_id, "created"
        existing = companies.get(existing_id)
        values["name"] = existing["name"]  # the name we know them by stays
        by_domain = values.get("domain") and values["domain"].lower() == (existing["domain"] or "").lower()
        named_by_duplicate = company_key(name) != company_key(existing["name"]) and not by_domain
        changed = companies.update(existing_id, values, fill_only=named_by_duplicate)
        if changed:
            self.index.add_company(existing_id, existing["name"], companies.get(existing_id)["domain"])
        return existing_id, "updated" if changed else "unchanged"

    def find_company(self, fields: Fields, name_field: str = "company", required: bool = False) -> int | None:
        """The id of the company a record names (forgiving "Inc."/"GmbH" and case); a problem if unknown.

        Rows of an export (CSV) may name a company we don't know yet: the export implies it, so it
        is noted in `fields.new_company` and created by `company_after_checks` once the row is good.
        """
        name = fields.text(name_field, required)
        if name is None:
            return None
        company_id = self.index.company_id(name)
        if company_id is None and name.lower() not in self._failed_companies:
            if fields.record.index is None:
                fields.new_company = name
            else:
                fields.problem(name_field, f"unknown company {name!r} (add the company first)")
        return company_id

    def company_after_checks(self, fields: Fields, company_id: int | None) -> int | None:
        """The record's company, created now if the record named one we did not know (see find_company)."""
        if company_id is None and fields.new_company:
            company_id = self.implied_company(fields.new_company)
        return company_id

    def implied_company(self, name: str) -> int:
        """The company of this name, created now if the book does not know it yet (an export row implies it)."""
        company_id = self.index.company_id(name)  # an earlier row may have created it
        if company_id is None:
            company_id = self.tables["company"].insert({"name": name})
            self.index.add_company(company_id, name, None)
            self.counts["companies"]["created"] += 1
        return company_id

    def _contact(self, record: SourceRecord) -> str | None:
        quick = self._quick_contact(record)
        if quick is not None:
            return quick
        f = Fields(record, CONTACT_FIELDS, self.now)
        email = f.text("email")
        usable_email = email is not None and "@" in email
        if email is not None and not usable_email:
            f.problem("email", f"{email!r} is not an email address")
        name = f.text("name", required=email is None)  # email-only people are contacts too
        derived = name is None and usable_email
        if derived:
            name = name_from_email(email)
        company_id = self.find_company(f)
        values = {"name": name, "name_derived": derived}
        if email:
            values["email"] = email.lower()
        for key in ("phone", "title", "buying_role", "context"):
            if f.has(key):
                values[key] = f.text(key)
        preferences = f.mapping("preferences", ("channel", "time", "tone"))
        values.update({f"preferred_{key}": value for key, value in preferences.items()})
        history = self._stage_history(f)
        stage, stage_since, owner = f.stage("stage"), f.when("stage_since"), f.text("owner")
        if stage and history and history[-1][0] != stage:
            f.problem("stage", f"is {stage!r} but the last stage_history entry is {history[-1][0]!r}")
        merges = read_merge_history(f, "contact")
        if not self._finish(f) or name is None:
            self._failed_contacts.update(key.lower() for key in (name, email) if key)
            return None
        company_id = self.company_after_checks(f, company_id)
        if company_id:
            values["company_id"] = company_id
        if owner:
            values["owner_id"] = self.owner_member(record, owner)
        contact_id, outcome = self._write_contact(values, company_id, history, stage, stage_since)
        return "updated" if self.write_merge_history(f, merges, contact_id) and outcome == "unchanged" else outcome

    def _quick_contact(self, record: SourceRecord) -> str | None:
        """A plainly good contact (what most export rows are) written without the field-by-field checks;
        None when in any doubt, for `_contact` to check it and say what is wrong."""
        data = record.data
        if not data.keys() <= QUICK_CONTACT_FIELDS:
            return None
        for key, value in data.items():
            if (value.__class__ is not str or not value or value[0].isspace() or value[-1].isspace()
                    or len(value) > (MAX_LONG_TEXT if key == "context" else MAX_TEXT) or "\x00" in value
                    or (key in ONE_LINE_FIELDS and has_line_break(value))):
                return None
        name, email, stage, company = data.get("name"), data.get("email"), data.get("stage"), data.get("company")
        stage = self._stage_named(stage) if stage else None
        company_id = self.index.company_id(company) if company else None
        if ((email and "@" not in email) or not (name or email) or (stage is None and "stage" in data)
                or (company and company_id is None and (record.index is not None
                                                        or company.lower() in self._failed_companies))):
            return None
        values = {"name": name or name_from_email(email), "name_derived": not name}
        if email:
            values["email"] = email.lower()
        values.update((key, data[key]) for key in ("phone", "title", "buying_role", "context") if key in data)
        if company and company_id is None:
            company_id = self.implied_company(company)
        if company_id:
            values["company_id"] = company_id
        if "owner" in data:
            values["owner_id"] = self.owner_member(record, data["owner"])
        return self._write_contact(values, company_id, [], stage, None)[1]

    def _stage_named(self, text: str) -> str | None:
        """The Value Path stage a text names (remembered: a file names a handful), or None."""
        if text not in self._stage_names:
            try:
                self._stage_names[text] = Stage.parse(text).value
            except ValueError:
                self._stage_names[text] = None
        return self._stage_names[text]

    def _write_contact(self, values: dict, company_id: int | None, history, stage, stage_since) -> tuple[int, str]:
        """Create the contact, or update the one the book knows (or the one a merged duplicate became): id, outcome."""
        contacts, email, name = self.tables["contact"], values.get("email"), values["name"]
        existing_id = self._existing_contact(email, name, company_id, values["name_derived"])
        kept_id = self._merged_duplicate(email, name, company_id) if existing_id is None or email else None
        if kept_id is not None:  # the record is a duplicate merged away: it fills in the contact kept, no more
            values.pop("email", None)
            values.pop("name_derived")
            return kept_id, "updated" if contacts.update(kept_id, values, fill_only=True) else "unchanged"
        if existing_id is None:  # placed on the path in the same insert
            values["stage"] = stage or (history[-1][0] if history else "Audience")
            values["stage_since"] = history[-1][1] if history else (stage_since or self.now_stored)
            contact_id = contacts.insert(values)
            self.index.add_contact(contact_id, name, email)
            if history:
                self._apply_stages(contact_id, history, stage, stage_since, placed=False)
            else:
                self.tables["stage_change"].insert({"contact_id": contact_id, "stage": values["stage"],
                                                    "changed_at": values["stage_since"], "source": "import"})
            return contact_id, "created"
        before = dict(contacts.get(existing_id))
        if values["name_derived"]:
            values.pop("name"), values.pop("name_derived")  # a name made from the email never replaces one
        elif before["name"] != name:
            self.index.rename_contact(existing_id, before["name"], name)
        changed = contacts.update(existing_id, values)
        if email:
            self.index.add_contact(existing_id, values.get("name", before["name"]), email)
        moved = self._apply_stages(existing_id, history, stage, stage_since, placed=True)
        after = contacts.get(existing_id)
        if after["stage"] != before["stage"]:
            self.stage_changes.append((after["name"], before["stage"], after["stage"]))
        return existing_id, "updated" if changed or moved else "unchanged"

    def _stage_history(self, f: Fields) -> list[tuple[str, datetime, str | None, str]]:
        """The record's stage history as (stage, at, made by, source), oldest first."""
        entries = []
        for item in f.items("stage_history"):
            if not isinstance(item, dict) or set(item) - {"stage", "at", "made_by", "source"} \
                    or not {"stage", "at"} <= set(item):
                f.problem("stage_history", "each entry needs exactly `stage` and `at` (and may say who `made_by` "
                                           "and from what `source`)")
                continue
            stage, at = f.stage("stage_history", item["stage"]), f.when("stage_history", value=item["at"])
            if stage and at:
                entries.append((stage, at, f.text_value("stage_history", item.get("made_by"), False),
                                f.text_value("stage_history", item.get("source"), False) or "import"))
        return sorted(entries, key=lambda entry: entry[1])

    def _existing_contact(self, email: str | None, name: str, company_id: int | None, derived: bool) -> int | None:
        """The contact with this email, else the one contact of this name (at this company) without another email."""
        if email and (found := self.index.emails.get(email)) is not None:
            return found
        if derived:
            return None  # a name made from an email says nothing about who else has it
        contacts = self.tables["contact"]
        candidates = [contact_id for contact_id in self.index.named(name)
                      if (row := contacts.get(contact_id)) and (company_id is None or row["company_id"] == company_id)
                      and not (email and row["email"])]
        return candidates[0] if len(candidates) == 1 else None

    def _merged_duplicate(self, email: str | None, name: str, company_id: int | None) -> int | None:
        """The contact a merged duplicate became, if this record names one: by its email, else by its name alone."""
        if email:
            return self.index.aliases.get(email)
        contacts = self.tables["contact"]
        kept = [contact_id for contact_id in dict.fromkeys(self.index.merged_names.get(name.lower(), ()))
                if (row := contacts.get(contact_id)) and (company_id is None or row["company_id"] in (None, company_id))]
        return kept[0] if len(kept) == 1 else None

    def _apply_stages(self, contact_id: int, history, stage: str | None, stage_since, placed: bool) -> bool:
        """Bring stage history and current stage in line with the record; True if anything changed."""
        changes, contacts = self.tables["stage_change"], self.tables["contact"]
        changed = False
        previous = None
        for entry_stage, at, made_by, source in history:
            if changes.find(contact_id=contact_id, stage=entry_stage, changed_at=at) is None:
                changes.insert({"contact_id": contact_id, "stage": entry_stage, "previous_stage": previous,
                                "changed_at": at, "source": source, "made_by": made_by})
                changed = True
            previous = entry_stage
        row = contacts.get(contact_id)
        target = stage or (history[-1][0] if history else None) or (None if placed else "Audience")
        if target is None:
            return changed
        if history:
            since = history[-1][1]
        elif placed and row["stage"] == target:
            since = stage_since or row["stage_since"]
        else:
            since = stage_since or self.now
            changes.insert({"contact_id": contact_id, "stage": target, "changed_at": since, "source": "import",
                            "previous_stage": row["stage"] if placed else None})
            changed = placed
        return contacts.update(contact_id, {"stage": target, "stage_since": since}) or changed


def _commercial_values(f: Fields) -> dict:
    """A company record's status, renewal and contract: checked, each problem noted on its field."""
    values: dict = {}
    if f.has("status"):
        values["status"] = f.choice("status", COMPANY_STATUSES)
    for key, column in (("renewal", "renewal_at"), ("ended", "ended_at")):
        if f.has(key):
            values[column] = f.when(key)
    if f.has("end_reason"):
        values["end_reason"] = f.text("end_reason")
    for key, column, parse in (("value", "contract_value", parse_amount), ("currency", "contract_currency",
                                                                          parse_currency)):
        if f.has(key):
            try:
                values[column] = parse(f.record.data[key])
            except ValueError as error:
                f.problem(key, str(error))
    if f.has("value") and not f.has("currency"):
        f.problem("value", "a contract value needs its currency (currency: EUR)")
    if f.has("arr"):
        arr = f.record.data["arr"]
        if isinstance(arr, str) and arr.strip().lower() in ("true", "false"):  # a CSV cell
            arr = arr.strip().lower() == "true"
        if isinstance(arr, bool):
            values["contract_arr"] = arr
        else:
            f.problem("arr", f"expected true or false, found {arr!r}")
    if (f.has("ended") or f.has("end_reason")) and values.get("status") not in ENDED_STATUSES:
        f.problem("ended" if f.has("ended") else "end_reason",
                  "an end date or reason belongs to a churned or lost company (status: churned)")
    return values
