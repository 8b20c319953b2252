"""What vCard and iCalendar files share: text in "content lines" (`NAME;PARAM=x:value`, long lines
folded onto the next one starting with a space) grouped by BEGIN:/END: lines.

The parsing itself is left to the libraries (vobject, icalendar). This module reads the file as
text and checks that every BEGIN: has its END:, which the libraries don't say clearly (icalendar
quietly drops an unclosed event), so a broken file gets one line naming where it breaks. It also
finds the line each component begins on, for error messages.
"""

from __future__ import annotations

import re
from pathlib import Path

from custview.errors import UserError
from custview.importers.encodings import describe, sniff
from custview.importers.records import unreadable
from custview.printable import printable

# A UTF-8 character cut in two by a line fold (some exporters fold at 75 bytes, not characters):
# its first bytes end one line, the rest start the next after the folding space.
_SPLIT_CHARACTER = re.compile(rb"([\xc0-\xf7][\x80-\xbf]{0,2})(\r?\n[ \t])(?=[\x80-\xbf])")
_VALUE = r'(?:"[^"]*"|[^";:,]*)'
_CONTENT_LINE = re.compile(rf"[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)?(?:;[A-Za-z0-9-]+={_VALUE}(?:,{_VALUE})*)*:")
_BEGIN_OR_END = re.compile(r"(BEGIN|END)[ \t]*:[ \t]*(\S.*?)[ \t]*$", re.IGNORECASE)


def read_text(path: Path, kind: str, notes: list[str] | None = None) -> str:
    """The file as text, with characters split by a line fold joined again; UserError if unreadable.

    UTF-8 (with or without a byte-order mark) or UTF-16; a vCard file (version 2.1 ones often are) may
    also be Windows-1252. An encoding other than UTF-8 is named in `notes`.
    """
    try:
        data = path.read_bytes()
    except OSError as error:
        raise unreadable(path, error) from None
    encoding = sniff(data[:8192])
    if encoding in ("utf-16", "utf-16-le", "utf-16-be"):
        try:
            text = data.decode(encoding).lstrip("\ufeff")
        except UnicodeDecodeError:
            raise UserError(f"{path}: not {_a(kind)} file (binary content)") from None
        _note(notes, f"{path}: not UTF-8; read as {describe(encoding)}")
        return text
    if b"\x00" in data[:8192]:
        raise UserError(f"{path}: not {_a(kind)} file (binary content)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        first_bad_line = data.count(b"\n", 0, error.start) + 1
    try:  # move the first bytes of a split character past the fold: the line count stays the same
        return _SPLIT_CHARACTER.sub(rb"\2\1", data).decode("utf-8-sig")
    except UnicodeDecodeError:
        if kind != "vCard":
            raise UserError(f"{path}:{first_bad_line}: not UTF-8 text ({kind} files are UTF-8)") from None
    try:
        text, encoding = data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        text, encoding = data.decode("latin-1"), "latin-1"
    _note(notes, f"{path}: not UTF-8; read as {describe(encoding)}")
    return text


def _note(notes: list[str] | None, note: str) -> None:
    if notes is not None:
        notes.append(note)


def lines_of(text: str) -> list[str]:
    """The physical lines of the text, without their line ends."""
    return [line.rstrip("\r") for line in text.split("\n")]


def unreadable_line(text: str, after: int) -> tuple[int, str] | None:
    """The first content line from line `after` on that is not `NAME;PARAM=x:value` (its number and text)."""
    logical: list[tuple[int, str]] = []
    for number, line in enumerate(lines_of(text), 1):
        if line[:1] in (" ", "\t") and logical:
            logical[-1] = (logical[-1][0], logical[-1][1] + line[1:])
        elif line.strip():
            logical.append((number, line))
    return next(((number, line) for number, line in logical if number >= after and not _CONTENT_LINE.match(line)), None)


def component_starts(text: str, name: str) -> list[int]:
    """The line numbers of every `BEGIN:name` line, in file order."""
    wanted = name.upper()
    return [number for number, line in enumerate(lines_of(text), 1)
            if (found := _BEGIN_OR_END.match(line)) and found[1].upper() == "BEGIN" and found[2].upper() == wanted]


def check_nesting(path: Path, text: str, top: str, kind: str) -> int | None:
    """UserError unless the file is a sequence of `top` components whose every BEGIN: has its END:.

    Lines after the last component that are not one (a stray line an exporter or an editor left)
    do not make the file unreadable: the number of the first such line is returned, else None.
    """
    open_components: list[tuple[str, int]] = []  # (name, line it begins on)
    lines = lines_of(text)
    for number, line in enumerate(lines, 1):
        found = _BEGIN_OR_END.match(line)
        keyword, name = (found[1].upper(), found[2].upper()) if found else (None, None)
        if not open_components and line.strip() and (keyword != "BEGIN" or name != top):
            if number > 1 and not any(_begins(later, top) for later in lines[number:]) and any(
                    _begins(earlier, top) for earlier in lines[:number]):
                return number
            raise UserError(f"{path}:{number}: not {_a(kind)} file: expected BEGIN:{top}, found {_show(line)}")
        if keyword == "BEGIN":
            open_components.append((name, number))
        elif keyword == "END" and open_components[-1][0] != name:
            inner, begun = open_components[-1]
            raise UserError(f"{path}:{number}: broken {kind} file: END:{_name(name)}, but {_name(inner)} "
                            f"(begun on line {begun}) has no END:{_name(inner)}")
        elif keyword == "END":
            open_components.pop()
    if open_components:
        name, begun = open_components[-1]
        raise UserError(f"{path}:{begun}: broken {kind} file: BEGIN:{_name(name)} has no END:{_name(name)} "
                        "(is the file cut short?)")
    if not any(line.strip() for line in lines):
        raise UserError(f"{path}: empty file (expected BEGIN:{top} … END:{top})")
    return None


def without_trailing_lines(path: Path, text: str, top: str, kind: str, warnings: list[str] | None) -> str:
    """The text, checked (`check_nesting`), without stray lines after its last component; a warning names them."""
    trailing = check_nesting(path, text, top, kind)
    if trailing is None:
        return text
    lines = lines_of(text)
    stray = sum(1 for line in lines[trailing - 1:] if line.strip())
    _note(warnings, f"{path}:{trailing}: ignored {stray} line(s) after the last END:{top} "
                    f"(starting {_show(lines[trailing - 1])})")
    return "\n".join(lines[:trailing - 1]) + "\n"


def _begins(line: str, top: str) -> bool:
    found = _BEGIN_OR_END.match(line)
    return bool(found) and found[1].upper() == "BEGIN" and found[2].upper() == top

def _a(kind: str) -> str:
    return ("an " if kind[0].lower() in "aeiou" else "a ") + kind


def _name(name: str) -> str:
    """A component name from the file, printable and short."""
    return printable(name if len(name) <= 40 else name[:39] + "…")


def _show(text: str) -> str:
    """A piece of a line, short and printable, for an error message."""
    text = text.strip()
    return repr(printable(text if len(text) <= 60 else text[:59] + "…"))
