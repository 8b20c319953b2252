"""One CSV row's cells into custview's fields, through a mapping: a function written for each file's header.

Columns are found by their exact name first, then without regard to case, so a file with both
`Company Name` and `Company name` (HubSpot: the contact's own company property and the associated
company) reads each where the mapping names it. A field whose sources are several columns reads
the first non-empty one, in the mapping's order: the mapping declares the winner.

The translating function is generated as Python source (as the fast reader does for its rows):
reading a million rows must not interpret the mapping a million times.
"""

from __future__ import annotations

from collections.abc import Callable

from custview.importers.mapping import KindMapping, column_names
from custview.importers.records import squash
from custview.spreadsheet import read_list_cell, unguard_cell

MEMO_LIMIT = 10_000  # translated values remembered per field (stages, statuses: a handful each)


class Header:
    """A file's column names and where each is, found exactly or, failing that, without case."""

    def __init__(self, names: list[str]):
        self.names = names
        self.exact: dict[str, int] = {}
        self.caseless: dict[str, int] = {}
        for index, name in enumerate(names):
            self.exact.setdefault(name, index)
            self.caseless.setdefault(name.lower(), index)

    def find(self, name: str) -> int | None:
        """The position of a column named `name`: exactly so, else in any case; None if absent."""
        found = self.exact.get(name)
        return self.caseless.get(name.lower()) if found is None else found


def columns_read(kind_mapping: KindMapping, header: Header) -> dict[str, list[int]]:
    """For each field, the positions of the columns it is read from, in the mapping's order."""
    return {target: [i for name in column_names(source) if (i := header.find(name)) is not None]
            for target, source in kind_mapping.columns.items()}


def translator(kind_mapping: KindMapping, header: Header, separator: str | None,
               unescape: bool) -> Callable[[list[str]], dict]:
    """The function turning one row's cells (a list) into custview fields (a dict), for this header."""
    namespace: dict = {"_join": _join, "_prefix": _prefix, "_unguard": unguard_cell, "_look": _look,
                       "_first": _first_part(separator), "_attendee": _attendee, "_list": read_list_cell}
    lines, width = [], 0
    for number, (target, source) in enumerate(kind_mapping.columns.items()):
        expression, highest = _expression(source, header, separator is not None)
        if expression is None:
            continue
        width = max(width, highest + 1)
        lines += [f"    v = {expression}", "    if v:"]
        if unescape:
            lines.append("        if v[0] == \"'\": v = _unguard(v)")
        if target in kind_mapping.values:
            namespace[f"t{number}"], namespace[f"m{number}"] = kind_mapping.values[target], {}
            lines += [f"        w = m{number}.get(v)", f"        v = _look(t{number}, m{number}, v) if w is None else w"]
        if target in kind_mapping.lists:
            namespace[f"s{number}"] = kind_mapping.list_separator
            if unescape:  # custview's own cells: a JSON array, or texts separated by ";" (see custview.spreadsheet)
                lines.append(f"        v = _list(v, s{number})")
            else:
                lines.append(f"        v = [i.strip() for i in v.split(s{number}) if i.strip()]")
            if target == "attendees":
                lines.append("        v = [_attendee(i) for i in v]")
        parent, _, child = target.partition(".")
        lines.append(f"        d.setdefault({parent!r}, {{}})[{child!r}] = v" if child else f"        d[{parent!r}] = v")
    source = "\n".join([
        "def translate(c):",
        f"    if len(c) < {width}: c = [*c, *[''] * ({width} - len(c))]",
        "    d = {}", *lines, "    return d", ""])
    exec(source, namespace)  # noqa: S102 - built above from column positions and the mapping's own names
    return namespace["translate"]


def _expression(source, header: Header, split: bool) -> tuple[str | None, int]:
    """Python source reading one mapping source from the cells `c`, and the highest position it reads."""
    if isinstance(source, str):
        index = header.find(source)
        if index is None:
            return None, -1
        return (f"_first(c[{index}])" if split else f"c[{index}].strip()"), index
    if isinstance(source, list):
        parts = [_expression(item, header, split) for item in source]
        found = list(dict.fromkeys(part for part in parts if part[0]))  # two names can find one column
        return ("(" + " or ".join(p for p, _ in found) + ")" if found else None), max((i for _, i in found), default=-1)
    if "join" in source:
        parts = [part for part in (_expression(item, header, split) for item in source["join"]) if part[0]]
        if not parts:
            return None, -1
        glue, highest = source.get("with", " "), max(i for _, i in parts)
        if len(parts) == 2:  # first and last name: no call
            (first, _), (second, _) = parts
            return f"((a + {glue!r} + b if (b := {second}) else a) if (a := {first}) else {second})", highest
        return f"_join({glue!r}, ({', '.join(p for p, _ in parts)},))", highest
    column, highest = _expression(source["column"], header, split)
    return (f"_prefix({source['prefix']!r}, {column})" if column else None), highest


def _join(glue: str, values: tuple[str, ...]) -> str:
    return glue.join(value for value in values if value)


def _prefix(prefix: str, value: str) -> str:
    return prefix + value if value else ""


def _first_part(separator: str | None) -> Callable[[str], str]:
    """A cell's first item when the tool writes several into one cell (the mapping's `separator`)."""
    def first(cell: str) -> str:
        cell = cell.strip()
        return cell.split(separator, 1)[0].strip() if separator and separator in cell else cell
    return first


def _look(table: dict[str, str], memo: dict[str, str], value: str) -> str:
    """A value through a mapping's `values` table (matched squashed), remembered for the next row."""
    found = table.get(squash(value), value)
    if len(memo) < MEMO_LIMIT:
        memo[value] = found
    return found


def _attendee(text):
    """"Name (role)" as written by custview's CSV export (an item of a JSON cell is left as it is)."""
    if not isinstance(text, str):
        return text
    if text.endswith(")") and " (" in text:
        name, _, role = text[:-1].rpartition(" (")
        return {"name": name.strip(), "role": role.strip()}
    return {"name": text}
