"""An account hand-over: what a colleague taking over a whole account needs, so the customer never repeats
themselves (every person there, what was sold, the open promises and problems, the last meetings, what not to do)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from custview.insight.account import CompanyView, build_company_view
from custview.insight.briefing import Briefing, build_briefing, meeting_summary
from custview.insight.briefing_lines import MeetingSummary, NextStepLine, TicketLine
from custview.stages import Stage

if TYPE_CHECKING:
    from custview.db.history import AccountHistory

LAST_MEETINGS = 5
# The customer's words the hand-over is there to prevent (see the domain notes: handoffs).
SELL_ON_A_PROBLEM = "I call with a problem and you try to sell me more."


@dataclass
class Promise:
    """An open next step, and the person whose meeting it came from."""

    person: str
    step: NextStepLine


@dataclass
class AccountHandover:
    """Everything a hand-over of one account holds, as of one moment."""

    as_of: datetime
    account: CompanyView  # its people with stage, health and last touch; services; open tickets; notes
    promises: list[Promise]
    last_meetings: list[MeetingSummary]
    next_meetings: list[MeetingSummary]
    cautions: list[str]  # what not to do

    @property
    def problems(self) -> list[TicketLine]:
        """Open tickets that need resolving (not questions or expansion interest)."""
        return [t for t in self.account.open_tickets if t.kind not in ("question", "expansion")]

    @property
    def questions(self) -> list[TicketLine]:
        """Open questions to answer."""
        return [t for t in self.account.open_tickets if t.kind == "question"]

    @property
    def expansion_requests(self) -> list[TicketLine]:
        """Open "can we also do X?" requests."""
        return [t for t in self.account.open_tickets if t.is_expansion]


def build_account_handover(account: AccountHistory, as_of: datetime) -> AccountHandover:
    """The hand-over of a whole account from its history, as of `as_of`."""
    view = build_company_view(account.company, account.people, as_of, account.success_criteria)
    briefings = [build_briefing(h, as_of) for h in account.people]
    meetings = {r.appointment.id: r for h in account.people for r in h.appointments}.values()
    past = sorted((r for r in meetings if r.appointment.scheduled_at <= as_of),
                  key=lambda r: r.appointment.scheduled_at, reverse=True)
    upcoming = sorted((r for r in meetings if r.appointment.scheduled_at > as_of), key=lambda r: r.appointment.scheduled_at)
    handover = AccountHandover(
        as_of=as_of, account=view,
        promises=_promises(briefings),
        last_meetings=[meeting_summary(r) for r in past[:LAST_MEETINGS]],
        next_meetings=[meeting_summary(r) for r in upcoming[:LAST_MEETINGS]],
        cautions=[],
    )
    handover.cautions = what_not_to_do(handover, [b for b in briefings if b.readiness and b.readiness.direction == "ahead"])
    return handover


def what_not_to_do(h: AccountHandover, ahead_of_stage: list[Briefing] = ()) -> list[str]:
    """The mistakes to avoid with this account, most damaging first; the last one always applies.

    `ahead_of_stage`: the briefings of the people who behave like a later stage than recorded.
    """
    out = []
    problems = [f"{t.subject} ({t.raised_by})" if t.raised_by else t.subject for t in h.problems]
    at_risk = [s.name for s in h.account.services if s.status == "at risk"]
    if problems or at_risk:
        first = "; ".join(problems + [f"service at risk: {name}" for name in at_risk])
        hold = (f" Hold {', '.join(repr(t.subject) for t in h.expansion_requests)} until then."
                if h.expansion_requests else "")
        out.append(f"Don't try to sell more while a problem is open (\"{SELL_ON_A_PROBLEM}\"): "
                   f"first {first}.{hold}")
    overdue = [f"S{p.step.id} {p.step.step}" for p in h.promises if p.step.overdue]
    if overdue:
        out.append(f"Don't promise anything new before the overdue promises are kept or renegotiated: {', '.join(overdue)}.")
    ahead = [f"{b.name} (behaves like a {b.readiness.behaves_like})" for b in ahead_of_stage]
    if ahead:
        out.append(f"Don't restart discovery with {', '.join(ahead)}: they have done their research.")
    audience = [p.name for p in h.account.people if p.stage == Stage.AUDIENCE.value]
    if audience:
        out.append(f"Don't push {', '.join(audience)} (Audience): {Stage.AUDIENCE.role}.")
    out.append("Don't make anyone repeat themselves: read the promises, problems and last meetings here before "
               "the first call, and say you are taking over, not starting over.")
    return out


def _promises(briefings: list[Briefing]) -> list[Promise]:
    """Every open next step at the account once, soonest due first (undated last)."""
    found: dict[int | None, Promise] = {}
    for b in briefings:
        for step in b.open_next_steps:
            found.setdefault(step.id, Promise(b.name, step))
    return sorted(found.values(), key=lambda p: (p.step.due_at is None, p.step.due_at.timestamp() if p.step.due_at else 0,
                                                 p.step.id or 0))

