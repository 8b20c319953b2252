"""Read vCard files (`.vcf`, versions 3.0 and 4.0, as phone address books and mail clients export
them) into contact records, parsed by the vobject library.

Each card becomes a contact: name (FN, else N), email, phone, title, company (ORG) and context
(NOTE). A card may hold several emails and phones; custview keeps one of each (the preferred one,
else a work one, else the first) and lists the others in the context. A card for an organisation
(vCard 4 `KIND:org`, Apple's `X-ABShowAs:COMPANY`) becomes a company; group cards are left out.
A company an address book names is taken to exist: if custview doesn't know it, it is created.
"""

from __future__ import annotations

import quopri
import re
from pathlib import Path

from custview.errors import UserError
from custview.importers.content_lines import component_starts, read_text, without_trailing_lines
from custview.importers.records import SourceRecord
from custview.printable import printable

# The vCard property each field comes from, for error messages ("cards.vcf:12: EMAIL: …").
CONTACT_PROPERTIES = {"name": "FN", "email": "EMAIL", "phone": "TEL", "title": "TITLE", "company": "ORG",
                      "context": "NOTE"}
COMPANY_PROPERTIES = {"name": "FN", "domain": "URL"}


def read_vcard_records(path: Path, notes: list[str] | None = None, warnings: list[str] | None = None) -> list[SourceRecord]:
    """A contact (or company) record for every card in a vCard file; UserError if the file is broken.

    How the file was read goes to `notes`; stray lines after its last card, left out, to `warnings`.
    """
    import vobject

    text = without_trailing_lines(path, read_text(path, "vCard", notes), "VCARD", "vCard", warnings)
    starts = component_starts(text, "VCARD")
    records: list[SourceRecord] = []
    cards = vobject.readComponents(decode_quoted_printable(text), allowQP=True)
    while True:
        line = starts[len(records)] if len(records) < len(starts) else None
        try:
            card = next(cards, None)
        except vobject.base.ParseError as error:
            raise UserError(f"{path}:{getattr(error, 'lineNumber', None) or line}: broken vCard: "
                            f"{_reason(error)}") from None
        except Exception:  # noqa: BLE001 - the library's other errors are about the card's content
            # Its messages are Python's (codec errors, reprs): say what the user can act on instead.
            raise UserError(f"{path}:{line}: broken vCard: a value of this card cannot be decoded "
                            "(check its ENCODING and CHARSET)") from None
        if card is None:
            return [record for record in records if record is not None]
        records.append(card_record(card, str(path), line))


def card_record(card, file: str, line: int) -> SourceRecord | None:
    """The record one parsed card stands for: a company, a contact, or None for a group card."""
    kind = _first_text(card, "kind").lower()
    if kind in ("group", "location"):
        return None
    if kind == "org" or _first_text(card, "x-abshowas").upper() == "COMPANY":
        data = {"name": _name(card) or _organisation(card), "domain": _unescaped(_first_text(card, "url"))}
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


def _unescaped(value: str) -> str:
    """A value without vCard's backslash escapes (`http\\://x` as some exporters write a URL)."""
    return re.sub(r"\\(.)", r"\1", value)


def decode_quoted_printable(text: str) -> str:
    """The text with vCard 2.1's QUOTED-PRINTABLE values decoded (in their CHARSET, else UTF-8) and
    their soft line breaks joined, for vobject, which decodes them only when the parameter is upper case."""
    lines, out, index = text.split("\n"), [], 0
    while index < len(lines):
        line = lines[index].rstrip("\r")
        head, colon, value = line.partition(":")
        if colon and _QP.search(head) and ";" in head:
            while value.endswith("=") and index + 1 < len(lines):
                index += 1
                value = value[:-1] + lines[index].rstrip("\r")
            charset = _CHARSET.search(head)
            decoded = _decode(quopri.decodestring(value.encode("latin-1", "replace")), charset[1] if charset else "utf-8")
            if head.split(";", 1)[0].upper() not in ("N", "ADR", "ORG"):  # plain text: escaped as vCard 3 does
                decoded = decoded.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")
            line = _QP_PARAMS.sub("", head) + ":" + decoded.replace("\r\n", "\\n").replace("\n", "\\n")
        out.append(line)
        index += 1
    return "\n".join(out)


def _decode(data: bytes, charset: str) -> str:
    try:
        return data.decode(charset, "replace")
    except LookupError:  # a charset Python does not know: UTF-8 is the likeliest
        return data.decode("utf-8", "replace")


_QP = re.compile(r";(?:ENCODING=)?QUOTED-PRINTABLE(?=[;:]|$)", re.IGNORECASE)
_CHARSET = re.compile(r";CHARSET=([^;:]+)", re.IGNORECASE)
_QP_PARAMS = re.compile(r";(?:(?:ENCODING=)?QUOTED-PRINTABLE|CHARSET=[^;:]+)(?=[;:]|$)", re.IGNORECASE)


def _without_blanks(data: dict) -> dict:
    return {key: value for key, value in data.items() if value}


def _reason(error) -> str:
    """vobject's message for a line it cannot read, in custview's words."""
    message = str(getattr(error, "msg", error))
    if message.startswith("Failed to parse line:"):
        return f"cannot read the line {message.split(':', 1)[1].strip()[:60]!r} (expected NAME:value)"
    return printable(message)[:200]
