"""The pre-call briefing, drawn: a one-screen brief (the default) or every panel (`brief --full`).

Both say each fact once and give one engagement advice: the stage they behave like, with the
recorded stage beside it. Data goes through render.py's `_text`/`_line`, never read as markup.
"""

from __future__ import annotations

from rich import box
from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from custview.cli.render import STYLES, _bullets, _date, _line, _text, section, ticket_table
from custview.cli.render_meetings import meeting_time, people_text, step_id
from custview.dates import describe_age, describe_duration
from custview.insight.talking_points import SHOWN_ELSEWHERE
from custview.printable import printable

HEALTH_STYLES = {"healthy": "good", "watch": "warning", "at risk": "danger"}
SHORT_NOTES = 2


def render_briefing(b, full: bool = False) -> RenderableType:
    """The brief for one contact: one screen by default, every panel with `full`."""
    return _full(b) if full else _short(b)


# -- parts both share ------------------------------------------------------------------------------

def _header(b) -> Panel:
    lines = []
    role = " · ".join(printable(x) for x in (b.title, b.company_name) if x)
    if role or b.buying_role:
        lines.append(_line(role, ((f"  ({b.buying_role} in the buying decision)" if b.buying_role else ""), "muted")))
    reach = [printable(x) for x in (b.email, b.phone) if x]
    if b.preferences:
        reach.append("prefers " + ", ".join(printable(value) for value in b.preferences.values()))
    if reach:
        lines.append(_text(" · ".join(reach)))
    if b.context:
        lines.append(_line(("Context: ", "label"), b.context))
    for merged in b.merged:
        lines.append(_line(("Merged in: ", "label"), merged.name, (f" <{merged.email}>" if merged.email else ""),
                           (f"  ({_date(merged.merged_at)})", "muted")))
    if b.next_meeting:
        n = b.next_meeting
        when, _, relative = meeting_time(n.scheduled_at, b.as_of).partition(" (")
        lines.append(_line(("Next: ", "warning"), (when, "title"), " — ", (n.purpose, "title"), f" ({relative}",
                           (f"  #{n.id}" if n.id else "", "muted")))
    return Panel(Group(*lines) if lines else _text("no details on file", "muted"), title=_text(b.name, "title"),
                 subtitle=_line(("as of ", "muted"), (_date(b.as_of), "muted")), subtitle_align="right",
                 title_align="left", box=box.HEAVY, padding=(0, 1))


def _advice(b, label: str = "Engage as a", recorded: bool = True) -> Text:
    """The one engagement advice, naming the recorded stage when they behave like another."""
    article = label + ("n " if b.engage_as[0] in "AEIOU" else " ")
    line = _line((article, "label"), (b.engage_as, "stage"), (": ", "label"), (b.engagement_style, "title"))
    if recorded and b.engage_as != b.stage.stage:
        line.append_text(_text(f" — recorded: {b.stage.stage}", "muted"))
    return line


def _timing(b) -> str:
    s = b.stage
    parts = [f"{s.number}/8 {s.stage}" + (f" for {describe_duration(s.days_in_stage)} (since {_date(s.since)})"
                                          if s.days_in_stage is not None else "")]
    if s.days_since_first_signal is not None:
        parts.append(f"engaging for {describe_duration(s.days_since_first_signal)}")
    else:
        parts.append("no signals yet")
    return "; ".join(parts)


def _steps(steps, as_of) -> Table:
    """Open next steps, one per row, wrapped lines indented under their text: ☐ S2 OVERDUE text — owner, due."""
    table = Table.grid(padding=(0, 1))
    table.add_column(no_wrap=True, style=STYLES["muted"])
    table.add_column()
    for step in steps:
        due = f", due {_date(step.due_at)} ({describe_age(step.due_at, as_of)})" if step.due_at else ""
        table.add_row(f"☐ {step_id(step)}", _line(("OVERDUE " if step.overdue else "", "danger"), step.step,
                                                 (f" — {step.owner}" if step.owner else "", "muted"),
                                                 (due, "danger" if step.overdue else "muted")))
    return table


def _ticket_heading(b) -> str:
    mine, others = b.ticket_owners
    first = b.name.split()[0] if b.name.split() else b.name
    parts = [f"{printable(first)}'s {mine}"] if mine else []
    if others:
        parts.append(f"others at {printable(b.company_name)} {others}" if b.company_name else f"others {others}")
    return " · ".join(parts) or "none"


TICKET_GROUPS = (("problems", "Problems to resolve", "warning"), ("questions", "Questions to answer", "label"),
                 ("expansion_requests", "Expansion interest (\"can we also…?\")", "expansion"))


def _pitch_warning(b) -> Text | None:
    if b.expansion_requests and any(t.kind == "issue" for t in b.problems):
        return _text("Resolve the open issue before discussing expansion: don't pitch while they have a problem.",
                     "danger")
    return None


# -- the one-screen brief --------------------------------------------------------------------------

def _short(b) -> RenderableType:
    grid = Table.grid(padding=(0, 1))
    grid.add_column(style=STYLES["label"], no_wrap=True, width=9)
    grid.add_column()
    for label, body in _short_rows(b):
        grid.add_row(label, body)
    return Group(_header(b), grid)


def _short_rows(b):
    recorded = "recorded: " if b.engage_as != b.stage.stage else ""
    yield "Engage", Group(_advice(b, "as a", recorded=False), _text(recorded + _timing(b), "muted"),
                          *_evidence(b, joined=True))
    if b.key_notes:
        yield "Notes", Group(*(_note(n) for n in b.key_notes[:SHORT_NOTES]))
    if b.open_next_steps:
        yield "Promises", _steps(b.open_next_steps, b.as_of)
    if b.open_tickets:
        yield "Tickets", Group(_text(_ticket_heading(b), "muted"), *_short_tickets(b))
    resonates = _resonates(b)
    if resonates:
        yield "Interests", resonates
    extra = [p for p, kind in zip(b.talking_points, b.talking_point_kinds) if kind not in SHOWN_ELSEWHERE]
    if extra:
        yield "Raise", Group(*(_text(p) for p in extra))
    if b.last_meeting:
        yield "Last met", _short_meeting(b)
    yield "Health", _short_health(b.health)
    if b.company:
        yield "Account", _short_account(b.company)


def _evidence(b, joined: bool = False) -> list:
    """Why readiness says they are elsewhere on the Value Path: one paragraph (short brief) or bullets."""
    r = b.readiness
    if not r:
        return []
    heading = ("Further along than recorded, ready for a specific conversation" if r.direction == "ahead"
               else f"Drifting back, at risk of slipping toward {r.behaves_like}")
    if joined:
        return [_line((heading + ": ", "warning"), " · ".join(r.evidence))]
    return [_text(heading + ":", "warning"), _bullets(r.evidence)]


def _note(n) -> Text:
    return _line((f"{_date(n.written_at)[:6]} ", "muted"), (f"{n.author}: " if n.author else "", "label"), n.text,
                 (" (company note)" if n.about == "company" else "", "muted"))


SHORT_GROUPS = {"problems": "resolve", "questions": "answer", "expansion_requests": "expansion"}


def _short_tickets(b) -> list:
    lines = []
    for attribute, _, style in TICKET_GROUPS:
        for t in getattr(b, attribute):
            facts = [t.priority] if t.priority in ("high", "urgent") else []
            facts += [describe_age(t.opened_at, b.as_of).removesuffix(" ago")]
            facts += [t.raised_by] if t.raised_by else []
            lines.append(_line((f"{SHORT_GROUPS[attribute]}: ", style), (f"{t.ref} " if t.ref else "", "muted"),
                               t.subject, (f" ({', '.join(facts)})", "muted")))
    warning = _pitch_warning(b)
    return lines + ([warning] if warning else [])


def _resonates(b) -> Text | None:
    if not b.top_topics and not b.recent_signals:
        return None
    line = _line(", ".join(f"{t.topic} ×{t.signals}" for t in b.top_topics[:3]))
    if b.recent_signals:
        latest = b.recent_signals[0]
        line.append_text(_line((" · latest: " if b.top_topics else "latest: ", "muted"), latest.title,
                               (f", {describe_age(latest.occurred_at, b.as_of)}", "muted")))
    return line


def _short_meeting(b) -> Group:
    m = b.last_meeting
    others = [(name, role) for name, role in m.attendees if name != b.name]
    when = f"{m.kind}, {_date(m.scheduled_at)} ({describe_age(m.scheduled_at, b.as_of)})"
    lines = [_text(m.purpose, "title"), _line((when, "muted"), (f", with {people_text(others)}" if others else "", "muted")),
             _line(("Outcome: ", "label"), m.outcome or "not recorded yet")]
    lines.extend(_line(("Decided: ", "label"), d) for d in m.decisions)
    return Group(*lines)


def _short_health(h) -> Text:
    reasons = "; ".join(f"{r.text.split(':')[0]} ({r.points:+d})" for r in h.reasons[:3])
    return _line((f"{h.score}/100 ", "title"), (h.label, HEALTH_STYLES[h.label]), (f": {reasons}" if reasons else "", "muted"))


def _short_account(c, named: bool = True) -> Group:
    health = c.account_health
    measured = (f"{health.score}/100 {health.label}", HEALTH_STYLES[health.label]) if health else (c.health or "", "muted")
    lines = [_line((c.name if named else "Account", "title" if named else "label"),
                   (f" · {c.stage}" if c.stage else "", "stage"), " · health ", measured,
                   (f" (recorded: {c.health})" if health and c.health else "", "muted"))]
    if c.commercial:
        lines.append(_text(c.commercial, "label"))
    if c.services:
        lines.append(_line(("Services: ", "muted"), "; ".join(f"{s.name} ({s.status})" for s in c.services)))
    for person in c.colleagues:
        facts = " · ".join(x for x in (person.title, person.stage, person.buying_role) if x)
        lines.append(_line(person.name, (f", {facts}", "muted")))
    return Group(*lines)


# -- every panel (brief --full) -------------------------------------------------------------------

def _full(b) -> RenderableType:
    parts = [_header(b)]
    if b.key_notes:
        parts.append(section("Key notes", Group(*(_note(n) for n in b.key_notes))))
    parts.append(_stage_panel(b))
    if b.talking_points:
        parts.append(section("Talking points", _bullets(b.talking_points)))
    parts += [_health_panel(b), _signals_panel(b), _tickets_panel(b), _meetings_panel(b), _company_panel(b)]
    return Group(*parts)


def _stage_panel(b) -> Panel:
    s = b.stage
    track = Text()
    for number in range(1, 9):
        track.append("●" if number <= s.number else "○", style=STYLES["stage"] if number <= s.number else "dim")
    lines = [_line(track, "  ", (f"{s.number}/8 {s.stage}", "stage"), (f" — {s.doing}", "muted")),
             _text("In this stage " + _timing(b).split(" ", 2)[2], "muted"), _advice(b)]
    lines += _evidence(b)
    return section("Value Path", Group(*lines))


def _health_panel(b) -> Panel:
    h = b.health
    top = [_line(reason.text, (f"  ({reason.points:+d})", "muted")) for reason in h.reasons[:3]]
    body = [_line((f"{h.score}/100 ", "title"), (h.label, HEALTH_STYLES[h.label])),
            _bullets(top or [_text("nothing is pulling the score down", "muted")])]
    return section("Relationship health", Group(*body))


def _signals_panel(b) -> Panel:
    lines = []
    if b.top_topics:
        topics = ", ".join(f"{t.topic} ×{t.signals}" for t in b.top_topics)
        lines.append(_line(("What resonates (last 90 days): ", "label"), topics))
    if not b.recent_signals:
        lines.append(_text("No signals yet.", "muted"))
    else:
        table = Table.grid(padding=(0, 2))
        table.add_column(style=STYLES["muted"], no_wrap=True)
        table.add_column(no_wrap=True)
        table.add_column()
        for signal in b.recent_signals:
            what = _line(signal.title, (f"  [{', '.join(signal.topics)}]" if signal.topics else "", "topic"))
            if signal.detail:
                what.append("\n")
                what.append_text(_line(("→ ", "muted"), signal.detail))
            table.add_row(_text(describe_age(signal.occurred_at, b.as_of)), _text(signal.kind), what)
        lines.append(table)
    return section(f"Signals — {b.signal_count} in all, latest {len(b.recent_signals)}", Group(*lines))


def _tickets_panel(b) -> Panel:
    lines = [] if b.open_tickets else [_text("No open tickets.", "muted")]
    for attribute, heading, style in TICKET_GROUPS:
        tickets = getattr(b, attribute)
        if tickets:
            lines += [_text(heading, style), ticket_table(tickets, b.as_of)]
    warning = _pitch_warning(b)
    if warning:
        lines.append(warning)
    return section(f"Open tickets — {_ticket_heading(b)}", Group(*lines))


def _meetings_panel(b) -> Panel:
    lines = []
    m = b.last_meeting
    if m is None:
        lines.append(_text("No meetings yet.", "muted"))
    else:
        lines.append(_line((m.purpose, "title"), (f"  {m.kind}, {describe_age(m.scheduled_at, b.as_of)} "
                                                  f"({_date(m.scheduled_at)})", "muted")))
        if m.attendees:
            lines.append(_line(("With: ", "label"), people_text(m.attendees)))
        lines.append(_line(("Outcome: ", "label"), m.outcome or "not recorded yet"))
        lines.extend(_line(("Decided: ", "label"), decision) for decision in m.decisions)
    if b.open_next_steps:
        lines.append(_text(f"Open next steps ({len(b.open_next_steps)})", "label"))
        lines.append(_steps(b.open_next_steps, b.as_of))
    return section("Last meeting", Group(*lines))


def _company_panel(b) -> Panel:
    c = b.company
    if c is None:
        return section("Company", _text("No company on file.", "muted"))
    facts = " · ".join(printable(x) for x in (c.industry, c.size and f"{c.size} people", c.domain) if x)
    lines = ([_text(facts, "muted")] if facts else []) + list(_short_account(c, named=False).renderables)
    if c.account_health and c.account_health.reasons:
        lines.append(_bullets([r.text for r in c.account_health.reasons[:3]]))
    if c.summary:
        lines.append(_text(c.summary))
    if not c.colleagues:
        lines.append(_text("Nobody else known there yet.", "muted"))
    return section(f"Company — {c.name}", Group(*lines))
