"""Read a custview YAML file into source records that remember where each one came from."""

from __future__ import annotations

from pathlib import Path

import yaml

from custview.errors import UserError
from custview.importers.records import KINDS, SourceRecord, read_utf8_text, records_from_sections

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class PlacedDict(dict):
    """A mapping from YAML that knows the line it starts on and the line of each key."""

    line: int = 0
    key_lines: dict


class DuplicateKey(Exception):
    """A key written twice in one mapping: which one, and the lines of both."""

    def __init__(self, line: int, key, first_line: int):
        super().__init__(f"{key!s:.40} appears twice in one mapping (first on line {first_line}); "
                         "nothing is imported until only one is left")
        self.line = line


class _PlacingLoader(_BaseLoader):
    """The safe loader (C-accelerated when available) that records line numbers of mappings."""


def _construct_placed_mapping(loader: _PlacingLoader, node: yaml.MappingNode):
    data = PlacedDict()
    data.line = node.start_mark.line + 1
    data.key_lines = {}
    yield data
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if isinstance(key, (dict, list)):
            raise yaml.constructor.ConstructorError(None, None, "a list or mapping as a key", key_node.start_mark)
        if key in data.key_lines:
            raise DuplicateKey(key_node.start_mark.line + 1, key, data.key_lines[key])
        data.key_lines[key] = key_node.start_mark.line + 1
        data[key] = loader.construct_object(value_node, deep=True)


_PlacingLoader.add_constructor("tag:yaml.org,2002:map", _construct_placed_mapping)


def _construct_as_text(loader: _PlacingLoader, node: yaml.ScalarNode) -> str:
    """Dates stay text: custview reads them itself, and says which line an impossible one is on."""
    return loader.construct_scalar(node)


def _construct_int(loader: _PlacingLoader, node: yaml.ScalarNode):
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_int(loader, node)
    except ValueError:  # more digits than Python converts: it stays the text it is
        return loader.construct_scalar(node)


_PlacingLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_as_text)
_PlacingLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)


def read_yaml_records(path: Path) -> list[SourceRecord]:
    """All records of a custview YAML file, in file order; UserError listing every structural problem."""
    document = load_yaml_document(path)
    if document is None:
        return []
    if not isinstance(document, dict):
        raise UserError(f"{path}:1: expected sections ({', '.join(KINDS)}) at the top level, found {_kind_of(document)}")
    return records_from_sections(path, document, lambda section: document.key_lines.get(section, 1),
                                 lambda item: isinstance(item, PlacedDict), _kind_of, "key: value lines")


def load_yaml_document(path: Path):
    """A YAML file's content through the safe loader; mappings know their lines. UserError if unreadable."""
    text = read_utf8_text(path)
    try:
        return yaml.load(text, Loader=_PlacingLoader)  # noqa: S506 - a safe loader subclass
    except DuplicateKey as error:
        raise UserError(f"{path}:{error.line}: {error}") from None
    except yaml.constructor.ConstructorError as error:
        line = error.problem_mark.line + 1 if error.problem_mark else 1
        raise UserError(f"{path}:{line}: not allowed in custview YAML: {error.problem}") from None
    except yaml.MarkedYAMLError as error:
        line = error.problem_mark.line + 1 if error.problem_mark else 1
        raise UserError(f"{path}:{line}: malformed YAML: {error.problem or error.context}") from None
    except yaml.YAMLError as error:
        raise UserError(f"{path}: malformed YAML: {error}") from None


def _kind_of(value) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"the value {str(value)[:40]!r}"
