"""Readiness rules on data built here, and the Sarah Chen call-out from the sample."""

from datetime import datetime, timedelta, timezone

from custview.db.models import Contact, Signal, Ticket
from custview.insight.readiness import assess_readiness
from custview.sample import sample_path
from custview.stages import Stage
from custview.db.history import ContactHistory

NOW = datetime(2026, 11, 24, 12, tzinfo=timezone.utc)


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def history(signals=(), tickets=()) -> ContactHistory:
    return ContactHistory(contact=Contact(id=1, name="Pat Doe", stage="Researcher"), company=None, stage_changes=[],
                          signals=list(signals), appointments=[], tickets=list(tickets), notes=[], colleagues=[],
                          services=[])


def signal(kind, title, days, topics=(), detail=None) -> Signal:
    return Signal(contact_id=1, kind=kind, title=title, topics=list(topics), occurred_at=ago(days), detail=detail)


ASSESSMENT = signal("assessment", "Signal Maturity Assessment", 20, detail="Result: High Signal Blindness")
QUESTION = signal("office hours", "Office Hours", 10, detail="Asked: NetSuite custom records?")
PRICING = signal("content", "Pricing page", 3, topics=["Pricing"])


def test_a_researcher_with_an_assessment_and_a_specific_question_behaves_like_a_hand_raiser():
    readiness = assess_readiness(history([ASSESSMENT, QUESTION]), Stage.RESEARCHER, NOW)
    assert (readiness.direction, readiness.behaves_like) == ("ahead", "Hand Raiser")
    assert any("High Signal Blindness" in e for e in readiness.evidence)
    assert any("NetSuite" in e for e in readiness.evidence)


def test_one_kind_of_evidence_is_not_enough_and_old_evidence_does_not_count():
    assert assess_readiness(history([ASSESSMENT]), Stage.RESEARCHER, NOW) is None
    old_question = signal("office hours", "Office Hours", 200, detail="Asked: pricing?")
    assert assess_readiness(history([ASSESSMENT, old_question]), Stage.RESEARCHER, NOW) is None


def test_a_hand_raiser_building_a_business_case_behaves_like_a_buyer():
    case = signal("content", "ROI calculator", 5, topics=["Business case"])
    security = signal("content", "Security docs", 4, topics=["Security"])
    readiness = assess_readiness(history([case, security]), Stage.HAND_RAISER, NOW)
    assert (readiness.direction, readiness.behaves_like) == ("ahead", "Buyer")
    assert assess_readiness(history([ASSESSMENT, QUESTION]), Stage.BUYER, NOW) is None


def test_an_adopter_going_quiet_with_an_open_issue_is_drifting_back():
    issue = Ticket(contact_id=1, subject="Sync fails every night", status="open", opened_at=ago(20))
    readiness = assess_readiness(history([signal("content", "Old guide", 50)], [issue]), Stage.ADOPTER, NOW)
    assert (readiness.direction, readiness.behaves_like) == ("drifting", "Value Creator")
    assert readiness.evidence == ["no activity for 50 days", "open issue: Sync fails every night"]
    active = [signal("product usage", "Dashboard", 2)]
    assert assess_readiness(history(active, [issue]), Stage.ADOPTER, NOW) is None
    assert assess_readiness(history([signal("content", "Old guide", 50)]), Stage.ADOPTER, NOW) is None


def test_sarah_chens_brief_calls_out_that_she_behaves_like_a_hand_raiser(cli):
    cli("import", str(sample_path()))
    out = cli("brief", "Sarah Chen", "--full").stdout
    assert "Engage as a Hand Raiser: respond promptly; discover needs — recorded: Researcher" in out
    callout = out.split("Further along than recorded, ready for a specific conversation:")[1].split("Talking points")[0]
    assert "High Signal Blindness" in callout and "NetSuite" in callout
    # It is only a suggestion: the recorded stage stays Researcher.
    assert "2/8 Researcher" in out


def test_an_adopter_who_made_a_referral_behaves_like_an_advocate():
    referral = signal("email", "Referred a colleague at another hospital", 10, topics=["Reference"])
    readiness = assess_readiness(history([referral]), Stage.ADOPTER, NOW)
    assert (readiness.direction, readiness.behaves_like) == ("ahead", "Advocate")
    assert readiness.evidence == ["shared their success: Referred a colleague at another hospital"]
    business_review = signal("event", "Quarterly business review", 10)
    assert assess_readiness(history([business_review]), Stage.ADOPTER, NOW) is None


def test_nobody_is_called_an_advocate_while_their_problem_is_open():
    referral = signal("referral", "Introduced us to their sister company", 5)
    issue = Ticket(contact_id=1, subject="Export broken", status="open", opened_at=ago(3))
    assert assess_readiness(history([referral], [issue]), Stage.ADOPTER, NOW) is None


def test_an_advocate_who_co_presented_behaves_like_a_champion():
    talk = signal("event", "Signal Summit", 30, detail="Co-presented the patient-flow results with us")
    readiness = assess_readiness(history([talk]), Stage.ADVOCATE, NOW)
    assert (readiness.direction, readiness.behaves_like, readiness.evidence) == (
        "ahead", "Champion", ["spoke for the methodology: Signal Summit"])
    assert assess_readiness(history([signal("event", "Signal Summit", 120, detail="Co-presented")]),
                            Stage.ADVOCATE, NOW) is None  # older than the evidence window


def test_an_open_question_or_optimisation_ticket_is_activity_so_an_adopter_with_an_issue_is_not_drifting():
    issue = Ticket(contact_id=1, subject="Sync fails every night", status="open", opened_at=ago(20))
    tuning = Ticket(contact_id=1, subject="Best practice for alert thresholds?", status="open", opened_at=ago(6))
    quiet = [signal("content", "Old guide", 50)]
    assert assess_readiness(history(quiet, [issue]), Stage.ADOPTER, NOW).direction == "drifting"
    assert assess_readiness(history(quiet, [issue, tuning]), Stage.ADOPTER, NOW) is None


def test_an_open_question_is_a_two_way_touch_and_an_optimisation_request_is_adoption_activity_only():
    from custview.insight.facts import facts_from_history

    question = Ticket(contact_id=1, subject="How are custom records mapped?", kind="question", status="open",
                      opened_at=ago(4))
    tuning = Ticket(contact_id=1, subject="Tune the alert thresholds", kind="optimization", status="open",
                    opened_at=ago(2))
    answered = Ticket(contact_id=1, subject="Which regions?", kind="question", status="closed", opened_at=ago(9),
                      closed_at=ago(8))
    asked = facts_from_history(history(tickets=[question, answered]), Stage.ADOPTER, None, NOW)
    assert (asked.last_two_way, asked.last_signal, asked.signals_recent) == (ago(4), ago(4), 1)
    tuned = facts_from_history(history(tickets=[tuning]), Stage.ADOPTER, None, NOW)
    assert (tuned.last_two_way, tuned.last_signal, tuned.signals_recent) == (None, ago(2), 1)
