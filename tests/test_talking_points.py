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




def briefing_at(stage, signals=(), tickets=(), services=(), criteria=()):
    from custview.db.models import Company

    history = ContactHistory(contact=Contact(id=1, name="Pat Doe", stage=stage, stage_since=ago(30), company_id=7),
                             company=Company(id=7, name="Acme"), stage_changes=[], signals=list(signals),
                             appointments=[], tickets=list(tickets), notes=[], colleagues=[], services=list(services),
                             success_criteria=list(criteria))
    return build_briefing(history, NOW)


def test_a_value_creator_hears_about_the_delivery_risks():
    from custview.db.models import Service, SuccessCriterion

    b = briefing_at("Value Creator", services=[Service(company_id=7, name="ERP rollout", status="at risk")],
                    criteria=[SuccessCriterion(id=1, company_id=7, metric="Latency", target="under 5 min",
                                               status="at risk"),
                              SuccessCriterion(id=2, company_id=7, metric="Teams live", status="on track")])
    assert ("Delivery risk to talk through: ERP rollout (service at risk); Latency (target under 5 min, at risk); "
            "agree what happens next and by when.") in b.talking_points
    assert not any("Delivery risk" in p for p in briefing_at("Value Creator").talking_points)


def test_an_adopter_is_helped_to_optimise_and_asked_about_expansion_only_when_no_problem_is_open():
    from custview.db.models import SuccessCriterion

    tuning = Ticket(contact_id=1, ref="T-7", subject="Best practice for alert thresholds?", status="open",
                    kind="optimization", opened_at=ago(3))
    met = SuccessCriterion(id=1, company_id=7, metric="Forecast accuracy", target="90%", status="met")
    points = briefing_at("Adopter", tickets=[tuning], criteria=[met]).talking_points
    assert "Help them get more out of it: T-7 Best practice for alert thresholds?" in points
    assert "They reached Forecast accuracy (90%): ask where else it could help." in points
    issue = Ticket(contact_id=1, subject="Export broken", status="open", kind="issue", opened_at=ago(2))
    with_problem = briefing_at("Adopter", tickets=[tuning, issue], criteria=[met]).talking_points
    assert not any(p.startswith(("Help them get more", "They reached")) for p in with_problem)


def test_an_advocate_is_thanked_for_a_referral_and_asked_for_their_story_not_sent_content():
    referral = Signal(contact_id=1, kind="email", title="Referred a colleague at another hospital",
                      topics=["Case study"], occurred_at=ago(10))
    points = briefing_at("Advocate", signals=[referral]).talking_points
    assert points == ["Thank them for sharing their success: Referred a colleague at another hospital (10 days ago).",
                      "Ask for their story: a case study, a review or a reference call."]


def test_a_champion_is_invited_to_co_present():
    talk = Signal(contact_id=1, kind="event", title="Signal Summit", topics=["Thought leadership"],
                  occurred_at=ago(35), detail="Co-presented with us")
    assert briefing_at("Champion", signals=[talk]).talking_points[-1] == \
        "Invite them to co-present or co-author on Thought leadership (last: Signal Summit, 5 weeks ago)."
