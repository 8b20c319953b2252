"""Which records `custview.insight.duplicates` compares: those that share a key, never every pair of a book.

Contacts are brought together by an email (apart from case or a "+tag"), a phone number's last 7 digits,
a name, or a word of their names at one company or email domain; a key shared by more than `BLOCK_LIMIT`
records (a switchboard number, a common word) says nothing. Of those, only pairs with a clue that can
make them one person are compared in full (a shared email, the same or a similar name): at 100,000
contacts, a word of a name shared at one company brings together some 75,000 pairs, a few hundred of them
duplicates. Each pair of names is compared once, however many people share them.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from difflib import SequenceMatcher
from itertools import chain, combinations
from operator import attrgetter

from custview.names import plain_words

SIMILAR_NAMES = 0.85  # SequenceMatcher ratio from which two different names count as a typo apart
BLOCK_LIMIT = 500  # records sharing one key beyond this (a switchboard number, a common word) say nothing

FREE_MAIL = frozenset({
    "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "msn.com", "yahoo.com", "ymail.com",
    "icloud.com", "me.com", "mac.com", "aol.com", "proton.me", "protonmail.com", "gmx.de", "gmx.net", "web.de",
    "mail.com", "yandex.ru", "qq.com", "163.com",
})


def email_domain(email: str | None) -> str | None:
    """The domain of an email address, in lower case; None for no address."""
    if not email or "@" not in email:
        return None
    return email.rsplit("@", 1)[1].strip().casefold() or None


def untagged(email: str) -> str:
    """An address without its "+tag": ann+news@acme.example -> ann@acme.example (folded to lower case)."""
    local, _, domain = email.strip().casefold().rpartition("@")
    return f"{local.split('+', 1)[0]}@{domain}"


def phone_digits(phone: str | None) -> str | None:
    """A phone number's digits, if there are enough (7+) to identify a line."""
    digits = re.sub(r"\D", "", phone or "")
    return digits if len(digits) >= 7 else None


def similarity(a: str, b: str) -> float:
    """How alike two normalised names are, from 0 to 1 (0 for names too unlike to be a typo apart)."""
    total = len(a) + len(b)
    if total and 2.0 * min(len(a), len(b)) / total < SIMILAR_NAMES:  # the most their lengths allow
        return 0.0
    counts = Counter(b)  # the most their letters allow (SequenceMatcher.quick_ratio, without making one)
    if total and 2.0 * sum(min(n, counts[c]) for c, n in Counter(a).items()) / total < SIMILAR_NAMES:
        return 0.0
    return SequenceMatcher(None, a, b).ratio()


def pairs_within(members: list[int]) -> Iterator[tuple[int, int]]:
    """Index pairs (i < j) of the members of a block, none if it holds too many records to mean much."""
    if 1 < len(members) <= BLOCK_LIMIT:
        return combinations(sorted(set(members)), 2)
    return iter(())


def candidate_pairs(blocks: dict) -> set[tuple[int, int]]:
    """Index pairs (i < j) of records that share a key, ignoring keys shared by too many records to mean much."""
    pairs = set()
    for members in blocks.values():
        pairs.update(pairs_within(members))
    return pairs


def namesake_pairs(namesakes: dict, rows: list, everyone: bool) -> set[tuple[int, int]]:
    """Pairs of contacts with the same name that the name alone can make duplicates: at one company, or
    one of them without a company. Namesakes at two companies (a weak clue) only when `everyone`: comparing
    them all grows with the square of the book."""
    pairs = set()
    for members in namesakes.values():
        if not 1 < len(members) <= BLOCK_LIMIT:
            continue
        if everyone:
            pairs.update(combinations(members, 2))
            continue
        by_company = defaultdict(list)
        for i in members:
            by_company[rows[i].company_id].append(i)
        for colleagues in by_company.values():
            pairs.update(combinations(colleagues, 2))
        pairs.update((min(i, j), max(i, j)) for i in by_company.get(None, ()) for j in members if j != i)
    return pairs


def shared(keys: list) -> dict:
    """The indexes of the keys more than one record has (None and "" are no key), by key: most of a book's
    addresses, names and phone numbers are one contact's, and a list for each would hold most of the memory."""
    counts = Counter(keys)
    many = {key for key, count in counts.items() if count > 1 and key}
    groups = defaultdict(list)
    if many:
        for index, key in enumerate(keys):
            if key in many:
                groups[key].append(index)
    return groups


class ContactKeys:
    """What the contacts are compared by, one list per field (index = position in id order), and the keys
    that bring them together: the few strings each contact's clues are made of, no object per contact."""

    def __init__(self, contacts: Sequence):
        self.rows = rows = sorted(contacts, key=attrgetter("id"))
        self.untagged, domains = [], []
        for row in rows:
            email = (row.email or "").strip()
            if email:
                local, at, domain = email.casefold().rpartition("@")
                self.untagged.append(f"{local.split('+', 1)[0]}@{domain}")  # as `untagged` makes it
                domains.append(domain.strip() if at else None)
            else:
                self.untagged.append(None)
                domains.append(None)
        words_of_name = {name: plain_words(name) for name in {row.name for row in rows}}
        words_of_name = {name: (" ".join(words), " ".join(sorted(words))) for name, words in words_of_name.items()}
        self.names = [words_of_name[row.name][0] for row in rows]
        self.keys = [words_of_name[row.name][1] for row in rows]
        self.emails, self.namesakes = shared(self.untagged), shared(self.keys)
        self.phones = shared([(phone_digits(row.phone) or "")[-7:] if row.phone else None for row in rows])
        # Similar names are compared within a company and within an email domain: a work address
        # and a personal or older one of the same person at the same company still meet.
        self.colleagues, self.domains = defaultdict(list), defaultdict(list)
        self.staff = defaultdict(lambda: defaultdict(int))  # company id -> email domain -> contacts
        for index, row in enumerate(rows):
            if row.company_id is not None:
                self.colleagues[row.company_id].append(index)
            domain = domains[index]
            if domain and domain not in FREE_MAIL:
                self.domains[domain].append(index)
                if row.company_id is not None:
                    self.staff[row.company_id][domain] += 1
        self.alike = {}  # (name, name) -> similarity: most names in a book are shared by many people

    def may_be_one(self, pair: tuple[int, int]) -> bool:
        """Whether a pair of contacts has a clue that can make them one person: a shared email (apart from case
        or +tag), the same name or similar names (each pair of names compared once). Everything else only
        backs one of these."""
        i, j = pair
        if self.untagged[i] is not None and self.untagged[i] == self.untagged[j]:
            return True
        key, other = self.keys[i], self.keys[j]
        if not (key and other):
            return False
        if key == other:
            return True
        names = self.names[i], self.names[j]
        alike = self.alike.get(names)
        if alike is None:
            alike = self.alike[names] = similarity(*names)
        return alike >= SIMILAR_NAMES

    def candidates(self, every_namesake: bool) -> set[tuple[int, int]]:
        """Index pairs (i < j) that may be one person, among those sharing a key: an email apart from case or
        +tag, a phone number's last 7 digits, a name (`namesake_pairs`), or a word of their names at one
        company or email domain."""
        pairs = namesake_pairs(self.namesakes, self.rows, every_namesake)
        for members in self.emails.values():
            pairs.update(pairs_within(members))
            if len(members) > BLOCK_LIMIT:  # the same address apart from case may still be few
                by_case = defaultdict(list)
                for index in members:
                    by_case[self.rows[index].email.strip().casefold()].append(index)
                pairs.update(candidate_pairs(by_case))
        for members in self.phones.values():
            pairs.update(filter(self.may_be_one, pairs_within(members)))
        seen = set()  # a company's contacts all writing from its domain make one place, not two
        for members in chain(self.colleagues.values(), self.domains.values()):
            if len(members) > 1 and (group := tuple(members)) not in seen:
                seen.add(group)
                by_word = defaultdict(list)
                for index in members:
                    for word in set(self.names[index].split()):
                        by_word[word].append(index)
                for sharing in by_word.values():  # in index order, each index once
                    if 1 < len(sharing) <= BLOCK_LIMIT:
                        pairs.update(filter(self.may_be_one, combinations(sharing, 2)))
        return pairs
