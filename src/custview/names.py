"""Names as people write them, reduced for matching: case, accents, punctuation and legal suffixes ignored.

Standard library only: the importer, duplicate detection and merging all use these, and must agree.
"""

from __future__ import annotations

import re
import unicodedata

_LEGAL_SUFFIXES = {"inc", "incorporated", "ltd", "limited", "llc", "llp", "plc", "gmbh", "ag", "bv", "nv", "sa",
                   "sas", "sarl", "srl", "spa", "oy", "ab", "as", "aps", "pty", "co", "corp", "corporation",
                   "company", "kg", "se"}


def words_of(text: str) -> list[str]:
    """The words of a text in lower case, without accents or punctuation, in any script."""
    if text.isascii():  # no accents to take off, and lower is casefold
        return re.findall(r"[^\W_]+", text.lower())
    decomposed = unicodedata.normalize("NFKD", text)
    folded = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return re.findall(r"[^\W_]+", folded)


def plain_words(name: str) -> list[str]:
    """The words of a person's name ("Núñez, José" -> ["jose", "nunez"]): "Last, First" is turned round."""
    if name.count(",") == 1:
        last, first = name.split(",")
        name = f"{first} {last}"
    return words_of(name)


def company_key(name: str) -> str:
    """A company name reduced for matching ("Acme Analytics, Inc." -> "acme analytics"); "" if nothing is left."""
    words = words_of(name)
    while len(words) > 1 and words[-1] in _LEGAL_SUFFIXES:
        words.pop()
    return " ".join(words)


def clean_domain(value: str) -> str:
    """A web domain from what exports put in a domain or website field: "https://www.acme.com/x" -> "acme.com"."""
    domain = re.sub(r"^[a-z]+://", "", value.strip().lower()).split("/")[0].split("?")[0]
    return domain[4:] if domain.startswith("www.") else domain


def without_us(name: str) -> str:
    """A name without the old habit of marking our own people: "Dana Ortiz (us)" -> "Dana Ortiz"."""
    text = name.strip()
    return text[:-5].rstrip() if text.lower().endswith(" (us)") else text


def attendee_name(attendee) -> str:
    """An attendee's name as shown: one of our own people (linked as a member) is marked "(us)"."""
    name = attendee.name
    return f"{name} (us)" if getattr(attendee, "member_id", None) and not name.lower().endswith("(us)") else name
