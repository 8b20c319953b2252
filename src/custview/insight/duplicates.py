"""Likely duplicates in the book: pairs of contacts or companies that look like one person or organisation.

Pure: takes contacts (id, name, email, phone, company_id) and companies (id, name, domain), rows
from either reader, and returns scored pairs with the evidence, best first. Nothing here touches
the database or draws.

Each piece of evidence has a weight between 0 and 1 (the chance, on its own, that the pair is one
record); a pair's score is 100 × (1 − the product of (1 − weight)), so independent clues add up
without ever passing 100. A pair is listed when its score reaches `MIN_SCORE`. All the rules and
weights are here (which pairs are compared at all, and the thresholds: `duplicate_search`):

Contacts
- the same email apart from letter case (0.99), or apart from a "+tag" (ann+news@ / ann@, 0.9);
- the same name (ignoring case, accents, punctuation and word order): at the same company 0.85;
  with no company against one (0.5); at two different companies (0.3);
- names a typo apart (SequenceMatcher ratio ≥ 0.85: "Jon Smith" / "John Smith"), 0.4;
- the same phone number (digits only; one may lack the country code), 0.6;
- backing a similar name: the same company (0.3), else email addresses at the same domain (0.3;
  free-mail domains like gmail.com don't count).

Companies
- the same domain, 0.95;
- the same name apart from case, punctuation and legal suffixes (`company_key`), 0.9;
- nearly identical names (ratio ≥ 0.85: "Northwind Logistics" / "Northwind Logistcs"), 0.6;
- one name is the other's first words ("Northwind" / "Northwind Logistics"), 0.35;
- contacts of one have emails at the other's domain, or contacts of both share a domain, 0.6.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from custview.insight.duplicate_search import (FREE_MAIL, SIMILAR_NAMES, ContactKeys, candidate_pairs, email_domain,
                                               phone_digits, similarity, untagged)
from custview.names import clean_domain, company_key, plain_words

MIN_SCORE = 50

W_EMAIL_CASE = 0.99
W_EMAIL_TAG = 0.9
W_NAME_SAME_COMPANY = 0.85
W_NAME_NO_COMPANY = 0.5
W_NAME_OTHER_COMPANY = 0.3
W_NAME_TYPO = 0.4
W_PHONE = 0.6
W_SAME_COMPANY = 0.3
W_EMAIL_DOMAIN = 0.3

W_DOMAIN = 0.95
W_COMPANY_KEY = 0.9
W_COMPANY_TYPO = 0.6
W_COMPANY_PREFIX = 0.35
W_CONTACT_DOMAIN = 0.6

@dataclass(frozen=True)
class Party:
    """One record of a pair, as the user knows it, and what to type to name it in `custview merge`."""

    id: int
    name: str
    detail: str | None  # a contact's email, a company's domain
    company: str | None  # a contact's company
    reference: str


@dataclass
class DuplicatePair:
    """Two records that look like one: the older record first, the score (0-100) and why."""

    kind: str  # "contact" or "company"
    first: Party
    second: Party
    score: int
    evidence: list[str] = field(default_factory=list)


def find_duplicates(contacts: Sequence, companies: Sequence, kinds: Iterable[str] = ("contact", "company"),
                    min_score: int = MIN_SCORE) -> list[DuplicatePair]:
    """Likely duplicate contacts and companies, highest score first (then by name)."""
    kinds, book = set(kinds), ContactKeys(contacts)
    pairs = []
    if "contact" in kinds:
        pairs += duplicate_contacts(book, companies, min_score)
    if "company" in kinds:
        pairs += duplicate_companies(companies, book.staff, min_score)
    return sorted(pairs, key=lambda p: (-p.score, p.kind, p.first.name.casefold(), p.first.id, p.second.id))


# -- scoring -----------------------------------------------------------------------------------------------


def same_phone(a: str | None, b: str | None) -> bool:
    """Whether two digit strings are one number, allowing one of them to lack the country or area code."""
    if not a or not b:
        return False
    shorter, longer = sorted((a, b), key=len)
    return longer.endswith(shorter)


def combined_score(weights: Iterable[float]) -> int:
    """100 × the chance that at least one independent clue is right."""
    doubt = 1.0
    for weight in weights:
        doubt *= 1 - weight
    return round(100 * (1 - doubt))


# -- contacts ----------------------------------------------------------------------------------------------


@dataclass
class _Person:
    row: object
    email: str | None
    untagged: str | None
    domain: str | None  # of a non-free email address
    words: list[str]
    key: str
    phone: str | None


def _person(row) -> _Person:
    email = (row.email or "").strip() or None
    domain = email_domain(email)
    words = plain_words(row.name)
    return _Person(row, email.casefold() if email else None, untagged(email) if email else None,
                   domain if domain not in FREE_MAIL else None, words, " ".join(sorted(words)), phone_digits(row.phone))


def duplicate_contacts(book: ContactKeys, companies: Sequence, min_score: int = MIN_SCORE) -> list[DuplicatePair]:
    """Pairs of the book's contacts that look like one person (see the module's rules), unsorted."""
    company_names = {c.id: c.name for c in companies}
    every_namesake = min_score <= round(100 * W_NAME_OTHER_COMPANY)
    found = []
    for i, j in book.candidates(every_namesake):
        a, b = _person(book.rows[i]), _person(book.rows[j])
        evidence = _contact_evidence(a, b, company_names, book.alike)
        score = combined_score(weight for weight, _ in evidence)
        if score >= min_score and evidence:
            found.append((i, j, score, [text for _, text in sorted(evidence, key=lambda e: -e[0])]))
    references = _contact_references(book.rows, {index for i, j, *_ in found for index in (i, j)})
    return [DuplicatePair("contact", _contact_party(book.rows[i], company_names, references),
                          _contact_party(book.rows[j], company_names, references), score, evidence)
            for i, j, score, evidence in found]


def _contact_evidence(a: _Person, b: _Person, company_names: dict, alike: dict) -> list[tuple[float, str]]:
    """The clues that two contacts are one person, as (weight, explanation); empty when they are two people.
    `alike`: similarities of pairs of names worked out already."""
    same_company = a.row.company_id is not None and a.row.company_id == b.row.company_id
    email, name = _email_clue(a, b), _name_clue(a, b, same_company, company_names, alike)
    if email is None and name is None:
        return []  # a shared phone or domain alone is a colleague, not a duplicate
    evidence = [clue for clue in (email, name) if clue]
    phone = same_phone(a.phone, b.phone)
    if phone:
        evidence.append((W_PHONE, f"the same phone number: {b.row.phone}"))
    if name and name[0] == W_NAME_TYPO:  # a similar name needs something else in common
        if same_company:
            evidence.append((W_SAME_COMPANY, f"both at {company_names.get(a.row.company_id)}"))
        elif a.domain and a.domain == b.domain:
            evidence.append((W_EMAIL_DOMAIN, f"emails at the same domain: {a.domain}"))
        elif not (email or phone):
            return []
    return evidence


def _email_clue(a: _Person, b: _Person) -> tuple[float, str] | None:
    if not (a.email and b.email):
        return None
    if a.email == b.email:
        return W_EMAIL_CASE, f"the same email apart from letter case: {a.row.email} / {b.row.email}"
    if a.untagged == b.untagged:
        return W_EMAIL_TAG, f"the same email apart from a +tag: {a.row.email} / {b.row.email}"
    return None


def _name_clue(a: _Person, b: _Person, same_company: bool, company_names: dict,
               alike: dict) -> tuple[float, str] | None:
    if not (a.key and b.key):
        return None
    if a.key == b.key:
        if same_company:
            return W_NAME_SAME_COMPANY, f"the same name at {company_names.get(a.row.company_id)}"
        if a.row.company_id is None or b.row.company_id is None:
            return W_NAME_NO_COMPANY, "the same name (one of them has no company)"
        return W_NAME_OTHER_COMPANY, "the same name, at two different companies"
    names = " ".join(a.words), " ".join(b.words)
    ratio = alike[names] if names in alike else similarity(*names)
    if ratio >= SIMILAR_NAMES:
        return W_NAME_TYPO, f"names a typo apart: {a.row.name} / {b.row.name} ({ratio:.0%} alike)"
    return None


def _contact_references(rows: list, wanted: set[int]) -> dict[int, str]:
    """What names each wanted contact (by index) unambiguously on the command line: the email, else the
    name, else #id."""
    names = defaultdict(int)
    for name, count in Counter(row.name for row in rows).items():
        names[name.casefold()] += count
    return {row.id: row.email or (row.name if names[row.name.casefold()] == 1 else f"#{row.id}")
            for row in (rows[index] for index in wanted)}


def _contact_party(row, company_names: dict, references: dict) -> Party:
    return Party(row.id, row.name, row.email, company_names.get(row.company_id), references[row.id])


# -- companies ---------------------------------------------------------------------------------------------


def duplicate_companies(companies: Sequence, staff_domains: dict, min_score: int = MIN_SCORE) -> list[DuplicatePair]:
    """Pairs of companies that look like one organisation (see the module's rules), unsorted. `staff_domains`:
    company id -> the email domains of its contacts (free mail aside) -> how many."""
    rows = sorted(companies, key=lambda c: c.id)
    keys = [company_key(c.name) for c in rows]
    domains = [clean_domain(c.domain) if c.domain else None for c in rows]
    blocks = defaultdict(list)
    for index, company in enumerate(rows):
        for domain in {domains[index], *staff_domains[company.id]} - {None}:
            blocks["domain", domain].append(index)
        for word in set(keys[index].split()):
            if len(word) >= 3:
                blocks["word", word].append(index)
        if keys[index]:
            blocks["key", keys[index]].append(index)
    pairs = []
    for i, j in candidate_pairs(blocks):
        a, b = rows[i], rows[j]
        evidence = _company_evidence((a, keys[i], domains[i], staff_domains[a.id]),
                                     (b, keys[j], domains[j], staff_domains[b.id]))
        score = combined_score(weight for weight, _ in evidence)
        if score >= min_score:
            pairs.append(DuplicatePair("company", _company_party(a), _company_party(b), score,
                                       [text for _, text in sorted(evidence, key=lambda e: -e[0])]))
    return pairs


def _company_evidence(first, second) -> list[tuple[float, str]]:
    """The clues that two companies are one, as (weight, explanation)."""
    (a, a_key, a_domain, _), (b, b_key, b_domain, _) = first, second
    evidence = []
    if a_domain and a_domain == b_domain:
        evidence.append((W_DOMAIN, f"the same domain: {a_domain}"))
    if a_key and a_key == b_key:
        evidence.append((W_COMPANY_KEY, "the same name apart from case, punctuation and legal suffixes"))
    elif a_key and b_key:
        alike = similarity(a_key, b_key)
        shorter, longer = sorted((a_key.split(), b_key.split()), key=len)
        if alike >= SIMILAR_NAMES:
            evidence.append((W_COMPANY_TYPO, f"nearly identical names ({alike:.0%} alike)"))
        elif longer[:len(shorter)] == shorter:
            short_name, long_name = (a.name, b.name) if len(a_key) < len(b_key) else (b.name, a.name)
            evidence.append((W_COMPANY_PREFIX, f"{long_name!r} starts with {short_name!r}"))
    staff = _staff_clue(first, second)
    if staff:
        evidence.append(staff)
    return evidence


def _staff_clue(first, second) -> tuple[float, str] | None:
    """Contacts of one company with emails at the other's domain, or contacts of both at one domain."""
    (a, _, a_domain, a_staff), (b, _, b_domain, b_staff) = first, second
    if a_domain and a_domain == b_domain:
        return None  # said already: the same domain
    for owner, domain, other, staff in ((a, a_domain, b, b_staff), (b, b_domain, a, a_staff)):
        count = staff.get(domain, 0) if domain else 0
        if count:
            people = f"{count} contacts of {other.name} have emails" if count != 1 else \
                f"1 contact of {other.name} has an email"
            return W_CONTACT_DOMAIN, f"{people} at {domain}, the domain of {owner.name}"
    shared = sorted(set(a_staff) & set(b_staff))
    if shared and not (a_domain and b_domain):
        return W_CONTACT_DOMAIN, f"contacts of both have emails at {shared[0]}"
    return None


def _company_party(row) -> Party:
    return Party(row.id, row.name, row.domain, None, row.name)
