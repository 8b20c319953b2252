"""Each health rule on data built here, then the sample's spread over the three labels."""

import json
from datetime import datetime, timedelta, timezone

from custview.insight.health import (
    contact_health,
    label_for,
    overdue_rule,
    quiet_rule,
    service_rule,
    stalled_rule,
    ticket_rule,
    trend_rule,
)
from custview.insight.facts import facts_from_history
from custview.db.models import Appointment, Contact, NextStep, Service, Signal, Ticket
from custview.sample import sample_path
from custview.stages import Stage
from custview.db.history import AppointmentRecord, ContactHistory

NOW = datetime(2026, 11, 24, 12, tzinfo=timezone.utc)


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def check(rule, history, stage, stage_since, as_of):
    """One rule applied to the facts a contact's history gives."""
    return rule(facts_from_history(history, stage, stage_since, as_of), as_of)


def history(**parts) -> ContactHistory:
    base = dict(contact=Contact(id=1, name="Pat Doe", stage="Adopter"), company=None, stage_changes=[], signals=[],
                appointments=[], tickets=[], notes=[], colleagues=[], services=[])
    return ContactHistory(**{**base, **parts})


def meeting(days: float, *steps: NextStep) -> AppointmentRecord:
    return AppointmentRecord(Appointment(id=1, contact_id=1, purpose="Check-in", scheduled_at=ago(days), decisions=[]),
                             next_steps=list(steps))


def signals(*days: float, kind: str = "content") -> list[Signal]:
    return [Signal(contact_id=1, kind=kind, title="x", topics=[], occurred_at=ago(d)) for d in days]


def test_quiet_rule_compares_last_two_way_touch_with_the_stage_cadence():
    assert check(quiet_rule, history(appointments=[meeting(20)]), Stage.ADOPTER, None, NOW) is None
    assert check(quiet_rule, history(appointments=[meeting(45)]), Stage.ADOPTER, None, NOW).points == -15
    assert check(quiet_rule, history(appointments=[meeting(45)]), Stage.BUYER, None, NOW).points == -30
    # Reading content is not a conversation; an office-hours question is.
    assert check(quiet_rule, history(signals=signals(1)), Stage.ADOPTER, None, NOW).points == -20
    assert check(quiet_rule, history(signals=signals(1, kind="office hours")), Stage.ADOPTER, None, NOW) is None


def test_trend_rule_spots_falling_and_rising_activity():
    falling = history(signals=signals(40, 45, 50, 60, 70, 80))
    assert check(trend_rule, falling, Stage.ADOPTER, None, NOW).points == -15
    rising = history(signals=signals(1, 2, 3, 4, 50))
    assert check(trend_rule, rising, Stage.ADOPTER, None, NOW).points == 5
    steady = history(signals=signals(5, 20, 40, 70))
    assert check(trend_rule, steady, Stage.ADOPTER, None, NOW) is None


def test_ticket_rule_weighs_priority_and_age_of_open_issues_only():
    urgent_old = Ticket(contact_id=1, subject="Export fails", priority="urgent", status="open", opened_at=ago(30))
    normal_new = Ticket(contact_id=1, subject="Report is wrong", priority="normal", status="open", opened_at=ago(2))
    expansion = Ticket(contact_id=1, subject="Can we also add SSO?", status="open", opened_at=ago(40))
    closed = Ticket(contact_id=1, subject="Crash", priority="high", status="closed", opened_at=ago(9), closed_at=ago(1))
    assert check(ticket_rule, history(tickets=[urgent_old]), Stage.ADOPTER, None, NOW).points == -22
    assert check(ticket_rule, history(tickets=[normal_new]), Stage.ADOPTER, None, NOW).points == -8
    assert check(ticket_rule, history(tickets=[expansion, closed]), Stage.ADOPTER, None, NOW) is None


def test_overdue_rule_counts_open_past_due_steps():
    steps = [NextStep(appointment_id=1, step="Send plan", due_at=ago(2)),
             NextStep(appointment_id=1, step="Book call", due_at=ago(-2)),
             NextStep(appointment_id=1, step="Old, done", due_at=ago(9), done=True)]
    reason = check(overdue_rule, history(appointments=[meeting(10, *steps)]), Stage.ADOPTER, None, NOW)
    assert (reason.points, "Send plan" in reason.text, "Book call" in reason.text) == (-10, True, False)


def test_stalled_rule_uses_the_typical_time_in_stage():
    assert check(stalled_rule, history(), Stage.HAND_RAISER, ago(60), NOW).points == -10
    assert check(stalled_rule, history(), Stage.HAND_RAISER, ago(20), NOW) is None


def test_service_rule_flags_services_at_risk():
    services = [Service(company_id=1, name="Pipeline", status="at risk"), Service(company_id=1, name="BI", status="active")]
    assert check(service_rule, history(services=services), Stage.ADOPTER, None, NOW).text == "service at risk: Pipeline"


def test_score_adds_the_reasons_and_labels_it():
    h = contact_health(history(appointments=[meeting(70)], signals=signals(40, 45, 50, 60, 70, 80)),
                       Stage.ADOPTER, ago(100), NOW)
    assert (h.score, h.label) == (55, "watch")
    assert [r.rule for r in h.reasons] == ["quiet", "trend"]
    assert (label_for(75), label_for(74), label_for(50), label_for(49)) == ("healthy", "watch", "watch", "at risk")


def test_the_sample_has_every_health_label(cli):
    cli("import", str(sample_path()))

    def health(name):
        return json.loads(cli("brief", name, "--json").stdout)["health"]

    assert health("Olivia Grant")["label"] == "at risk"
    assert health("Ravi Menon")["label"] == "watch"
    assert health("Marcus Webb")["label"] == "healthy"
    assert "urgent issue open" in " ".join(r["text"] for r in health("Olivia Grant")["reasons"])


def test_the_brief_shows_account_health_across_the_company(cli):
    cli("import", str(sample_path()))
    company = json.loads(cli("brief", "Ravi Menon", "--json").stdout)["company"]
    assert company["account_health"]["label"] == "at risk"
    reasons = [r["text"] for r in company["account_health"]["reasons"]]
    assert any(r.startswith("Olivia Grant: at risk") for r in reasons) and "service at risk: Meter-data pipeline" in reasons
    account_line = next(line for line in cli("brief", "Ravi Menon").stdout.splitlines() if line.startswith("Account"))
    assert f"health {company['account_health']['score']}/100 at risk" in account_line and "(recorded: at risk)" in account_line


def test_account_health_averages_people_and_charges_services_at_risk():
    from types import SimpleNamespace

    from custview.insight.health import Health, HealthReason, account_health

    people = [SimpleNamespace(name="A", health=Health(90, "healthy", [])),
              SimpleNamespace(name="B", health=Health(40, "at risk", [HealthReason("quiet", -30, "gone quiet")]))]
    services = [Service(company_id=1, name="Pipeline", status="at risk")]
    h = account_health(people, services)
    assert (h.score, h.label) == (50, "watch")
    assert [r.text for r in h.reasons] == ["B: at risk (40): gone quiet", "service at risk: Pipeline"]
