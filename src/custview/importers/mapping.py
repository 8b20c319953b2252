"""Column mappings: which CSV column feeds which custview field, and how values translate.

A mapping is a YAML data file (built-in ones live in `custview/mappings/`, users write their own).
Per kind it has `columns` (field -> source), optional `values` (field -> {their value: ours}),
`lists` (fields holding several items separated by ";", or by the kind's `list_separator`) and `detect` (the header names that
identify such an export). A source is a column name, a list of sources (the first non-empty one
wins), `{join: [sources], with: " "}` or `{prefix: "x-", column: source}`. A field name with a dot
(`preferences.channel`) fills a nested field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone, tzinfo
from importlib import resources
from pathlib import Path

from custview.dates import within_calendar
from custview.errors import UserError
from custview.importers.records import squash
from custview.sections import KINDS

LIST_SEPARATOR = ";"


def builtin_names() -> list[str]:
    """The names of the mappings that ship with custview (`--from NAME`)."""
    return sorted(p.name[:-5] for p in resources.files("custview").joinpath("mappings").iterdir()
                  if p.name.endswith(".yaml"))


def builtin_path(name: str) -> Path:
    """The file of a built-in mapping; UserError naming the known ones if there is no such mapping."""
    candidate = resources.files("custview").joinpath("mappings", f"{name.lower()}.yaml")
    if not candidate.is_file():
        raise UserError(f"unknown mapping {name!r} (built in: {', '.join(builtin_names())}; or --mapping FILE)")
    return Path(str(candidate))


@dataclass
class KindMapping:
    """How one kind of record is read from one tool's export."""

    kind: str
    columns: dict[str, object]
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    lists: tuple[str, ...] = ()
    detect: tuple[str, ...] = ()
    list_separator: str = LIST_SEPARATOR

    def detects(self, header: list[str]) -> bool:
        """Whether a file with this header looks like this export."""
        present = {name.lower() for name in header}
        return bool(self.detect) and all(name.lower() in present for name in self.detect)

    def label(self, field_name: str) -> str:
        """The column(s) a field comes from, as a user would recognise them in their file."""
        source = self.columns.get(field_name)
        while isinstance(source, list):  # alternatives: name the preferred column
            source = source[0]
        if isinstance(source, dict):
            source = source.get("join") or source.get("column")
        return " + ".join(column_names(source)) if source is not None else field_name


@dataclass
class Mapping:
    """A whole mapping file: one tool, several kinds, and how that tool writes dates."""

    name: str
    tool: str
    description: str
    kinds: dict[str, KindMapping]
    dayfirst: bool = False
    date_formats: tuple[str, ...] = ()
    zone: tzinfo | None = None  # None: the user's local time
    separator: str | None = None

    def read_date(self, text: str) -> datetime:
        """A date as this tool writes it, in UTC; ValueError if unreadable."""
        return read_export_date(text, self.dayfirst, self.date_formats, self.zone)


def read_export_date(text: str, dayfirst: bool, formats: tuple[str, ...] = (), zone: tzinfo | None = None) -> datetime:
    """Read an export's date: epoch (milli)seconds, ISO 8601, the given formats, else a lenient parse."""
    text = text.strip()
    moment = None
    if text.isdigit() and len(text) in (10, 13):
        return within_calendar(datetime.fromtimestamp(int(text) / (1000 if len(text) == 13 else 1), timezone.utc))
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        for pattern in formats:
            try:
                moment = datetime.strptime(text, pattern)
                break
            except ValueError:
                continue
    if moment is None:
        moment = _lenient_date(text, dayfirst)
    within_calendar(moment)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone) if zone else moment.astimezone()
    return moment.astimezone(timezone.utc)


def _lenient_date(text: str, dayfirst: bool) -> datetime:
    from dateutil import parser

    try:
        return parser.parse(text, dayfirst=dayfirst)
    except (ValueError, OverflowError, parser.ParserError):
        order = "dd/mm/yyyy" if dayfirst else "mm/dd/yyyy"
        raise ValueError(f"unreadable date {text!r} (expected ISO 8601 or {order})") from None


def load_mapping(path: Path, name: str | None = None) -> Mapping:
    """Read and check a mapping file; UserError with one line per problem."""
    from custview.importers.yaml_source import load_yaml_document

    document = load_yaml_document(path)
    problems: list[str] = []
    if not isinstance(document, dict) or not isinstance(document.get("kinds"), dict):
        raise UserError(f"{path}:1: a mapping needs a `kinds:` section (see `custview mappings show custview`)")
    kinds = {}
    for kind, spec in document["kinds"].items():
        line = document["kinds"].key_lines.get(kind, 1)
        if kind not in KINDS:
            problems.append(f"{path}:{line}: unknown kind {kind!r} (expected one of: {', '.join(KINDS)})")
        elif not isinstance(spec, dict) or not isinstance(spec.get("columns"), dict):
            problems.append(f"{path}:{line}: {kind}: needs `columns:` (field: column name)")
        else:
            kinds[kind] = _kind_mapping(path, kind, spec, problems)
    zone = _zone(path, document, problems)
    _check_types(path, document, {"tool": str, "description": str, "dayfirst": bool, "separator": str,
                                  "date_formats": "texts"}, problems)
    if problems:
        raise UserError(*problems)
    formats = document.get("date_formats") or ()
    return Mapping(
        name=name or path.stem,
        tool=str(document.get("tool") or path.stem),
        description=str(document.get("description") or ""),
        kinds=kinds,
        dayfirst=bool(document.get("dayfirst", False)),
        date_formats=tuple(formats),
        zone=zone,
        separator=document.get("separator"),
    )


def _check_types(path: Path, section: dict, expected: dict, problems: list[str], prefix: str = "") -> bool:
    """Note a problem for each key of `section` whose value is not of the expected kind; True if all are."""
    described = {str: "text", bool: "true or false", "texts": "a list of texts", "table": "their value: our value lines"}
    fine = True
    for key, kind in expected.items():
        value = section.get(key)
        if value is None:
            continue
        if kind == "texts":
            ok = isinstance(value, list) and all(isinstance(item, str) for item in value)
        elif kind == "table":
            ok = isinstance(value, dict) and all(isinstance(table, dict) for table in value.values())
        else:
            ok = isinstance(value, kind)
        if not ok:
            line = section.key_lines.get(key, section.line) if hasattr(section, "key_lines") else 1
            problems.append(f"{path}:{line}: {prefix}{key}: expected {described[kind]}")
            fine = False
    return fine


def _kind_mapping(path: Path, kind: str, spec: dict, problems: list[str]) -> KindMapping:
    if not _check_types(path, spec, {"values": "table", "lists": "texts", "detect": "texts", "list_separator": str},
                        problems, f"{kind}."):
        return KindMapping(kind, {})
    columns = spec["columns"]
    for target, source in columns.items():
        if not _valid_source(source):
            line = columns.key_lines.get(target, spec.line)
            problems.append(f"{path}:{line}: {kind}.{target}: expected a column name, a list of them, "
                            "{join: [...]} or {prefix: ..., column: ...}")
    values = {
        str(target): {squash(str(theirs)): str(ours) for theirs, ours in (table or {}).items()}
        for target, table in (spec.get("values") or {}).items()
    }
    return KindMapping(kind, dict(columns), values, tuple(spec.get("lists") or ()), tuple(spec.get("detect") or ()),
                       spec.get("list_separator") or LIST_SEPARATOR)


def _zone(path: Path, document: dict, problems: list[str]) -> tzinfo | None:
    name = document.get("timezone")
    if name in (None, "local"):
        return None
    if str(name).upper() == "UTC":
        return timezone.utc
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(f"{path}:{document.key_lines.get('timezone', 1)}: unknown time zone {name!r}")
        return None


def _valid_source(source) -> bool:
    if isinstance(source, str):
        return bool(source)
    if isinstance(source, list):
        return bool(source) and all(_valid_source(item) for item in source)
    if isinstance(source, dict):
        if set(source) <= {"join", "with"} and isinstance(source.get("join"), list):
            return all(_valid_source(item) for item in source["join"])
        if set(source) == {"prefix", "column"}:
            return _valid_source(source["column"])
    return False


def column_names(source) -> list[str]:
    """The column names a mapping source reads, in its order."""
    if isinstance(source, str):
        return [source]
    if isinstance(source, list):
        return [name for item in source for name in column_names(item)]
    if isinstance(source, dict):
        return column_names(source.get("join") or source.get("column"))
    return []
