"""The briefing logic on its own: plain objects in, a Briefing out; no database, no CLI."""

from datetime import datetime, timedelta, timezone

from custview.insight.briefing import build_briefing, stage_at, top_topics
from custview.db.models import Appointment, Company, Contact, NextStep, Signal, StageChange, Ticket
from custview.db.history import AppointmentRecord, ContactHistory

NOW = datetime(2026, 11, 24, 12, tzinfo=timezone.utc)


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def history(**parts) -> ContactHistory:
    contact = parts.pop("contact", Contact(id=1, name="Sarah Chen", stage="Researcher", stage_since=ago(42), company_id=7))
    base = dict(contact=contact, company=Company(id=7, name="Northwind"), stage_changes=[], signals=[],
                appointments=[], tickets=[], notes=[], colleagues=[], services=[])
    return ContactHistory(**{**base, **parts})


def signal(days: float, *topics: str, kind: str = "content") -> Signal:
    return Signal(contact_id=1, kind=kind, title=f"{kind} {days}", topics=list(topics), occurred_at=ago(days))


def test_days_in_stage_and_since_first_signal():
    b = build_briefing(history(signals=[signal(30, "ERP"), signal(100, "ERP")]), NOW)
    assert (b.stage.stage, b.stage.days_in_stage, b.stage.days_since_first_signal) == ("Researcher", 42, 100)
    assert b.stage.engagement_style == "answer questions; enable their evaluation"


def test_stage_at_reads_stage_history_for_past_moments():
    changes = [
        StageChange(contact_id=1, stage="Audience", changed_at=ago(150)),
        StageChange(contact_id=1, stage="Researcher", previous_stage="Audience", changed_at=ago(42)),
    ]
    h = history(stage_changes=changes)
    assert stage_at(h, ago(60))[0].value == "Audience"
    assert stage_at(h, NOW)[0].value == "Researcher"
    assert stage_at(h, ago(200))[1] is None


def test_top_topics_count_each_signal_once_within_ninety_days():
    signals = [signal(1, "ERP", "ERP", "NetSuite"), signal(10, "ERP"), signal(20, "Pricing"), signal(95, "Legacy")]
    assert [(t.topic, t.signals) for t in top_topics(signals, NOW)] == [("ERP", 2), ("NetSuite", 1), ("Pricing", 1)]


def test_recent_signals_are_newest_first_and_exclude_the_future():
    b = build_briefing(history(signals=[signal(5), signal(1), signal(-2), signal(9)]), NOW)
    assert [s.occurred_at for s in b.recent_signals] == [ago(1), ago(5), ago(9)]


def test_tickets_split_into_problems_and_expansion_and_closed_ones_drop_out():
    tickets = [
        Ticket(contact_id=1, subject="Broken", kind="issue", status="open", opened_at=ago(3)),
        Ticket(contact_id=2, subject="Can we also?", kind="expansion", status="open", opened_at=ago(6)),
        Ticket(contact_id=1, subject="Done", kind="question", status="closed", opened_at=ago(9), closed_at=ago(8)),
    ]
    b = build_briefing(history(tickets=tickets, colleagues=[Contact(id=2, name="Tom Wu", stage="Adopter")]), NOW)
    assert [t.subject for t in b.problems] == ["Broken"]
    assert [(t.subject, t.raised_by) for t in b.expansion_requests] == [("Can we also?", "Tom Wu")]


def test_a_ticket_closed_later_was_open_as_of_earlier():
    ticket = Ticket(contact_id=1, subject="Slow", kind="issue", status="closed", opened_at=ago(20), closed_at=ago(5))
    assert [t.subject for t in build_briefing(history(tickets=[ticket]), ago(10)).open_tickets] == ["Slow"]
    assert build_briefing(history(tickets=[ticket]), NOW).open_tickets == []


def test_last_meeting_next_meeting_and_open_steps_with_overdue_marked():
    past = Appointment(id=1, contact_id=1, purpose="Scope pilot", kind="discovery", scheduled_at=ago(14),
                       outcome="Agreed scope", decisions=["Pilot on NetSuite"])
    older = Appointment(id=2, contact_id=1, purpose="Intro", scheduled_at=ago(40), outcome="ok", decisions=[])
    upcoming = Appointment(id=3, contact_id=1, purpose="Pilot kickoff", scheduled_at=ago(-3), decisions=[])
    steps = [
        NextStep(appointment_id=1, step="Send proposal", due_at=ago(-3)),
        NextStep(appointment_id=1, step="Share architecture", due_at=ago(2)),
        NextStep(appointment_id=1, step="Book demo", done=True, due_at=ago(5)),
    ]
    records = [AppointmentRecord(upcoming), AppointmentRecord(past, next_steps=steps), AppointmentRecord(older)]
    b = build_briefing(history(appointments=records), NOW)
    assert (b.last_meeting.purpose, b.last_meeting.decisions) == ("Scope pilot", ["Pilot on NetSuite"])
    assert b.next_meeting.purpose == "Pilot kickoff"
    assert [(s.step, s.overdue) for s in b.open_next_steps] == [("Share architecture", True), ("Send proposal", False)]


def test_a_contact_with_no_history_still_gets_a_briefing():
    b = build_briefing(history(contact=Contact(id=1, name="New Person", stage="Audience"), company=None), NOW)
    assert b.stage.stage == "Audience" and b.stage.engagement_style == "be useful; don't push"
    assert b.recent_signals == [] and b.last_meeting is None and b.company is None
