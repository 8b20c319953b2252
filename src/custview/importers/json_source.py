"""Read a custview JSON file (what `custview export --format json` writes) into source records.

The structure is the YAML format's: an object whose keys are the sections (companies, contacts,
…) and whose values are lists of records. Each record remembers the line its `{` is on, so
problems point into the file just as they do for YAML.
"""

from __future__ import annotations

import bisect
import json
import json.decoder
import json.scanner
from pathlib import Path

from custview.errors import UserError
from custview.importers.records import KINDS, SourceRecord, read_utf8_text, records_from_sections


class _PlacedObject(dict):
    """A JSON object that knows the line it starts on."""

    line: int = 1


class _PlacingDecoder(json.JSONDecoder):
    """The standard decoder, with objects that know their line (uses the pure-Python scanner for that)."""

    def __init__(self, text: str):
        super().__init__(parse_constant=_refuse_constant, object_pairs_hook=list)  # pairs: duplicates stay visible
        self._line_starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
        self.parse_object = self._parse_placed_object
        self.scan_once = json.scanner.py_make_scanner(self)

    def _parse_placed_object(self, s_and_end, *args):
        start = s_and_end[1]
        pairs, end = json.decoder.JSONObject(s_and_end, *args)
        placed = _PlacedObject(pairs)
        placed.line = bisect.bisect_right(self._line_starts, start - 1)
        if len(placed) < len(pairs):
            seen: set = set()
            twice = next(key for key, _ in pairs if key in seen or seen.add(key))
            raise _DuplicateKey(f"{placed.line}: {twice[:40]!r} appears twice in the object starting on line "
                                f"{placed.line}; nothing is imported until only one is left")
        return placed, end


class _DuplicateKey(ValueError):
    """A key written twice in one object (the message starts with the object's line)."""


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a value custview accepts")


def read_json_records(path: Path) -> list[SourceRecord]:
    """All records of a custview JSON file, in file order; UserError listing every structural problem."""
    text = read_utf8_text(path)
    try:
        document = _PlacingDecoder(text).decode(text)
    except json.JSONDecodeError as error:
        raise UserError(f"{path}:{error.lineno}: malformed JSON: {error.msg}") from None
    except _DuplicateKey as error:
        raise UserError(f"{path}:{error}") from None
    except (ValueError, RecursionError) as error:
        raise UserError(f"{path}: malformed JSON: {str(error)[:200]}") from None
    if not isinstance(document, dict):
        raise UserError(f"{path}:1: expected an object with sections ({', '.join(KINDS)}), found {_kind_of(document)}")
    return records_from_sections(path, document, lambda section: document.line,
                                 lambda item: isinstance(item, _PlacedObject), _kind_of, "an object")


def _kind_of(value) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return f"the value {json.dumps(value)[:40]}"
