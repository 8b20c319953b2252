"""Drawing the likely duplicates: thousands of pairs in a big book, laid out line by line.

A Rich table of thousands of rows, each a group of lines, spends seconds measuring itself. The pairs are
laid out here as Rich lays out that table (three columns two spaces apart, the last one wrapped at the
width left, the evidence under its bullets), as lines of (text, style) parts: plain text when the output
shows no style (a file or a pipe), else one Rich Text.
"""

from __future__ import annotations

import re

from rich.cells import cell_len
from rich.text import Text

from custview.cli.render import _line
from custview.printable import printable

WORD = re.compile(r"\s*\S+\s*")
BEYOND_ASCII = re.compile(r"[^\x00-\x7f]")
BULLET = "  • "  # the bullet column and the space after it: wrapped evidence stays under its first word
ARROW = "→ "
NARROWEST = 8  # the evidence column is never narrower than this, however narrow the terminal


def render_duplicates(pairs, commands: list[str]):
    """Likely duplicate pairs, best first: the score, both records, the evidence and the command that merges
    them; a str when the output shows no style, else a Rich Text."""
    from custview.cli.terminal import console

    out = console()
    lines = duplicates_lines(pairs, commands, out.width)
    if out.color_system is None:
        return "".join("".join(text for text, _ in parts).rstrip() + "\n" for parts in lines)
    return Text("\n").join(_line(*parts) for parts in lines)


def duplicates_lines(pairs, commands: list[str], width: int) -> list[list[tuple[str, str | None]]]:
    """The drawing as lines, each a list of (text, style) parts, none wider than `width`."""
    if not pairs:
        return [[("No likely duplicates found.", "good")]]
    contacts = sum(p.kind == "contact" for p in pairs)
    kinds = ", ".join(f"{n} {kind} pair{'s' if n != 1 else ''}"
                      for n, kind in ((contacts, "contact"), (len(pairs) - contacts, "company")) if n)
    heading = (f"{len(pairs)} likely duplicate{'s' if len(pairs) != 1 else ''} ({kinds}), best first; "
               "the older record of each pair comes first:")
    lines = [*wrapped([(heading, None)], width, fold=True), []]
    score_width = max(len(str(pair.score)) for pair in pairs)
    kind_width = max(len(pair.kind) for pair in pairs)
    room = max(width - score_width - kind_width - 4, NARROWEST)
    margin = " " * (score_width + kind_width + 4)
    for pair, command in zip(pairs, commands):
        style = "danger" if pair.score >= 90 else "warning" if pair.score >= 70 else None
        body = [*wrapped(_party(pair.first, pair.kind), room), *wrapped(_party(pair.second, pair.kind), room)]
        for evidence in pair.evidence:
            for n, parts in enumerate(wrapped([(_shown(evidence), None)], room - len(BULLET))):
                body.append([(BULLET if n == 0 else " " * len(BULLET), None), *parts])
        body += wrapped([(ARROW, "muted"), (_shown(command), "muted")], room)
        first = [(str(pair.score).rjust(score_width), style), ("  ", None), (pair.kind.ljust(kind_width), None),
                 ("  ", None)]
        lines += [first + body[0], *([(margin, None), *parts] for parts in body[1:]), []]
    hint = "'custview merge KEEP OTHER' shows what would change and asks before merging."
    return lines + wrapped([(hint, "muted")], width, fold=True)


def _party(party, kind: str) -> list[tuple[str, str | None]]:
    """One record of a duplicate pair: name <email> (a contact) or name (domain) (a company), company and id."""
    detail = (f" <{party.detail}>" if kind == "contact" else f" ({party.detail})") if party.detail else ""
    facts = " · ".join(x for x in (party.company, f"#{party.id}") if x)
    return [(_shown(party.name), "title"), (_shown(detail), "muted"), (_shown("  " + facts), "muted")]


def _shown(value) -> str:
    """A value as shown: control characters made visible, a tab a space (the columns stay where they are)."""
    return printable(value).replace("\t", " ")


def wrapped(parts: list[tuple[str, str | None]], width: int, fold: bool = False) -> list[list[tuple[str, str | None]]]:
    """One line of (text, style) parts as the lines Rich wraps it into at `width`: words moved whole to the
    next line, the spaces where a line breaks dropped; a word longer than the line folded (`fold`, as a
    line of its own is) or, as in a table's cell, alone on its line and cut short with an ellipsis."""
    text = "".join(part for part, _ in parts)
    if "\n" not in text and cells(text) <= width:
        return [parts]
    lines, start = [], 0
    for end in [*breaks(text, width, fold), len(text)]:
        line = _cut(parts, start, end)
        lines.append(line if fold or cells("".join(part for part, _ in line)) <= width else _cropped(line, width))
        start = end
    return lines


def breaks(text: str, width: int, fold: bool = False) -> list[int]:
    """Where `text` breaks into lines of at most `width` cells (its own line breaks included; a word longer
    than a line is folded over several, or else left whole on its own)."""
    found, line_start = [], 0
    for line in text.split("\n"):
        if line_start:
            found.append(line_start)
        offset = 0
        for match in WORD.finditer(line):
            start, word = match.start() + line_start, match.group()
            length = cells(word.rstrip())
            if offset + length <= width:
                offset += cells(word)
            elif length > width and not fold:
                if start > line_start:
                    found.append(start)
                offset = cells(word)
            elif length > width:  # as much as fits on each line
                for piece in _chop(word, width):
                    if start > line_start:
                        found.append(start)
                    start += len(piece)
                    offset = cells(piece)
            elif offset and start > line_start:
                found.append(start)
                offset = cells(word)
        line_start += len(line) + 1
    return found


def _chop(word: str, width: int) -> list[str]:
    """A word cut into pieces of at most `width` cells."""
    pieces, piece = [], ""
    for character in word:
        if piece and cells(piece + character) > width:
            pieces.append(piece)
            piece = ""
        piece += character
    return pieces + [piece] if piece else pieces


def cells(text: str) -> int:
    """How many cells of the terminal `text` takes, as Rich counts them (quickly for the usual text)."""
    if text.isascii():
        return len(text)
    if "\u200d" in text or "\ufe0f" in text:  # joined emoji: Rich measures the whole
        return cell_len(text)
    return len(text) + sum(cell_len(character) - 1 for character in BEYOND_ASCII.findall(text))


def _cropped(parts: list[tuple[str, str | None]], width: int) -> list[tuple[str, str | None]]:
    """A line too long for `width` cut to fit, an ellipsis at its end."""
    cropped, room = [], width - 1
    for text, style in parts:
        if cells(text) <= room:
            cropped.append((text, style))
            room -= cells(text)
            continue
        piece = _chop(text, room)[0] if room > 0 else ""
        return cropped + [(piece + "…", style)]
    return cropped


def _cut(parts: list[tuple[str, str | None]], start: int, end: int) -> list[tuple[str, str | None]]:
    """The parts between two offsets of their joined text, without the line break or spaces at its end."""
    cut, position = [], 0
    for text, style in parts:
        piece = text[max(start - position, 0):max(end - position, 0)]
        if piece:
            cut.append((piece, style))
        position += len(text)
    while cut and not cut[-1][0].rstrip():
        cut.pop()
    if cut:
        cut[-1] = (cut[-1][0].rstrip(), cut[-1][1])
    return cut
