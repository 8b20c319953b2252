"""The one index of the book's contacts and companies an import resolves references with.

Loaded once per import from the database (one query per table), then kept in step with every
contact and company the import writes: resolving a row is a few dictionary look-ups, never a query.
Keys are lower case (emails are stored that way); names also match without accents' case.
Duplicates merged away still lead to the record kept: their emails and names are in the index too.
"""

from __future__ import annotations

import re
from functools import lru_cache

from custview.names import company_key

# A file names the same companies row after row: reduce each name once.
reduced_name = lru_cache(maxsize=1 << 16)(company_key)

EMAIL_IN_TEXT = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")


class BookIndex:
    """Contact ids by email and by name, company ids by name, domain and reduced name (see `company_key`)."""

    def __init__(self, connection):
        self.emails: dict[str, int] = {}  # a contact's email, or one kept from a duplicate merged into them
        self.aliases: dict[str, int] = {}  # only the merged duplicates' emails
        self.names: dict[str, int | list[int]] = {}  # several ids where a name is shared
        self.merged_names: dict[str, list[int]] = {}  # merged duplicates' names -> the contacts kept
        self.companies: dict[tuple[str, str], int] = {}  # ("name" | "domain" | "key", value) -> id
        run = connection.execute
        emails, claim = self.emails, self.names.setdefault
        for contact_id, name, email in run("SELECT id, name, email FROM contact ORDER BY id"):
            if email:
                emails[email.lower()] = contact_id
            if claim(name.lower(), contact_id) != contact_id:  # a name several people share
                self.add_contact(contact_id, name, None)
        for contact_id, email in run("SELECT contact_id, email FROM contact_alias ORDER BY id"):
            self.emails.setdefault(email.lower(), contact_id)
            self.aliases[email.lower()] = contact_id
        for contact_id, name in run("SELECT kept_id, merged_name FROM merge_record WHERE kind = 'contact' ORDER BY id"):
            self.merged_names.setdefault(name.lower(), []).append(contact_id)
        for row in run("SELECT id, name, domain FROM company ORDER BY id"):
            self.add_company(*row)
        for row in run("SELECT company_id, name, domain FROM company_alias ORDER BY id"):
            self.add_company(*row)  # merged duplicates: after the real ones, which win

    # -- contacts -------------------------------------------------------------------------------

    def add_contact(self, contact_id: int, name: str, email: str | None) -> None:
        """Index a contact just written (or loaded)."""
        if email:
            self.emails[email.lower()] = contact_id
        key = name.lower()
        known = self.names.get(key)
        if known is None or known == contact_id:
            self.names[key] = contact_id
        elif isinstance(known, int):
            self.names[key] = [known, contact_id]
        elif contact_id not in known:
            known.append(contact_id)

    def rename_contact(self, contact_id: int, old_name: str, new_name: str) -> None:
        """Move a contact from one name to another (a derived name replaced by a real one)."""
        key = old_name.lower()
        known = self.names.get(key)
        if known == contact_id:
            del self.names[key]
        elif isinstance(known, list) and contact_id in known:
            known.remove(contact_id)
        self.add_contact(contact_id, new_name, None)

    def named(self, name: str) -> list[int]:
        """The ids of the contacts with this whole name (any case)."""
        known = self.names.get(name.lower())
        return [] if known is None else [known] if isinstance(known, int) else list(known)

    def matching(self, reference: str) -> list[int]:
        """The contacts whose email (or a merged duplicate's) or whole name is `reference`, any case."""
        key = reference.lower()
        found = self.named(key)
        by_email = self.emails.get(key)
        if by_email is not None and by_email not in found:
            found.append(by_email)
        return found

    def contact_id(self, reference: str) -> int | None:
        """The one contact an email or name means, else None (unknown, or a name several people share)."""
        key = reference.lower()
        found = self.emails.get(key)
        if found is None:
            named = self.names.get(key)
            found = named if isinstance(named, int) else None
        return found

    # -- companies ------------------------------------------------------------------------------

    def add_company(self, company_id: int, name: str, domain: str | None) -> None:
        """Index a company just written (or loaded); keys already taken stay with their company."""
        known = self.companies
        known.setdefault(("name", name.lower()), company_id)
        reduced = reduced_name(name)
        if reduced:
            known.setdefault(("key", reduced), company_id)
        if domain:
            known.setdefault(("domain", domain.lower()), company_id)

    def company_id(self, name: str | None, domain: str | None = None) -> int | None:
        """The company of this exact name, else of this domain, else of the same name without legal suffixes."""
        known = self.companies
        if name and (found := known.get(("name", name.lower()))) is not None:
            return found
        if domain and (found := known.get(("domain", domain.lower()))) is not None:
            return found
        reduced = reduced_name(name) if name else ""
        return known.get(("key", reduced)) if reduced else None


def email_in(reference: str) -> str:
    """The email in a reference like "Sarah Chen (sarah@northwind.example)", as exports write associations;
    the reference itself when it holds no email or is one."""
    found = EMAIL_IN_TEXT.search(reference)
    return found.group(0) if found else reference


def name_from_email(email: str) -> str:
    """A display name from an email's local part: "priya.raman@x" -> "Priya Raman", "jdoe+news@x" -> "Jdoe"."""
    local = email.split("@", 1)[0].split("+", 1)[0]
    words = [word for word in re.split(r"[._\-]+", local) if word]
    return " ".join(word[:1].upper() + word[1:] for word in words) or local or email
