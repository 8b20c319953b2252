"""Read a CSV export, as real tools write it, into source records through a column mapping.

Streams the file: records are yielded one at a time, so memory stays flat whatever its size.
Tolerates a BOM, Windows-1252 files (said so), comma / semicolon / tab / pipe delimiters,
quoted multi-line fields, empty trailing columns and stray whitespace.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from custview.errors import UserError
from custview.importers.mapping import (
    KindMapping,
    Mapping,
    builtin_names,
    builtin_path,
    load_mapping,
)
from custview.importers.encodings import decodes, describe, sniff
from custview.importers.records import SourceRecord, unreadable
from custview.importers.translate import Header, columns_read, translator

DELIMITERS = ",;\t|"
IGNORED_SHOWN = 15  # ignored columns named in the note; the rest are counted


@dataclass
class CsvFile:
    """An opened CSV export: how it is encoded and delimited, its header, and the mapping chosen for it."""

    path: Path
    encoding: str
    delimiter: str
    header: list[str]
    mapping: Mapping
    kind_mapping: KindMapping
    notices: list[str] = field(default_factory=list)
    _translate: Callable[[list[str]], dict] | None = field(default=None, repr=False)
    _labels: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def kind(self) -> str:
        """The kind of record every row of this file is."""
        return self.kind_mapping.kind

    def record(self, line: int, cells: list[str]) -> SourceRecord:
        """The source record for one data row of this file."""
        data = self.fields(cells)
        if data is None:
            problem = f"{len(cells)} values but the header has {len(self.header)} columns"
            return SourceRecord(self.kind, {}, str(self.path), None, line, raw=cells, malformed=problem)
        return SourceRecord(self.kind, data, str(self.path), None, line, columns=self._labels,
                            read_date=self.mapping.read_date, raw=cells)

    def fields(self, cells: list[str]) -> dict | None:
        """One data row's fields, through the mapping (unchecked); None if it has more values than the header."""
        if self._translate is None:
            self._translate = translator(self.kind_mapping, Header(self.header), self.mapping.separator,
                                         unescape=self.mapping.name == "custview")
            self._labels = {target: self.kind_mapping.label(target) for target in self.kind_mapping.columns}
        width = len(self.header)
        if len(cells) > width and any(cell.strip() for cell in cells[width:]):
            return None
        return self._translate(cells)

    def plain_columns(self) -> dict[str, int] | None:
        """Each field's column position when every field is read from one column as is; else None.

        Such files (custview's own CSV, most signal exports) can skip per-row translation.
        """
        header = Header(self.header)
        columns = {}
        for target, source in self.kind_mapping.columns.items():
            if not isinstance(source, str) or target in self.kind_mapping.values or self.mapping.separator:
                return None
            if (index := header.find(source)) is not None:
                columns[target] = index
        return columns

    def ignored_columns(self) -> list[str]:
        """Columns of the file that the mapping does not read."""
        used = {index for indexes in columns_read(self.kind_mapping, Header(self.header)).values() for index in indexes}
        return [name for index, name in enumerate(self.header) if name and index not in used]

    def shared_fields(self) -> list[str]:
        """Notes on fields read from two columns whose names differ only in case: which one wins."""
        notes = []
        for target, indexes in columns_read(self.kind_mapping, Header(self.header)).items():
            names = [self.header[index] for index in dict.fromkeys(indexes)]
            if len({name.lower() for name in names}) < len(names):
                notes.append(f"{self.path}: {target} is read from {names[0]!r}, else from "
                             f"{', '.join(repr(name) for name in names[1:])} (the file has both)")
        return notes


def open_csv(path: Path, kind: str | None, source: str | None, mapping_file: Path | None) -> CsvFile:
    """Check a CSV file and pick its mapping (given, or recognised from the header); UserError if unusable."""
    encoding, notice = _detect_encoding(path)
    with open(path, encoding=encoding, newline="") as text:
        first_line = ""
        while not first_line.strip() and (line := text.readline()):  # a header of any length
            first_line = line
        rows = text.read(64 * 1024)
    first_line = first_line.rstrip("\r\n")
    if not first_line.strip():
        raise UserError(f"{path}: empty file (expected a header line and rows)")
    delimiter = _sniff_delimiter(first_line)
    header = [name.strip() for name in next(csv.reader([first_line], delimiter=delimiter))]
    if not any(line.strip(delimiter + " \t") for line in rows.splitlines()):
        raise UserError(f"{path}: has a header but no rows")
    while header and not header[-1]:
        header.pop()
    mapping, kind_mapping, recognised = _choose_mapping(path, header, kind, source, mapping_file)
    notices = [notice] if notice else []
    if recognised:
        notices.append(f"{path}: recognised a {mapping.tool} {kind_mapping.kind} export")
    opened = CsvFile(path, encoding, delimiter, header, mapping, kind_mapping, notices)
    opened.notices += opened.shared_fields()
    ignored = opened.ignored_columns()
    if ignored:
        shown = ", ".join(ignored[:IGNORED_SHOWN])
        more = f" … and {len(ignored) - IGNORED_SHOWN:,} more" if len(ignored) > IGNORED_SHOWN else ""
        opened.notices.append(f"{path}: ignored columns: {shown}{more}")
    return opened


def read_csv_rows(opened: CsvFile, on_progress: Callable[[int, int], None] | None = None) -> Iterator[tuple[int, list]]:
    """Yield (line it starts on, cells) for each non-blank data row, streaming; progress as (rows, bytes read)."""
    rows = 0
    with open(opened.path, "rb") as raw:
        # strict: a quote left open is an error, not the rest of the file swallowed into one cell.
        reader = csv.reader(io.TextIOWrapper(raw, encoding=opened.encoding, newline=""), delimiter=opened.delimiter,
                            strict=True)
        next(reader, None)
        line = reader.line_num + 1  # where the next row starts
        try:
            for cells in reader:
                start, line = line, reader.line_num + 1
                if not cells or not cells[0].strip() and not any(cell.strip() for cell in cells):
                    continue
                rows += 1
                yield start, cells
                if on_progress and rows % 5000 == 0:
                    on_progress(rows, raw.tell())
        except csv.Error as error:  # only the reader raises it
            raise _broken_row(opened.path, line, reader.line_num, error) from None
    if on_progress:
        on_progress(rows, opened.path.stat().st_size)


def _broken_row(path: Path, start: int, reached: int, error: csv.Error) -> UserError:
    """One line saying where a row breaks the CSV quoting rules, and the likely cause."""
    reason = str(error)
    if "field larger than field limit" in reason:
        return UserError(f"{path}:{start}: a cell longer than {csv.field_size_limit():,} characters, custview's limit "
                         f"(if that is not meant, a quote opened on line {start} is not closed)")
    if "unexpected end of data" in reason:
        return UserError(f"{path}:{start}: a quote opened on line {start} is never closed "
                         "(the rest of the file would be one cell)")
    return UserError(f"{path}:{max(start, reached)}: broken quoting ({reason}): a quote inside a cell must be doubled")


def _detect_encoding(path: Path) -> tuple[str, str | None]:
    """The file's encoding (see `custview.importers.encodings`) and, unless plain UTF-8, a note naming it."""
    try:
        with open(path, "rb") as raw:
            head = raw.read(8192)
    except OSError as error:
        raise unreadable(path, error) from None
    encoding = sniff(head)
    if encoding is None and b"\x00" in head:
        raise UserError(f"{path}: not a CSV file (binary content)")
    for candidate in (encoding,) if encoding else ("utf-8-sig", "cp1252", "latin-1"):
        if decodes(path, candidate):
            if candidate == "utf-8-sig":  # UTF-8, with a byte-order mark or not: the default, not worth a note
                return candidate, None
            return candidate, f"{path}: not UTF-8; read as {describe(candidate)}"
    raise UserError(f"{path}: not {describe(encoding)} text, though it starts like it")


def _sniff_delimiter(first_line: str) -> str:
    """The delimiter the header line uses most, outside quotes."""
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for char in first_line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _choose_mapping(path: Path, header: list[str], kind: str | None, source: str | None,
                    mapping_file: Path | None) -> tuple[Mapping, KindMapping, bool]:
    """The mapping and kind to read this file with, and whether they were recognised from the header."""
    if mapping_file is not None:
        candidates = [load_mapping(mapping_file)]
    elif source is not None:
        candidates = [load_mapping(builtin_path(source), source.lower())]
    else:
        candidates = [load_mapping(builtin_path(name), name) for name in builtin_names()]
    matches = [(m, km) for m in candidates for km in m.kinds.values()
               if (kind is None or km.kind == kind) and km.detects(header)]
    if matches:
        best = max(len(km.detect) for _, km in matches)
        matches = [(m, km) for m, km in matches if len(km.detect) == best]
    if len(matches) == 1:
        mapping, kind_mapping = matches[0]
        return mapping, kind_mapping, kind is None or source is None and mapping_file is None
    if len(matches) > 1:
        names = ", ".join(f"{m.name} {km.kind}" for m, km in matches)
        raise UserError(f"{path}: the header fits several exports ({names}): say which with --from and --kind")
    if len(candidates) == 1 and kind and kind in candidates[0].kinds:
        return candidates[0], candidates[0].kinds[kind], False  # the user said so: read it that way
    if kind is None:
        raise UserError(f"{path}: cannot tell what this file holds from its header: give --kind "
                        "(and --from or --mapping)")
    shown = ", ".join(header[:6]) + (", …" if len(header) > 6 else "")
    raise UserError(f"{path}: the header ({shown}) is not a known {kind} export: give --from or --mapping")

