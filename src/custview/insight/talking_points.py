"""Talking points: three to five concrete things to raise in the next conversation, from the data."""

from __future__ import annotations

from typing import TYPE_CHECKING

from custview.dates import describe_age

if TYPE_CHECKING:
    from custview.insight.briefing import Briefing

MOST = 5
QUESTION_SIGNAL_KINDS = {"office hours", "email", "event", "webinar"}


# What each talking point is about; the short brief shows only those whose facts no other line shows.
SHOWN_ELSEWHERE = {"issue", "promise", "question", "expansion", "colleague issue"}


def talking_points(b: Briefing) -> list[str]:
    """Suggestions in order of what to raise first: problems, promises, questions, interests, next move."""
    return [text for _, text in talking_points_about(b)]


def talking_points_about(b: Briefing) -> list[tuple[str, str]]:
    """The talking points as (what it is about, text): issue, promise, question, content, drift, expansion,
    colleague issue."""
    points: list[tuple[str, str]] = []
    issues = [t for t in b.problems if t.kind == "issue"]
    own = [t for t in issues if t.raised_by is None]
    if own:
        t = own[0]
        points.append(("issue", f"Acknowledge the open issue first: {_ref(t)}{t.subject} ({t.priority}, "
                                f"open {t.age_days} days)."))
    promises = b.open_next_steps
    if promises:
        s = promises[0]
        when = f", due {describe_age(s.due_at, b.as_of)}" if s.due_at else ""
        points.append(("promise", ("Close the loop on an overdue promise: " if s.overdue else "Follow up on: ")
                       + f"{s.step}{when}."))
    question = _open_question(b)
    if question:
        points.append(("question", f"Answer their question: {question}"))
    reference = _content_to_reference(b)
    if reference:
        points.append(("content", reference))
    # Someone further along than recorded needs no point of their own: the brief's one engagement
    # advice is already that of the stage they behave like.
    if b.readiness and b.readiness.direction == "drifting":
        points.append(("drift", "They are drifting: ask what changed on their side, and agree one concrete fix."))
    elif not b.readiness and b.expansion_requests and not issues:
        points.append(("expansion", f"Explore their expansion interest: {b.expansion_requests[0].subject}"))
    others = [t for t in issues if t.raised_by is not None]
    if others and not own:
        t = others[0]
        points.append(("colleague issue", f"Be aware: {t.raised_by} has an open issue ({_ref(t)}{t.subject}); "
                                          "it may come up."))
    return points[:MOST]


def _ref(ticket) -> str:
    return f"{ticket.ref} " if ticket.ref else ""


def _open_question(b: Briefing) -> str | None:
    mine = [t for t in b.questions if t.raised_by is None]
    if mine:
        return f"{_ref(mine[0])}{mine[0].subject}"
    for s in b.recent_signals:
        if s.kind in QUESTION_SIGNAL_KINDS and s.detail and "asked" in s.detail.lower():
            return f"{s.detail} ({s.title}, {describe_age(s.occurred_at, b.as_of)})"
    return None


def _content_to_reference(b: Briefing) -> str | None:
    if not b.top_topics:
        return None
    topic = b.top_topics[0].topic
    for s in b.recent_signals:
        if topic in s.topics and s.kind in ("content", "webinar", "event"):
            return f"Reference what they engaged with on {topic}: \"{s.title}\" ({describe_age(s.occurred_at, b.as_of)})."
    return f"Lead with {topic}: it is what they engage with most."
