"""What a signal is evidence of for the readiness rules (`custview.insight.readiness`): one bit per kind of evidence.

The rules read a contact's recent signals and look for kinds of evidence: signs of interest (an
assessment, a specific question, pricing, a form), signs of a decision in progress (a business case,
a security review, commercial terms), an act of advocacy, speaking for the methodology with us.
Whether one signal is such evidence depends on that signal alone, so it is worked out once, when the
signal is written, and kept with it (`signal.evidence`): the book-wide views then find who shows
enough evidence with one indexed query instead of reading everyone's signals. The rules themselves
read these same bits (`evidence_of`), so the stored value and the rules cannot disagree.
"""

from __future__ import annotations

from collections.abc import Iterable

QUESTION_KINDS = ("email", "event", "office hours", "webinar")
# Acts that show the later stages, found in a signal's kind, title, topics or detail: sharing their
# success (an Advocate) and advancing the methodology with us (a Champion).
ADVOCACY_WORDS = ("referral", "referred", "reference call", "testimonial", "review site", "peer review",
                  "case study quote", "win story")
ADVOCACY_KINDS = ("referral", "review", "testimonial")
CO_PRESENTING_WORDS = ("co-present", "co-author", "keynote", "guest speaker", "presented", "panel")
# The words looked for in a signal's title and topics.
INTEREST_WORDS = ("pricing",)
BUSINESS_CASE_WORDS = ("business case", "roi")
SECURITY_WORDS = ("security", "compliance")
TERMS_WORDS = ("pricing", "commercial terms")

# Interest (a signal is at most one of these, the first that fits, in this order).
ASSESSMENT, QUESTION, PRICING, FORM = 1, 2, 4, 8
# A decision in progress (at most one, the first that fits).
BUSINESS_CASE, SECURITY, TERMS = 16, 32, 64
ADVOCACY, CO_PRESENTING = 128, 256
INTEREST = ASSESSMENT | QUESTION | PRICING | FORM
BUYING = BUSINESS_CASE | SECURITY | TERMS


def evidence_of(kind: str, title: str, topics: Iterable[str], detail: str | None) -> int:
    """The kinds of evidence a signal with these values is, as bits (0: none)."""
    mentioned = " ".join([title, *topics]).lower()  # what the rules on interest and buying read
    said = f"{mentioned} {detail.lower()}" if detail else mentioned  # and on the later stages: the detail too
    in_mentioned = in_said = 0  # the bits of the words found in each
    for word in [word for word in _WORD_BITS if word in said]:  # most signals: none
        in_said |= _WORD_BITS[word]
        if not detail or word in mentioned:
            in_mentioned |= _WORD_BITS[word]
    bits = 0
    if kind == "assessment":
        bits = ASSESSMENT
    elif kind in QUESTION_KINDS and detail and ("asked" in detail.lower() or "?" in detail):
        bits = QUESTION
    elif in_mentioned & PRICING:
        bits = PRICING
    elif kind == "form":
        bits = FORM
    for kind_of_buying in (BUSINESS_CASE, SECURITY, TERMS):  # the first that fits
        if in_mentioned & kind_of_buying:
            bits |= kind_of_buying
            break
    if kind in ADVOCACY_KINDS:
        bits |= ADVOCACY
    return bits | in_said & (ADVOCACY | CO_PRESENTING)


def _word_bits() -> dict[str, int]:
    """Per word the rules look for, the kinds of evidence it may show."""
    found: dict[str, int] = {}
    for words, bits in ((INTEREST_WORDS, PRICING), (BUSINESS_CASE_WORDS, BUSINESS_CASE), (SECURITY_WORDS, SECURITY),
                        (TERMS_WORDS, TERMS), (ADVOCACY_WORDS, ADVOCACY), (CO_PRESENTING_WORDS, CO_PRESENTING)):
        for word in words:
            found[word] = found.get(word, 0) | bits
    return found


_WORD_BITS = _word_bits()
