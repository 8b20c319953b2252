import pytest

from custview.db.models import Ticket
from custview.insight.tickets import classify_ticket, ticket_kind


@pytest.mark.parametrize("subject, kind", [
    ("Can we also sync invoices to Salesforce?", "expansion"),
    ("Could we roll this out to the Reno warehouse", "expansion"),
    ("Export fails on large files", "issue"),
    ("Totals are wrong since Monday", "issue"),
    ("Best practice for alert thresholds?", "optimization"),
    ("Dashboard slow with a year of data", "optimization"),
    ("How do roles work?", "question"),
    ("Quarterly invoice", None),
])
def test_keyword_rules_classify_tickets(subject, kind):
    assert classify_ticket(subject) == kind


def test_description_counts_too_and_a_recorded_kind_overrides():
    assert classify_ticket("Sync", "The nightly job fails with error 500") == "issue"
    assert ticket_kind(Ticket(subject="Can we also add SSO?", kind="question", opened_at=None)) == "question"
    assert ticket_kind(Ticket(subject="Can we also add SSO?", opened_at=None)) == "expansion"


def test_inferred_kinds_show_in_the_brief(cli, tmp_path):
    book = tmp_path / "t.yaml"
    book.write_text(
        "contacts:\n  - {name: Pat Doe, email: pat@x.example, stage: Adopter}\n"
        "tickets:\n"
        "  - {contact: Pat Doe, subject: Nightly sync fails, opened: -2d}\n"
        "  - {contact: Pat Doe, subject: Can we also add SSO?, opened: -1d}\n"
    )
    assert cli("import", str(book)).exit_code == 0
    out = cli("brief", "Pat Doe", "--full").stdout
    assert "issue (inferred)" in out and "expansion (inferred)" in out
    assert "don't pitch" in out
