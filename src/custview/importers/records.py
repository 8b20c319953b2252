"""Records as read from files, before they are checked and written (see `custview.importers.writers`).

Records refer to each other by natural keys: a contact by email or name, a company by name.
Every problem is told with its file, line, record and field (`SourceRecord.where`).
"""

from __future__ import annotations

import reprlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time

from custview.errors import UserError
from custview.sections import KINDS

OUTCOMES = ("created", "updated", "unchanged")

@dataclass(slots=True)
class SourceRecord:
    """One record as read from a file, with where it came from for error messages.

    YAML records have an index in their section; CSV rows have none, but know the column each
    field came from (`columns`), how their tool writes dates (`read_date`) and their raw cells.
    """

    kind: str
    data: dict
    file: str
    index: int | None
    line: int
    key_lines: dict = field(default_factory=dict)
    columns: dict | None = None
    read_date: Callable[[str], datetime] | None = None
    raw: list[str] | None = None
    malformed: str | None = None

    def field_label(self, name: str) -> str:
        """What the user calls this field in their file: the column name for CSV rows."""
        return self.columns.get(name, name) if self.columns else name

    def label(self) -> str:
        """A few words that let a user recognise the record."""
        for key in ("name", "ref", "subject", "title", "purpose", "metric", "text"):
            value = self.data.get(key)
            if isinstance(value, str) and value.strip():
                text = value.strip()
                return text if len(text) <= 40 else text[:39] + "…"
        return ""

    def where(self, field_name: str | None = None) -> str:
        """`file:line: kind[index] (label)`, pointing at the field's own line when known.

        Records typed on the command line (line 0) are named by their source alone, e.g. "add contact".
        """
        if self.index is None:
            return f"{self.file}:{self.line}"
        label = self.label()
        if not self.line:
            return self.file + (f" ({label})" if label else "")
        line = self.key_lines.get(field_name, self.line) if field_name else self.line
        return f"{self.file}:{line}: {self.kind}[{self.index}]" + (f" ({label})" if label else "")


def preview(value) -> str:
    """A short repr of a value from a file for an error message, however big or deeply nested it is."""
    if isinstance(value, (date, time)):
        return value.isoformat()  # what the file says, not Python's repr
    short = reprlib.Repr()
    short.maxlevel, short.maxlist, short.maxdict, short.maxstring, short.maxother = 1, 4, 4, 40, 40
    return short.repr(value)


def unreadable(path, error: OSError) -> UserError:
    """The one-line error for a file that cannot be read: missing, a folder, or refused."""
    if isinstance(error, FileNotFoundError):
        return UserError(f"{path}: no such file")
    if isinstance(error, IsADirectoryError):
        return UserError(f"{path}: is a folder, not a file")
    return UserError(f"{path}: cannot read ({error.strerror})")


def read_utf8_text(path) -> str:
    """A custview text file (YAML, JSON) as text; UserError if it is missing, unreadable or not UTF-8."""
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise UserError(f"{path}: not UTF-8 text (byte {error.start + 1:,} is not valid UTF-8)") from None
    except OSError as error:
        raise unreadable(path, error) from None


def records_from_sections(path, document: dict, section_line: Callable[[object], int], is_record: Callable,
                          describe: Callable[[object], str], record_words: str) -> list[SourceRecord]:
    """The records of a document made of sections of records (custview's YAML and JSON), in file order.

    UserError listing every structural problem: unknown sections, a section that is not a list, an
    item that is not a record (`record_words` says what one looks like in this format).
    """
    problems: list[str] = []
    records: list[SourceRecord] = []
    for section, items in document.items():
        line = section_line(section)
        if section not in KINDS:
            problems.append(f"{path}:{line}: unknown section {str(section)[:60]!r} (expected one of: {', '.join(KINDS)})")
        elif items is not None and not isinstance(items, list):
            problems.append(f"{path}:{line}: section {section!r} must be a list of records, found {describe(items)}")
        else:
            for index, item in enumerate(items or []):
                if not is_record(item):
                    problems.append(f"{path}:{line}: {section}[{index}]: expected a record ({record_words}), "
                                    f"found {describe(item)}")
                    continue
                records.append(SourceRecord(section, dict(item), str(path), index, item.line,
                                            dict(getattr(item, "key_lines", {}))))
    if problems:
        raise UserError(*problems)
    return records


def squash(text: str) -> str:
    """A value reduced to its letters and digits in lower case, for forgiving comparisons."""
    return "".join(ch for ch in text.lower() if ch.isalnum())
