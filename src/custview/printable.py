"""Text from data made safe to show: control characters (terminal escapes) become visible codes."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(value) -> str:
    """The value as text in which no character can move the cursor or change colours."""
    text = "" if value is None else str(value)
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
