"""Talking points: three to five concrete things to raise in the next conversation, from the data."""

from __future__ import annotations

from typing import TYPE_CHECKING

from custview.dates import describe_age
from custview.insight.readiness import is_advocacy, is_co_presenting
from custview.stages import Stage

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
    """The talking points as (what it is about, text): issue, promise, question, delivery, content, drift,
    expansion, optimisation, thanks, story, co-present, colleague issue."""
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
    stage = Stage.parse(b.stage.stage)
    if stage is Stage.VALUE_CREATOR and (risks := _delivery_risks(b)):
        points.append(("delivery", f"Delivery risk to talk through: {risks}; agree what happens next and by when."))
    reference = _content_to_reference(b) if stage.number < Stage.ADVOCATE.number else None
    if reference:
        points.append(("content", reference))
    # Someone further along than recorded needs no point of their own: the brief's one engagement
    # advice is already that of the stage they behave like.
    if b.readiness and b.readiness.direction == "drifting":
        points.append(("drift", "They are drifting: ask what changed on their side, and agree one concrete fix."))
    elif not b.readiness and b.expansion_requests and not issues:
        points.append(("expansion", f"Explore their expansion interest: {b.expansion_requests[0].subject}"))
    if not issues:  # nobody is sold more, or asked for a favour, while a problem is open
        points += _later_stage_points(b, stage)
    others = [t for t in issues if t.raised_by is not None]
    if others and not own:
        t = others[0]
        points.append(("colleague issue", f"Be aware: {t.raised_by} has an open issue ({_ref(t)}{t.subject}); "
                                          "it may come up."))
    return points[:MOST]


def _delivery_risks(b: Briefing) -> str | None:
    """What threatens delivery at their account: services and success criteria at risk."""
    company = b.company
    if company is None:
        return None
    risks = [f"{s.name} (service at risk)" for s in company.services if s.status == "at risk"]
    risks += [f"{c.metric}" + (f" (target {c.target}, at risk)" if c.target else " (at risk)")
              for c in company.success_criteria if c.status == "at risk"]
    return "; ".join(risks) or None


def _later_stage_points(b: Briefing, stage: Stage) -> list[tuple[str, str]]:
    """Adopter: optimisation, and expansion once what was promised is met; Advocate: thanks, and their story;
    Champion: co-presenting."""
    if stage is Stage.ADOPTER:
        return _adopter_points(b)
    if stage is Stage.ADVOCATE:
        shared = next((s for s in b.recent_signals if is_advocacy(s)), None)
        points = [("thanks", f"Thank them for sharing their success: {s.title} "
                             f"({describe_age(s.occurred_at, b.as_of)}).") for s in [shared] if s]
        return points + [("story", "Ask for their story: a case study, a review or a reference call.")]
    if stage is Stage.CHAMPION:
        topic = b.top_topics[0].topic if b.top_topics else None
        spoke = next((s for s in b.recent_signals if is_co_presenting(s)), None)
        since = f" (last: {spoke.title}, {describe_age(spoke.occurred_at, b.as_of)})" if spoke else ""
        return [("co-present", "Invite them to co-present or co-author" + (f" on {topic}" if topic else "")
                 + f"{since}.")]
    return []


def _adopter_points(b: Briefing) -> list[tuple[str, str]]:
    points = []
    asked = [t for t in b.open_tickets if t.kind == "optimization"]
    if asked:
        points.append(("optimisation", f"Help them get more out of it: {_ref(asked[0])}{asked[0].subject}"))
    met = [c for c in (b.company.success_criteria if b.company else []) if c.status == "met"]
    if met and not b.expansion_requests:
        points.append(("expansion", f"They reached {met[0].metric}" + (f" ({met[0].target})" if met[0].target else "")
                       + ": ask where else it could help."))
    return points


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
