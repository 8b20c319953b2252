from datetime import datetime, timedelta, timezone

from custview.insight.briefing import build_briefing
from custview.db.models import Appointment, Contact, NextStep, Signal, Ticket
from custview.sample import sample_path
from custview.db.history import AppointmentRecord, ContactHistory

NOW = datetime(2026, 11, 24, 12, tzinfo=timezone.utc)


def ago(days):
    return NOW - timedelta(days=days)


def briefing(signals=(), tickets=(), appointments=(), stage="Adopter"):
    history = ContactHistory(contact=Contact(id=1, name="Pat Doe", stage=stage, stage_since=ago(30)), company=None,
                             stage_changes=[], signals=list(signals), appointments=list(appointments),
                             tickets=list(tickets), notes=[], colleagues=[], services=[])
    return build_briefing(history, NOW)


def test_points_come_from_the_data_in_order_of_what_to_raise_first():
    issue = Ticket(contact_id=1, ref="T-9", subject="Sync fails nightly", status="open", priority="high", opened_at=ago(4))
    question = Ticket(contact_id=1, subject="How do roles work?", status="open", opened_at=ago(2))
    meeting = AppointmentRecord(Appointment(id=1, contact_id=1, purpose="Review", scheduled_at=ago(10), decisions=[]),
                                next_steps=[NextStep(appointment_id=1, step="Send the SSO plan", due_at=ago(3))])
    guide = Signal(contact_id=1, kind="content", title="Audit guide", topics=["Audit"], occurred_at=ago(5))
    points = briefing([guide], [issue, question], [meeting]).talking_points
    assert points == [
        "Acknowledge the open issue first: T-9 Sync fails nightly (high, open 4 days).",
        "Close the loop on an overdue promise: Send the SSO plan, due 3 days ago.",
        "Answer their question: How do roles work?",
        'Reference what they engaged with on Audit: "Audit guide" (5 days ago).',
    ]


def test_expansion_is_only_suggested_when_no_issue_is_open():
    expansion = Ticket(contact_id=1, subject="Can we also add SSO?", status="open", opened_at=ago(2))
    assert "Explore their expansion interest: Can we also add SSO?" in briefing(tickets=[expansion]).talking_points
    issue = Ticket(contact_id=1, subject="Export broken", status="open", opened_at=ago(2))
    assert not any("expansion" in p for p in briefing(tickets=[expansion, issue]).talking_points)


def test_sarah_chens_talking_points(cli):
    cli("import", str(sample_path()))
    out = cli("brief", "Sarah Chen", "--full").stdout
    points = out.split("Talking points")[1].split("Relationship health")[0]
    assert "Confirm custom-record support with product" in points
    assert "Does the connector read NetSuite custom records?" in points
    # One engagement advice, not a second one that disagrees with it.
    assert "discovery" not in points
    assert out.count("Engage as a") == 1
