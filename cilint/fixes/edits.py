"""Edits that add or change one setting in a TOML table or a YAML mapping, keeping the layout."""

from __future__ import annotations

import json

from cilint.findings import Edit, Span
from cilint.source import SourceFile
from cilint.syntax.yaml import YMap, YNode, YScalar, YSeq


def _line_end(text: str, offset: int) -> int:
    end = text.find("\n", offset)
    return len(text) if end == -1 else end


def _newline(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def _indent_of(source: SourceFile, offset: int) -> str:
    line = source.line_text(source.position(offset).line)
    return line[: len(line) - len(line.lstrip(" \t"))]


def toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, int):
        return str(value)
    return json.dumps(str(value))


def add_toml_key(source: SourceFile, table: YMap, key: str, value: object) -> Edit | None:
    """Append `key = value` as the table's last line, indented like its other keys.

    Only for a table written with a header and at least one key on its own lines (the usual
    config.toml layout); None otherwise, and the finding keeps a display-only suggestion.
    """
    if table.flow or not table.entries:
        return None
    last_key, last_value = list(table.entries.values())[-1]
    if isinstance(last_value, YMap) and not last_value.flow:
        return None  # a sub-table follows; inserting here would land in it
    indent = _indent_of(source, last_key.span.start)
    at = _line_end(source.text, last_value.span.end)
    if at > 0 and source.text[at - 1] == "\r":
        at -= 1
    newline = _newline(source.text)
    return Edit(source.path, Span(at, at), f"{newline}{indent}{key} = {toml_value(value)}")


def append_to_array(source: SourceFile, array: YNode, value: object) -> Edit | None:
    """Add one element at the end of a TOML or YAML flow array, after its last element."""
    if not isinstance(array, YSeq) or not array.flow:
        return None
    rendered = toml_value(value)
    if not array.items:
        return Edit(source.path, Span(array.span.start + 1, array.span.start + 1), rendered)
    last = array.items[-1]
    return Edit(source.path, Span(last.span.end, last.span.end), f", {rendered}")


def replace_scalar(node: YScalar, text: str) -> Edit:
    return Edit(node.path, node.span, text)
