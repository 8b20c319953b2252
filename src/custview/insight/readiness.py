"""Readiness: does behaviour say someone is further along the Value Path than recorded, or drifting back?

Transparent rules over recent signals and tickets. It only suggests; it never changes a stage.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from custview.stages import Stage
from custview.insight.tickets import is_open_at, ticket_kind

if TYPE_CHECKING:
    from custview.db.history import History

WINDOW_DAYS = 90
QUIET_DAYS = 30
QUESTION_KINDS = {"office hours", "email", "event", "webinar"}
EARLY = (Stage.AUDIENCE, Stage.RESEARCHER)
CUSTOMER = (Stage.VALUE_CREATOR, Stage.ADOPTER, Stage.ADVOCATE, Stage.CHAMPION)


@dataclass
class Readiness:
    """A call-out: behaviour points to another stage than the recorded one, with the evidence."""

    direction: str  # "ahead" or "drifting"
    behaves_like: str
    evidence: list[str]

    @property
    def engagement_style(self) -> str:
        """How to engage someone who behaves like that stage."""
        return Stage.parse(self.behaves_like).role


def assess_readiness(history: History, stage: Stage, as_of: datetime) -> Readiness | None:
    """The readiness call-out for a contact at `as_of`, or None when behaviour matches the stage."""
    recent = [s for s in history.signals if as_of - timedelta(days=WINDOW_DAYS) < s.occurred_at <= as_of]
    if stage in EARLY:
        return _ahead(Stage.HAND_RAISER, _interest_evidence(recent))
    if stage is Stage.HAND_RAISER:
        return _ahead(Stage.BUYER, _buying_evidence(recent))
    if stage in CUSTOMER:
        return _drifting(history, stage, recent, as_of)
    return None


def _ahead(target: Stage, evidence: dict[str, str]) -> Readiness | None:
    # Two different kinds of evidence, not two of the same, make a pattern. Questions asked live
    # (office hours) are cited before those in emails: they say the most about intent.
    return Readiness("ahead", target.value, list(evidence.values())) if len(evidence) >= 2 else None


def _interest_evidence(signals) -> dict[str, str]:
    """Signs of explicit interest: an assessment, a specific question, pricing, a form or demo request."""
    found: dict[str, str] = {}
    for s in sorted(signals, key=lambda s: (s.kind != "office hours", -s.occurred_at.timestamp())):
        if s.kind == "assessment":
            found.setdefault("assessment", f"completed the {s.title}" + (f": {s.detail}" if s.detail else ""))
        elif s.kind in QUESTION_KINDS and s.detail and ("asked" in s.detail.lower() or "?" in s.detail):
            found.setdefault("question", f"asked a specific question at {s.title}: {s.detail}")
        elif _mentions(s, "pricing"):
            found.setdefault("pricing", f"looked at pricing ({s.title})")
        elif s.kind == "form":
            found.setdefault("form", f"filled in a form: {s.title}")
    return found


def _buying_evidence(signals) -> dict[str, str]:
    """Signs of a decision in progress: business case, security review, commercial terms."""
    found: dict[str, str] = {}
    for s in sorted(signals, key=lambda s: s.occurred_at, reverse=True):
        if _mentions(s, "business case") or _mentions(s, "roi"):
            found.setdefault("business case", f"working on a business case ({s.title})")
        elif _mentions(s, "security") or _mentions(s, "compliance"):
            found.setdefault("security", f"checking security/compliance ({s.title})")
        elif _mentions(s, "pricing") or _mentions(s, "commercial terms"):
            found.setdefault("pricing", f"looking at pricing/terms ({s.title})")
    return found


def _drifting(history: History, stage: Stage, recent, as_of: datetime) -> Readiness | None:
    quiet = not any(s.occurred_at > as_of - timedelta(days=QUIET_DAYS) for s in recent)
    issues = [
        t for t in history.tickets
        if t.contact_id == history.contact.id and is_open_at(t, as_of) and ticket_kind(t) == "issue"
    ]
    if not (quiet and issues):
        return None
    last = max((s.occurred_at for s in history.signals if s.occurred_at <= as_of), default=None)
    quiet_text = f"no activity for {(as_of - last).days} days" if last else "no activity on record"
    evidence = [quiet_text] + [f"open issue: {t.subject}" for t in issues]
    previous = list(Stage)[stage.number - 2]
    return Readiness("drifting", previous.value, evidence)


def _mentions(signal, word: str) -> bool:
    text = " ".join([signal.title, *signal.topics]).lower()
    return word in text
