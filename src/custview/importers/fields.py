"""Typed access to a record's fields that collects every problem, one line each, instead of stopping at the first."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from custview.dates import parse_when
from custview.printable import has_line_break
from custview.importers.records import SourceRecord, preview, squash
from custview.stages import Stage

# Text longer than this is refused with a clear line rather than stored and shown: a name or a
# subject is never a page long, and a note of more than a few pages is a pasted document or a log.
MAX_TEXT = 1_000
MAX_LONG_TEXT = 10_000
LONG_TEXT_FIELDS = ("summary", "context", "description", "detail", "outcome", "text")
ONE_LINE_FIELDS = ("name", "email", "company", "contact", "owner", "author", "attendees", "from", "to")  # names: one line each
MAX_DATE_TEXT = 100


def within_limits(text: str, limit: int = MAX_TEXT) -> bool:
    """Whether a text is short enough and free of NUL characters to be stored without a problem."""
    return len(text) <= limit and "\x00" not in text


@lru_cache(maxsize=4096)  # a file says the same few statuses and priorities row after row
def option_named(options: tuple[str, ...], text: str) -> str | None:
    """The option a text names, matched without regard to case, spaces, dashes or underscores; None if none."""
    wanted = squash(text)
    return next((option for option in options if squash(option) == wanted), None)


class Fields:
    """Typed access to a record's fields that collects every problem instead of stopping at the first."""

    def __init__(self, record: SourceRecord, allowed: tuple[str, ...], now: datetime):
        self.record, self.now = record, now
        self.problems: list[str] = []
        self.refers_to_failed_record = False  # its problem was reported with that record
        self.new_company: str | None = None  # a company this export row implies (see RecordWriter.find_company)
        for key in record.data:
            if key not in allowed:
                self.problem(key, f"unknown field (expected one of: {', '.join(allowed)})")

    def problem(self, name: str, message: str) -> None:
        """Note a problem with field `name`."""
        self.problems.append(f"{self.record.where(name)}: {self.record.field_label(name)}: {message}")

    def has(self, name: str) -> bool:
        """Whether the record gives this field a value."""
        return self.record.data.get(name) not in (None, "")

    def text(self, name: str, required: bool = False) -> str | None:
        """A text field, stripped; numbers are taken as text."""
        return self.text_value(name, self.record.data.get(name), required)

    def text_value(self, name: str, value, required: bool) -> str | None:
        """A text value found inside field `name` (e.g. in a nested list)."""
        if value.__class__ is str:  # what nearly every value is: straight to the checks
            text = value.strip()
        elif isinstance(value, (bool, dict, list)):
            self.problem(name, f"expected text, found {preview(value)} (put it in quotes)")
            return None
        else:
            text = "" if value is None else str(value).strip()
        if not text:
            if required:
                self.problem(name, "missing (required)")
            return None
        limit = MAX_LONG_TEXT if name in LONG_TEXT_FIELDS else MAX_TEXT
        if len(text) > limit:
            self.problem(name, f"too long: {len(text):,} characters (at most {limit:,})")
            return None
        if "\x00" in text:
            self.problem(name, "contains a NUL character (binary data, not text)")
            return None
        if name in ONE_LINE_FIELDS and has_line_break(text):
            self.problem(name, f"contains a line break ({preview(text)}): a name is one line")
            return None
        return text

    def texts(self, name: str) -> list[str]:
        """A list of text values; a single value counts as a list of one."""
        value = self.record.data.get(name)
        if value is None:
            return []
        items = value if isinstance(value, list) else [value]
        return [text for item in items if (text := self.text_value(name, item, False))]

    def when(self, name: str, required: bool = False, value=None) -> datetime | None:
        """A date/time field (ISO, human or relative like -3d), as naive UTC."""
        value = self.record.data.get(name) if value is None else value
        if value is None or value == "":
            if required:
                self.problem(name, "missing (required)")
            return None
        if isinstance(value, str) and len(value) > MAX_DATE_TEXT:
            self.problem(name, f"not a date: {len(value):,} characters long")
            return None
        try:
            if self.record.read_date and isinstance(value, str):
                return self.record.read_date(value)
            return parse_when(value, self.now)
        except ValueError as error:
            self.problem(name, str(error))
            return None
        except OverflowError:
            self.problem(name, f"date out of range: {preview(value)}")
            return None

    def whole_number(self, name: str) -> int:
        """A count of things (0 when not given): a whole number, not negative."""
        value = self.record.data.get(name)
        if value is None or value == "":
            return 0
        text = str(value).strip()
        if isinstance(value, bool) or not text.isdigit():
            self.problem(name, f"expected a whole number, found {preview(value)}")
            return 0
        return int(text)

    def choice(self, name: str, options: tuple[str, ...], default: str | None = None) -> str | None:
        """A value from a fixed set, matched without regard to case, spaces, dashes or underscores."""
        text = self.text(name)
        if text is None:
            return default
        found = option_named(options, text)
        if found is None:
            self.problem(name, f"unknown value {text!r} (expected one of: {', '.join(options)})")
            return default
        return found

    def stage(self, name: str, value=None) -> str | None:
        """A Value Path stage name."""
        text = self.text_value(name, self.record.data.get(name) if value is None else value, False)
        if text is None:
            return None
        try:
            return Stage.parse(text).value
        except ValueError as error:
            self.problem(name, str(error))
            return None

    def mapping(self, name: str, allowed: tuple[str, ...]) -> dict:
        """A nested mapping with known keys (e.g. preferences)."""
        value = self.record.data.get(name)
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.problem(name, "expected key: value pairs")
            return {}
        for key in value:
            if key not in allowed:
                self.problem(name, f"unknown key {key!r} (expected one of: {', '.join(allowed)})")
        return {key: self.text_value(name, value.get(key), False) for key in allowed if key in value}

    def items(self, name: str) -> list:
        """A list field whose items are mappings or plain values."""
        value = self.record.data.get(name)
        if value is None:
            return []
        if not isinstance(value, list):
            self.problem(name, "expected a list")
            return []
        return value

def made_by(f: Fields) -> dict:
    """Who made the record, when the file says (an export keeps it): the column to write, or nothing."""
    return {"made_by": f.text("made_by")} if f.has("made_by") else {}
