"""Markdown hand-over documents, of a contact or a whole account: everything a colleague needs so the customer
never repeats themselves."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from custview.insight.briefing import Briefing
from custview.dates import describe_duration, to_local
from custview.printable import printable

if TYPE_CHECKING:
    from custview.db.history import ContactHistory
    from custview.insight.handover import AccountHandover

# Data always follows a list marker, a label or a table pipe, so only inline markup needs escaping.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")


def md(value) -> str:
    """Data as literal Markdown text: special characters escaped, line breaks flattened."""
    text = " ".join(printable(value).split())
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def _sentence(text: str) -> str:
    """Text ending with a full stop, unless it ends with a sentence's mark already."""
    return text if text.rstrip().endswith((".", "!", "?")) else f"{text.rstrip()}."


def _day(moment) -> str:
    return f"{to_local(moment):%Y-%m-%d}" if moment else "—"


def handoff_markdown(history: ContactHistory, b: Briefing) -> str:
    """The hand-over for one contact, built from their history and today's briefing."""
    lines = [f"# Hand-over: {md(b.name)}", ""]
    lines += _who(b) + _journey(history, b) + _promises(history, b) + _tickets(b) + _resonates(b)
    lines += _people(b) + _notes(b) + _dont(b)
    if b.talking_points:
        lines += ["## For the next conversation", ""] + [f"- {md(point)}" for point in b.talking_points] + [""]
    return "\n".join(lines).rstrip() + "\n"


def _who(b: Briefing) -> list[str]:
    facts = [("Title", b.title), ("Company", b.company_name), ("Role in the decision", b.buying_role),
             ("Email", b.email), ("Phone", b.phone)]
    facts += [(f"Prefers ({key})", value) for key, value in b.preferences.items()]
    out = ["## Who they are", ""] + [f"- **{label}:** {md(value)}" for label, value in facts if value]
    if b.context:
        out.append(f"- **Context:** {md(b.context)}")
    return out + [""]


def _journey(history: ContactHistory, b: Briefing) -> list[str]:
    s = b.stage
    out = ["## Journey so far", "",
           f"Now **{s.stage}** ({s.number}/8, {md(s.doing)})"
           + (f" for {describe_duration(s.days_in_stage)}" if s.days_in_stage is not None else "")
           + f". Engage by: {md(s.engagement_style)}.", ""]
    if b.readiness:
        verb = "behaves like a" if b.readiness.direction == "ahead" else "is drifting back toward"
        out += [f"> **Readiness:** {verb} {b.readiness.behaves_like}: " + "; ".join(md(e) for e in b.readiness.evidence), ""]
    out += [f"Relationship health: **{b.health.score}/100 ({b.health.label})**" + (":" if b.health.reasons else "."), ""]
    out += [f"- {md(r.text)}" for r in b.health.reasons] + ([""] if b.health.reasons else [])
    if history.stage_changes:
        out += ["| Date | Stage | From |", "| --- | --- | --- |"]
        out += [f"| {_day(c.changed_at)} | {md(c.stage)} | {md(c.previous_stage or '—')} |" for c in history.stage_changes]
        out.append("")
    return out


def _promises(history: ContactHistory, b: Briefing) -> list[str]:
    out = ["## What was promised", ""]
    meetings = sorted(history.appointments, key=lambda r: r.appointment.scheduled_at, reverse=True)
    decided = [(r.appointment, d) for r in meetings if r.appointment.scheduled_at <= b.as_of for d in r.appointment.decisions]
    if b.last_meeting:
        m = b.last_meeting
        out += [f"Last meeting ({_day(m.scheduled_at)}, {md(m.kind)}): **{md(m.purpose)}**. "
                f"Outcome: {md(m.outcome or 'not recorded')}", ""]
    out += ["### Open next steps", ""]
    out += [f"- [ ] {md(s.step)}" + (f" (owner: {md(s.owner)})" if s.owner else "")
            + (f", due {_day(s.due_at)}" if s.due_at else "") + (" **OVERDUE**" if s.overdue else "")
            for s in b.open_next_steps] or ["- none"]
    out += ["", "### Decisions", ""]
    out += [f"- {_day(a.scheduled_at)}: {md(d)} ({md(a.purpose)})" for a, d in decided] or ["- none recorded"]
    return out + [""]


def _tickets(b: Briefing) -> list[str]:
    out = ["## Open tickets", ""]
    rows = [f"| {md(t.ref or '—')} | {md(t.subject)} | {md(t.kind or 'unclassified')} | {md(t.priority)} | {t.age_days} days |"
            for t in b.open_tickets]
    if rows:
        out += ["| Ref | Subject | Kind | Priority | Open for |", "| --- | --- | --- | --- | --- |"] + rows
    else:
        out.append("None open.")
    return out + [""]


def _resonates(b: Briefing) -> list[str]:
    out = ["## What resonates", ""]
    out += [f"- {md(t.topic)} ({t.signals} signal{'s' if t.signals != 1 else ''} in 90 days)" for t in b.top_topics] or ["- no recent signals"]
    out += [f"- Recently: {md(s.kind)}, {md(s.title)}" + (f": {md(s.detail)}" if s.detail else "") for s in b.recent_signals[:3]]
    return out + [""]


def _people(b: Briefing) -> list[str]:
    out = ["## Who else is involved", ""]
    c = b.company
    if c is None or not c.colleagues:
        return out + ["Nobody else on record.", ""]
    out += [f"- {md(p.name)}" + (f", {md(p.title)}" if p.title else "") + f": {md(p.stage)}"
            + (f" ({md(p.buying_role)})" if p.buying_role else "") for p in c.colleagues]
    return out + [""]


def _dont(b: Briefing) -> list[str]:
    out = ["## What not to do", ""]
    issues = [t for t in b.problems if t.kind == "issue"]
    if issues and b.expansion_requests:
        out.append("- Don't pitch the expansion requests while an issue is open: resolve "
                   + ", ".join(md(t.subject) for t in issues) + " first.")
    elif issues:
        out.append("- Don't open with anything new: acknowledge " + ", ".join(md(t.subject) for t in issues) + " first.")
    out.append(f"- Don't run a generic call: as a {b.stage.stage}, they need you to {md(b.stage.engagement_style)}.")
    if b.readiness and b.readiness.direction == "ahead":
        out.append("- Don't restart discovery from scratch: they have done their research (see Readiness).")
    out.append("- Don't ask them to repeat what is in this document.")
    return out + [""]


def _notes(b: Briefing) -> list[str]:
    if not b.key_notes:
        return []
    return ["## Key notes", ""] + [f"- {_day(n.written_at)}, {md(n.author or 'a colleague')}: {md(n.text)}" for n in b.key_notes] + [""]


def account_handoff_markdown(h: AccountHandover) -> str:
    """The hand-over of a whole account: the account, every person, services, success criteria, open promises and problems,
    the last meetings and what not to do."""
    lines = [f"# Account hand-over: {md(h.account.name)}", "", f"As of {_day(h.as_of)}.", ""]
    lines += _account(h) + _everyone(h) + _services(h) + _success_criteria(h) + _open_promises(h) + _open_tickets(h) + _meetings(h)
    if h.account.notes:
        lines += ["## Key notes", ""] + [f"- {md(note)}" for note in h.account.notes] + [""]
    lines += ["## What not to do", ""] + [f"- {md(caution)}" for caution in h.cautions]
    return "\n".join(lines).rstrip() + "\n"


def _account(h: AccountHandover) -> list[str]:
    a = h.account
    facts = [("Industry", a.industry), ("Size", a.size), ("Domain", a.domain), ("Commercial", a.commercial),
             ("Recorded stage", a.recorded_stage), ("Recorded health", a.recorded_health), ("Summary", a.summary)]
    out = ["## The account", ""] + [f"- **{label}:** {md(value)}" for label, value in facts if value]
    out += ["", f"Account health: **{a.health.score}/100 ({a.health.label})**" + (":" if a.health.reasons else "."), ""]
    return out + [f"- {md(r.text)}" for r in a.health.reasons] + ([""] if a.health.reasons else [])


def _everyone(h: AccountHandover) -> list[str]:
    out = ["## People", ""]
    if not h.account.people:
        return out + ["Nobody on record.", ""]
    out += ["| Name | Title | Stage | Role | Health | Last touch |", "| --- | --- | --- | --- | --- | --- |"]
    for p in h.account.people:
        stage = p.stage + (f" ({p.readiness})" if p.readiness else "")
        out.append(f"| {md(p.name)} | {md(p.title or '—')} | {md(stage)} | {md(p.buying_role or '—')} "
                   f"| {p.health_score} {p.health_label} | {_day(p.last_touch)} |")
    return out + [""]


def _services(h: AccountHandover) -> list[str]:
    out = ["## Services", ""]
    if not h.account.services:
        return out + ["None on record.", ""]
    out += ["| Service | Status | Start | End | Owner |", "| --- | --- | --- | --- | --- |"]
    out += [f"| {md(s.name)} | {md(s.status)} | {_day(s.start_at)} | {_day(s.end_at)} | {md(s.owner or '—')} |"
            for s in h.account.services]
    return out + [""]


def _success_criteria(h: AccountHandover) -> list[str]:
    out = ["## Success criteria (promised at purchase)", ""]
    if not h.account.success_criteria:
        return out + ["None on record.", ""]
    out += ["| Metric | Target | Status |", "| --- | --- | --- |"]
    out += [f"| {md(c.metric)} | {md(c.target or '—')} | {md(c.status)} |" for c in h.account.success_criteria]
    return out + [""]


def _open_promises(h: AccountHandover) -> list[str]:
    out = ["## Open promises", ""]
    out += [f"- [ ] S{p.step.id} {md(p.step.step)} ({md(p.person)}, from {md(p.step.meeting)})"
            + (f", owner: {md(p.step.owner)}" if p.step.owner else "") + (f", due {_day(p.step.due_at)}" if p.step.due_at else "")
            + (" **OVERDUE**" if p.step.overdue else "") for p in h.promises] or ["- none"]
    return out + [""]


def _open_tickets(h: AccountHandover) -> list[str]:
    out = ["## Open problems", ""]
    rows = [f"| {md(t.ref or '—')} | {md(t.subject)} | {md(t.kind or 'unclassified')} | {md(t.priority)} "
            f"| {md(t.raised_by or '—')} | {t.age_days} days |" for t in h.problems]
    if rows:
        out += ["| Ref | Subject | Kind | Priority | Raised by | Open for |", "| --- | --- | --- | --- | --- | --- |"] + rows
    else:
        out.append("None open.")
    for title, tickets in (("Questions to answer", h.questions), ("Expansion interest", h.expansion_requests)):
        if tickets:
            out += ["", f"## {title}", ""]
            out += [f"- {md(t.subject)} ({md(t.raised_by or 'the account')}, {t.age_days} days)" for t in tickets]
    return out + [""]


def _meetings(h: AccountHandover) -> list[str]:
    out = ["## Last meetings", ""]
    for m in h.last_meetings:
        who = ", ".join(md(name) + (f" ({md(role)})" if role else "") for name, role in m.attendees)
        out.append(f"- {_day(m.scheduled_at)}, {md(m.kind)}: **{md(m.purpose)}**" + (f" with {who}" if who else "")
                   + f". Outcome: {md(_sentence(m.outcome or 'not recorded'))}"
                   + (f" Decided: {'; '.join(md(d) for d in m.decisions)}." if m.decisions else ""))
    if not h.last_meetings:
        out.append("- none recorded")
    if h.next_meetings:
        out += ["", "Planned: " + "; ".join(f"{_day(m.scheduled_at)} {md(m.purpose)}" for m in h.next_meetings)]
    return out + [""]


def transfer_markdown(plan) -> str:
    """The hand-over recorded (or, in a preview, what would be): who to whom, and what went with it."""
    who = f"**{md(plan.from_member)}**" if plan.from_member else "nobody (no owner before)"
    lines = ["## Hand-over", "",
             f"From {who} to **{md(plan.to_member)}**, {_day(plan.at)}"
             + ("." if plan.recorded else " (preview: nothing recorded yet)."), ""]
    if len(plan.contacts_moving) > 1 or plan.contacts_staying:
        lines += [f"- People now {md(plan.to_member)}'s: " + (", ".join(md(n) for n in plan.contacts_moving) or "none")]
    lines += [f"- Staying with {md(owner)}: {md(name)}" for name, owner in plan.contacts_staying]
    lines += [f"- Open next step now {md(plan.to_member)}'s: S{number} {md(step)}" for number, step in plan.steps_moving]
    lines += [f"- Open next step staying with {md(owner or 'no one yet')}: S{number} {md(step)}"
              for number, step, owner in plan.steps_staying]
    lines += [f"- Ticket now {md(plan.to_member)}'s: {md(ref)}" for ref in plan.tickets_moving]
    lines += [f"- Service now {md(plan.to_member)}'s: {md(name)}" for name in plan.services_moving]
    return "\n".join(lines).rstrip() + "\n"
