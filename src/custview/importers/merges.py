"""What merges made, read back from an export: a contact's or company's `aliases` and `merged` fields.

`custview export` writes, on the record kept, the other emails (contacts) or names and domains
(companies) it is also known by, and who was merged into it and when. Importing them keeps a
duplicate's old file finding the record kept, in a new book too. Written once: an alias or
merge record the book has already is left as it is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from custview.importers.fields import Fields
from custview.importers.records import preview
from custview.names import clean_domain

MERGE_FIELDS = {"contact": ("name", "email", "at"), "company": ("name", "domain", "at")}


@dataclass
class MergeHistory:
    """A record's checked `aliases` (emails, or (name, domain) pairs) and `merged` entries (name, detail, at)."""

    kind: str  # contact | company
    aliases: list = field(default_factory=list)
    merged: list[tuple[str, str | None, datetime]] = field(default_factory=list)


def read_merge_history(f: Fields, kind: str) -> MergeHistory:
    """The record's `aliases` and `merged` fields, checked; each problem noted on its field."""
    history = MergeHistory(kind)
    for item in _listed(f, "aliases"):
        alias = _contact_alias(f, item) if kind == "contact" else _company_alias(f, item)
        if alias:
            history.aliases.append(alias)
    detail_key = MERGE_FIELDS[kind][1]
    for item in _listed(f, "merged"):
        if not isinstance(item, dict) or set(item) - set(MERGE_FIELDS[kind]) or "name" not in item or "at" not in item:
            f.problem("merged", f"each entry needs `name` and `at` (and optionally `{detail_key}`), "
                                f"found {preview(item)}")
            continue
        name, at = f.text_value("merged", item["name"], True), f.when("merged", value=item["at"])
        detail = f.text_value("merged", item.get(detail_key), False)
        if name and at:
            history.merged.append((name, detail, at))
    return history


def _listed(f: Fields, name: str) -> list:
    value = f.record.data.get(name)
    return [value] if isinstance(value, (str, dict)) else f.items(name)


def _contact_alias(f: Fields, item) -> str | None:
    email = f.text_value("aliases", item, False)
    if email and "@" not in email:
        f.problem("aliases", f"{email!r} is not an email address")
        return None
    return email.lower() if email else None


def _company_alias(f: Fields, item) -> tuple[str, str | None] | None:
    if isinstance(item, dict):
        if set(item) - {"name", "domain"} or "name" not in item:
            f.problem("aliases", f"each alias is a name, or `name` and `domain`, found {preview(item)}")
            return None
        name, domain = f.text_value("aliases", item["name"], True), f.text_value("aliases", item.get("domain"), False)
        return (name, clean_domain(domain) if domain else None) if name else None
    name = f.text_value("aliases", item, False)
    return (name, None) if name else None


class MergeHistoryWriting:
    """Writes a `MergeHistory` for `RecordWriter` (which provides index, tables and note_warning)."""

    def write_merge_history(self, f: Fields, history: MergeHistory, kept_id: int) -> bool:
        """Add the aliases and merge records the book lacks to the contact or company `kept_id`; whether any were."""
        if history.kind == "contact":
            added = [self._contact_alias(f, kept_id, email) for email in history.aliases]
        else:
            added = [self._company_alias(f, kept_id, name, domain) for name, domain in history.aliases]
        added += [self._merge_record(history.kind, kept_id, *entry) for entry in history.merged]
        return any(added)

    def _contact_alias(self, f: Fields, contact_id: int, email: str) -> bool:
        index = self.index
        own = self.tables["contact"].get(contact_id)["email"]
        holder = index.emails.get(email)
        if email == own or index.aliases.get(email) == contact_id:
            return False
        if holder is not None and holder != contact_id:
            self.note_warning(f"{f.record.where('aliases')}: aliases: {email!r} is another contact's email: not "
                              "kept as an alias (merge the two with `custview merge` if they are one person)")
            return False
        self.tables["contact_alias"].insert({"contact_id": contact_id, "email": email})
        index.aliases[email] = contact_id
        index.emails.setdefault(email, contact_id)
        return True

    def _company_alias(self, f: Fields, company_id: int, name: str, domain: str | None) -> bool:
        if self.tables["company_alias"].find(company_id=company_id, name=name) is not None:
            return False
        holder = self.index.companies.get(("name", name.lower()))
        if holder is not None and holder != company_id:
            self.note_warning(f"{f.record.where('aliases')}: aliases: {name!r} is another company's name: not kept "
                              "as an alias (merge the two with `custview merge --company` if they are one)")
            return False
        self.tables["company_alias"].insert({"company_id": company_id, "name": name, "domain": domain})
        self.index.add_company(company_id, name, domain)
        return True

    def _merge_record(self, kind: str, kept_id: int, name: str, detail: str | None, at: datetime) -> bool:
        records = self.tables["merge_record"]
        key = {"kind": kind, "kept_id": kept_id, "merged_name": name, "merged_at": at}
        if records.find(**key) is not None:
            return False
        records.insert({**key, ("merged_email" if kind == "contact" else "merged_domain"): detail})
        if kind == "contact":
            self.index.merged_names.setdefault(name.lower(), []).append(kept_id)
        return True
