"""Edits of one scalar as written: replace it, replace a part of it, extend a comma-separated list
in it, or insert text at a place inside it."""

from __future__ import annotations

from cilint.findings import Edit, Span
from cilint.source import SourceFile
from cilint.syntax.nodes import scalar_text
from cilint.syntax.tree import Node, ScalarNode


def replace_scalar(node: ScalarNode, text: str) -> Edit:
    return Edit(node.path, node.span, text)


def replace_in_scalar(source: SourceFile, node: Node, old: str, new: str) -> Edit | None:
    """Replace the one occurrence of `old` inside a scalar as written (None if not exactly once)."""
    raw = source.text[node.span.start : node.span.end]
    if not isinstance(node, ScalarNode) or raw.count(old) != 1:
        return None
    at = node.span.start + raw.index(old)
    return Edit(source.path, Span(at, at + len(old)), new)


def insert_text(path: str, offset: int, text: str) -> Edit:
    """Insert `text` at a file offset (one found inside a scalar's value, for example)."""
    return Edit(path, Span(offset, offset), text)


def append_to_list_scalar(source: SourceFile, node: Node, items: list[str]) -> Edit | None:
    """Add `items` at the end of a comma-separated list written as one plain or quoted scalar on one
    line (`NO_PROXY: "localhost,.internal"`); None for other layouts or text with `$`."""
    if not isinstance(node, ScalarNode) or node.style not in ("", "'", '"'):
        return None
    raw = source.text[node.span.start : node.span.end]
    if "\n" in raw or "$" in raw:
        return None
    at = node.span.end - (1 if node.style else 0)
    separator = "," if (scalar_text(node) or "").strip() else ""
    return insert_text(source.path, at, separator + ",".join(items))
