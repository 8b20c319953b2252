"""Read vCard files (`.vcf`, versions 3.0 and 4.0, as phone address books and mail clients export
them) into contact records, parsed by the vobject library.

Each card becomes a contact: name (FN, else N), email, phone, title, company (ORG) and context
(NOTE). A card may hold several emails and phones; custview keeps one of each (the preferred one,
else a work one, else the first) and lists the others in the context. A card for an organisation
(vCard 4 `KIND:org`, Apple's `X-ABShowAs:COMPANY`) becomes a company; group cards are left out.
A company an address book names is taken to exist: if custview doesn't know it, it is created.
"""

from __future__ import annotations

from pathlib import Path

from custview.errors import UserError
from custview.importers.content_lines import check_nesting, component_starts, read_text
from custview.importers.records import SourceRecord
from custview.printable import printable

# The vCard property each field comes from, for error messages ("cards.vcf:12: EMAIL: …").
CONTACT_PROPERTIES = {"name": "FN", "email": "EMAIL", "phone": "TEL", "title": "TITLE", "company": "ORG",
                      "context": "NOTE"}
COMPANY_PROPERTIES = {"name": "FN", "domain": "URL"}


def read_vcard_records(path: Path) -> list[SourceRecord]:
    """A contact (or company) record for every card in a vCard file; UserError if the file is broken."""
    import vobject

    text = read_text(path, "vCard")
    check_nesting(path, text, "VCARD", "vCard")
    starts = component_starts(text, "VCARD")
    records: list[SourceRecord] = []
    cards = vobject.readComponents(text, allowQP=True)
    while True:
        line = starts[len(records)] if len(records) < len(starts) else None
        try:
            card = next(cards, None)
        except vobject.base.ParseError as error:
            raise UserError(f"{path}:{getattr(error, 'lineNumber', None) or line}: broken vCard: "
                            f"{_reason(error)}") from None
        except Exception as error:  # noqa: BLE001 - the library's other errors are about the card's content
            raise UserError(f"{path}:{line}: broken vCard: {printable(str(error))[:200]}") from None
        if card is None:
            return [record for record in records if record is not None]
        records.append(card_record(card, str(path), line))


def card_record(card, file: str, line: int) -> SourceRecord | None:
    """The record one parsed card stands for: a company, a contact, or None for a group card."""
    kind = _first_text(card, "kind").lower()
    if kind in ("group", "location"):
        return None
    if kind == "org" or _first_text(card, "x-abshowas").upper() == "COMPANY":
        data = {"name": _name(card) or _organisation(card), "domain": _first_text(card, "url")}
        return SourceRecord("companies", _without_blanks(data), file, None, line, columns=COMPANY_PROPERTIES)
    emails, phones = _ranked(card, "email"), [_phone(value) for value in _ranked(card, "tel")]
    data = {
        "name": _name(card),
        "email": emails[0] if emails else None,
        "phone": phones[0] if phones else None,
        "title": _first_text(card, "title"),
        "company": _organisation(card),
        "context": _context(_first_text(card, "note"), emails[1:], phones[1:]),
    }
    return SourceRecord("contacts", _without_blanks(data), file, None, line, columns=CONTACT_PROPERTIES)


def _name(card) -> str:
    """FN, the name as the person wants it shown; else the given and family names from N."""
    full = _first_text(card, "fn")
    if full:
        return full
    names = card.contents.get("n")
    if not names or not hasattr(names[0].value, "given"):
        return ""
    n = names[0].value
    parts = [n.given, n.additional, n.family]
    return " ".join(" ".join(part) if isinstance(part, list) else part for part in parts if part).strip()


def _organisation(card) -> str:
    """The organisation's name: the first part of ORG (the rest are departments)."""
    lines = card.contents.get("org")
    if not lines:
        return ""
    value = lines[0].value
    return (value[0] if isinstance(value, list) and value else str(value or "")).strip()


def _first_text(card, name: str) -> str:
    lines = card.contents.get(name)
    return str(lines[0].value).strip() if lines and isinstance(lines[0].value, str) else ""


def _ranked(card, name: str) -> list[str]:
    """The values of a property, preferred first (PREF=1 in vCard 4, TYPE=pref in 3), then work ones, then the rest."""
    def rank(indexed) -> tuple:
        index, line = indexed
        types = {part.strip().lower() for value in line.params.get("TYPE", []) for part in value.split(",")}
        pref = line.params.get("PREF", [])
        preference = int(pref[0]) if pref and str(pref[0]).isdigit() else (1 if "pref" in types else 101)
        return preference, 0 if "work" in types else 1, index

    lines = sorted(enumerate(card.contents.get(name, [])), key=rank)
    values = [str(line.value).strip() for _, line in lines if isinstance(line.value, str)]
    return list(dict.fromkeys(value for value in values if value))


def _phone(value: str) -> str:
    """A phone number as people write it: vCard 4's `tel:+1-555-0100` URI without its scheme."""
    return value[4:] if value.lower().startswith("tel:") else value


def _context(note: str, other_emails: list[str], other_phones: list[str]) -> str:
    lines = [note] if note else []
    if other_emails:
        lines.append("Other emails: " + ", ".join(other_emails))
    if other_phones:
        lines.append("Other phones: " + ", ".join(other_phones))
    return "\n".join(lines)


def _without_blanks(data: dict) -> dict:
    return {key: value for key, value in data.items() if value}


def _reason(error) -> str:
    """vobject's message for a line it cannot read, in custview's words."""
    message = str(getattr(error, "msg", error))
    if message.startswith("Failed to parse line:"):
        return f"cannot read the line {message.split(':', 1)[1].strip()[:60]!r} (expected NAME:value)"
    return printable(message)[:200]
