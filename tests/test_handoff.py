from markdown_it import MarkdownIt

from custview.sample import sample_path


def parse(text):
    return MarkdownIt("commonmark").enable("table").parse(text)


def headings(tokens):
    return [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]


def test_handoff_is_markdown_with_every_section_promises_and_open_tickets(cli, book):
    result = cli("handoff", "Ann Lee")
    assert result.exit_code == 0, result.output
    tokens = parse(result.stdout)
    assert headings(tokens) == ["Hand-over: Ann Lee", "Who they are", "Journey so far", "What was promised",
                                "Open next steps", "Decisions", "Open tickets", "What resonates",
                                "Who else is involved", "Key notes", "What not to do", "For the next conversation"]
    html = MarkdownIt("commonmark").enable("table").render(result.stdout)
    assert "Send SSO options" in html and "OVERDUE" in html and "Book training" in html
    assert "Share slides" not in html  # done
    assert "<table>" in html and "Export fails on large files" in html and "Can we also add SSO?" in html
    assert "Keep weekly syncs" in html
    assert "Don't pitch the expansion requests while an issue is open" in html
    assert "Value Creator" in html  # stage history and colleague


def test_data_cannot_inject_markdown(cli, book):
    result = cli("handoff", "eve@borealis.example")
    html = MarkdownIt("commonmark").render(result.stdout)
    assert "[bold]Eve[/bold]" in html and "<a " not in html
    assert "\x1b" not in result.stdout and "\\x1b" in result.stdout


def test_handoff_to_a_file(cli, tmp_path):
    cli("import", str(sample_path()))
    target = tmp_path / "sarah.md"
    result = cli("handoff", "Sarah Chen", "--out", str(target))
    assert result.exit_code == 0 and "written to" in result.stderr
    text = target.read_text(encoding="utf-8")
    assert "Readiness" in text and "High Signal Blindness" in text and "Confirm custom-record support" in text
    bad = cli("handoff", "Sarah Chen", "--out", str(tmp_path / "missing" / "x.md"))
    assert bad.exit_code == 1 and "cannot write" in bad.stderr


def test_handoff_json_carries_the_document_and_the_data(cli, book):
    import json

    data = json.loads(cli("handoff", "Ann Lee", "--json").stdout)
    assert data["markdown"].startswith("# Hand-over: Ann Lee")
    assert [s["stage"] for s in data["stage_history"]] == ["Buyer", "Value Creator", "Adopter"]
    assert data["briefing"]["open_next_steps"][0]["step"] == "Send SSO options"
