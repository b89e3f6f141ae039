"""TOML to position-carrying nodes (the same node classes as the YAML layer).

Two parsers, each for what it is best at:
* the standard library's `tomllib` decides validity (TOML 1.0, duplicate keys, redefined tables) and
  gives exact error positions, and decodes every scalar (escapes, multi-line strings, dates);
* the tree-sitter TOML grammar gives the structure with byte spans: tables, `[[array]]` elements,
  pairs, dotted keys, arrays and inline tables.

Tables are nested the way TOML defines: `[runners.docker]` after `[[runners]]` belongs to the last
element of `runners`. Spans are character offsets into the text given; `offsets` (optional) maps each
of those to an offset in the file the text was taken from (a Helm values file), so positions land in
that file.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cilint.findings import Span
from cilint.source import ByteOffsets
from cilint.syntax.grammars import parser
from cilint.syntax.tree import MapNode, Node, ScalarNode, SeqNode

if TYPE_CHECKING:
    import tomllib

TOML_TAG = "toml"
_ERROR_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)|\(at end of document\)")


@dataclass(frozen=True, slots=True, eq=False)
class TomlProblem:
    """Why a TOML text could not be read, and where."""

    message: str
    offset: int  # in the file (after mapping)
    over_limit: bool = False  # valid or not, too large for cilint to read (not a syntax error)


@dataclass(frozen=True, slots=True, eq=False)
class TomlParse:
    """A parsed TOML document, or the problem that stopped it."""

    root: MapNode | None
    problem: TomlProblem | None


# A runner configuration holds a few hundred values (the corpus: 245 at most); reading one costs
# about 15 us in tomllib and the tree builder, so 50,000 keep a file under a second.
MAX_VALUES = 50_000


def parse_toml(text: str, path: str, offsets: Sequence[int] | None = None) -> TomlParse:
    """Parse `text`; never raises for bad input."""
    import tomllib  # not on the start-up path of projects without TOML (~8 ms)

    mapper = _OffsetMapper(text, offsets)
    values = text.count("=") + text.count(",") + text.count("[")  # one at least per value or table
    if values > MAX_VALUES:
        return TomlParse(None, TomlProblem(
            f"about {values:,} values, more than the {MAX_VALUES:,} cilint reads in one runner configuration",
            mapper.file(0), over_limit=True))
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return TomlParse(None, TomlProblem(_error_message(exc), mapper.file(_error_offset(exc, text))))
    except RecursionError:
        return TomlParse(None, TomlProblem("TOML nesting too deep", mapper.file(0)))
    tree = parser("toml").parse(text.encode("utf-8"))
    builder = _Builder(text, path, mapper)
    try:
        return TomlParse(builder.document(tree.root_node), None)
    except _Unsupported as exc:  # the grammar and tomllib disagree: report rather than guess
        return TomlParse(None, TomlProblem(str(exc), mapper.file(exc.offset)))


def _error_message(exc: tomllib.TOMLDecodeError) -> str:
    text = str(exc)
    return _ERROR_POSITION.sub("", text).strip() or "invalid TOML"


def _error_offset(exc: tomllib.TOMLDecodeError, text: str) -> int:
    match = _ERROR_POSITION.search(str(exc))
    if match is None or match.group(1) is None:
        return len(text)
    line, column = int(match.group(1)), int(match.group(2))
    starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
    if line - 1 >= len(starts):
        return len(text)
    return min(starts[line - 1] + column - 1, len(text))


class _Unsupported(Exception):
    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.offset = offset


class _OffsetMapper:
    """Byte offsets (tree-sitter) -> character offsets in `text` -> offsets in the file."""

    def __init__(self, text: str, offsets: Sequence[int] | None) -> None:
        self.offsets = offsets
        self.char = ByteOffsets(text).char
        # A config.toml in ASCII (the usual case): byte offsets are the file's offsets.
        self.plain = offsets is None and text.isascii()

    def file(self, char_offset: int) -> int:
        if self.offsets is None:
            return char_offset
        if char_offset >= len(self.offsets):
            return self.offsets[-1] + 1 if self.offsets else 0
        return self.offsets[char_offset]

    def span(self, node: Any) -> Span:
        return Span(*self.bounds(node))

    def bounds(self, node: Any) -> tuple[int, int]:
        if self.plain:
            start = node.start_byte
            return start, max(start, node.end_byte)
        start = self.file(self.char(node.start_byte))
        end_char = self.char(node.end_byte)
        end = self.file(end_char - 1) + 1 if end_char > 0 else start
        return start, max(start, end)


class _Builder:
    def __init__(self, text: str, path: str, mapper: _OffsetMapper) -> None:
        self.text = text
        self.data = text.encode("utf-8")
        self.path = path
        self.mapper = mapper

    def source(self, node: Any) -> str:
        return self.data[node.start_byte : node.end_byte].decode("utf-8")

    def document(self, root: Any) -> MapNode:
        document = MapNode(self.path, *self.mapper.bounds(root), TOML_TAG, None, False)
        current = document
        for child in root.named_children:
            if child.type == "pair":
                self.pair(current, child)
            elif child.type in ("table", "table_array_element"):
                keys = self.header_keys(child)
                current = self.descend(document, keys, child, array_element=child.type == "table_array_element")
                for pair in child.named_children:
                    if pair.type == "pair":
                        self.pair(current, pair)
            elif child.type not in ("comment",):
                raise _Unsupported(f"unexpected TOML element {child.type}", self.mapper.char(child.start_byte))
        return document

    def header_keys(self, table: Any) -> list[tuple[str, Any]]:
        key = next(c for c in table.named_children if c.type in ("bare_key", "quoted_key", "dotted_key"))
        return self.key_parts(key)

    def key_parts(self, key: Any) -> list[tuple[str, Any]]:
        if key.type == "dotted_key":
            parts: list[tuple[str, Any]] = []
            for child in key.named_children:
                parts.extend(self.key_parts(child))
            return parts
        if key.type == "quoted_key":
            import tomllib

            return [(tomllib.loads(f"{self.source(key)} = 0").popitem()[0], key)]
        return [(self.source(key), key)]

    def header_span(self, table: Any) -> Span:
        """The `[a.b]` / `[[a.b]]` header only (tree-sitter's table node also holds its pairs)."""
        closing = next((c for c in table.children if c.type in ("]", "]]")), None)
        start = self.mapper.span(table.children[0]).start
        end = self.mapper.span(closing).end if closing is not None else self.mapper.span(table).end
        return Span(start, end)

    def descend(self, document: MapNode, keys: list[tuple[str, Any]], header: Any, array_element: bool) -> MapNode:
        table = document
        header_span = self.header_span(header)
        for index, (name, key_node) in enumerate(keys):
            last = index == len(keys) - 1
            entry = table.entries.get(name)
            key = self.scalar(key_node, name)
            if last and array_element:
                if entry is None:
                    array = SeqNode(self.path, header_span.start, header_span.end, TOML_TAG, None, False)
                    table.entries[name] = (key, array)
                else:
                    array = entry[1]
                    if not isinstance(array, SeqNode):
                        raise _Unsupported(f"`{name}` is not an array of tables", self.mapper.char(key_node.start_byte))
                element = MapNode(self.path, header_span.start, header_span.end, TOML_TAG, None, False)
                array.items.append(element)
                return element
            if entry is None:
                start, end = (header_span.start, header_span.end) if last else self.mapper.bounds(key_node)
                child = MapNode(self.path, start, end, TOML_TAG, None, False)
                table.entries[name] = (key, child)
                table = child
                continue
            existing = entry[1]
            if isinstance(existing, SeqNode) and existing.items and isinstance(existing.items[-1], MapNode):
                table = existing.items[-1]  # `[runners.docker]` after `[[runners]]`
            elif isinstance(existing, MapNode):
                if last:
                    existing.span = header_span  # the explicit [table] header
                table = existing
            else:
                raise _Unsupported(f"`{name}` is not a table", self.mapper.char(key_node.start_byte))
        return table

    def pair(self, table: MapNode, pair: Any) -> None:
        children = [c for c in pair.named_children if c.type != "comment"]
        key_node, value_node = children[0], children[-1]
        parts = self.key_parts(key_node)
        for name, part in parts[:-1]:  # dotted keys create nested tables
            entry = table.entries.get(name)
            if entry is None:
                child = MapNode(self.path, *self.mapper.bounds(part), TOML_TAG, None, True)
                table.entries[name] = (self.scalar(part, name), child)
                table = child
            elif isinstance(entry[1], MapNode):
                table = entry[1]
            else:
                raise _Unsupported(f"`{name}` is not a table", self.mapper.char(part.start_byte))
        name, part = parts[-1]
        table.entries[name] = (self.scalar(part, name), self.value(value_node))

    def value(self, node: Any) -> Node:
        if node.type == "array":
            array = SeqNode(self.path, *self.mapper.bounds(node), TOML_TAG, None, True)
            array.items = [self.value(c) for c in node.named_children if c.type != "comment"]
            return array
        if node.type == "inline_table":
            table = MapNode(self.path, *self.mapper.bounds(node), TOML_TAG, None, True)
            for pair in node.named_children:
                if pair.type == "pair":
                    self.pair(table, pair)
            return table
        raw = self.source(node)
        decoded = _simple_value(raw)
        if decoded is None:
            import tomllib

            try:
                decoded = tomllib.loads(f"v = {raw}")["v"]
            except tomllib.TOMLDecodeError:
                raise _Unsupported(f"cannot decode TOML value {raw[:40]!r}", self.mapper.char(node.start_byte)) from None
        return self.scalar(node, decoded, raw)

    def scalar(self, node: Any, value: Any, raw: str | None = None) -> ScalarNode:
        text = raw if raw is not None else self.source(node)
        scalar = ScalarNode(self.path, *self.mapper.bounds(node), TOML_TAG, None, text, "toml")
        scalar.value = value
        return scalar


_SIMPLE_STRING = re.compile(r'"[^"\\\x00-\x1f\x7f]*"|\'[^\'\x00-\x1f\x7f]*\'')
_SIMPLE_INTEGER = re.compile(r"[+-]?(?:0|[1-9][0-9]{0,17})")


def _simple_value(raw: str) -> object:
    """The value of the most common TOML scalars (strings without escapes, small decimal integers,
    booleans) without a tomllib parse each; None for anything else. The file as a whole was
    validated by tomllib already."""
    if _SIMPLE_STRING.fullmatch(raw):
        return raw[1:-1]
    if raw == "true" or raw == "false":
        return raw == "true"
    if _SIMPLE_INTEGER.fullmatch(raw):
        return int(raw)
    return None
