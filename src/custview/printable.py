"""Text from data made safe to show: control characters (terminal escapes) become visible codes."""

from __future__ import annotations

import re

# Control characters (terminal escapes), and the invisible ones that change how text around them
# reads: bidirectional overrides and isolates (a name shown reversed), zero-width characters
# (two names that look the same), line and paragraph separators. Joiners (U+200C/D) stay: emoji and
# Persian names need them.
LINE_BREAKS = ("\n", "\r", "\x0b", "\x0c", "\x85", "\u2028", "\u2029")  # what ends a line, for one-line names
_LINE_BREAK = "[" + "".join(LINE_BREAKS) + "]"
_CONTROL = r"[\x00-\x08\x0b-\x1f\x7f-\x9f]"
_INVISIBLE = "[\u061c\u200b\u200e\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"


def printable(value) -> str:
    """The value as text in which no character can move the cursor, change colours or hide itself."""
    text = "" if value is None else str(value)
    if text.isprintable():  # most data: nothing to show differently (every character below is unprintable)
        return text
    # The patterns are compiled (and cached by `re`) only when some text needs them: rarely.
    text = re.sub(_CONTROL, lambda m: f"\\x{ord(m.group()):02x}", text)
    return re.sub(_INVISIBLE, lambda m: f"\\u{ord(m.group()):04x}", text)


def has_line_break(text: str) -> bool:
    """Whether `text` runs over more than one line."""
    return re.search(_LINE_BREAK, text) is not None
