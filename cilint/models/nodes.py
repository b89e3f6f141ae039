"""Helpers over YAML nodes shared by the pipeline model: reading scalars and GitLab's deep merge."""

from __future__ import annotations

from typing import Any

from cilint.findings import Location
from cilint.syntax.yaml import YMap, YNode, YScalar, YSeq, ruby_to_s


def location(node: YNode) -> Location:
    return Location(node.path, node.span)


def is_null(node: YNode | None) -> bool:
    return node is None or (isinstance(node, YScalar) and node.value is None)


def scalar_text(node: YNode | None) -> str | None:
    """A scalar as the string GitLab would see (`to_s`), None for null or a collection."""
    if not isinstance(node, YScalar):
        return None
    value = node.value
    if value is None:
        return None
    return value if isinstance(value, str) else ruby_to_s(value)


def plain(node: YNode | None) -> Any:
    """A node as plain Python data: dicts, lists and scalar values (YAML 1.1 typing, as GitLab reads)."""
    if isinstance(node, YScalar):
        return node.value
    if isinstance(node, YSeq):
        return [plain(item) for item in node.items]
    if isinstance(node, YMap):
        return {key: plain(value) for key, value in node.items()}
    return None


def string_list(node: YNode | None) -> list[YScalar]:
    """A string or a list of strings (nested lists flattened); other items are skipped."""
    if isinstance(node, YScalar):
        return [node] if node.value is not None else []
    if isinstance(node, YSeq):
        out: list[YScalar] = []
        for item in node.items:
            out.extend(string_list(item))
        return out
    return []


def deep_merge(base: YNode | None, override: YNode | None) -> YNode | None:
    """Rails' `deep_merge`: hashes merge key by key, anything else is replaced by `override`.

    Nodes are never mutated (an alias is shared); a merged hash is a new YMap that takes the
    position of `override`, while every leaf keeps the node (and so the span) it was written as.
    """
    if override is None:
        return base
    if isinstance(base, YMap) and isinstance(override, YMap):
        merged = YMap(override.path, override.start, override.end, override.tag, override.anchor, override.flow)
        entries = dict(base.entries)
        for key, (key_node, value) in override.entries.items():
            existing = entries.get(key)
            if existing is not None and isinstance(existing[1], YMap) and isinstance(value, YMap):
                combined = deep_merge(existing[1], value)
                assert combined is not None
                entries[key] = (key_node, combined)
            else:
                entries[key] = (key_node, value)
        merged.entries = entries
        return merged
    return override


def with_entries(template: YMap, entries: dict[str, tuple[YNode, YNode]]) -> YMap:
    """A copy of `template` (same position) holding `entries`."""
    copy = YMap(template.path, template.start, template.end, template.tag, template.anchor, template.flow)
    copy.entries = entries
    return copy


def subtree_end(node: YNode) -> int:
    """Where the text of `node` and of everything under it ends. A flow collection ends at its
    closing bracket; a block collection at the end of its last child (its own end can run on into
    the indentation of the next line, or stop before a merged child's)."""
    if isinstance(node, YScalar) or getattr(node, "flow", False):
        return node.span.end
    end = -1
    if isinstance(node, YMap):
        for key, value in node.entries.values():
            if key.path == node.path and node.span.start <= key.span.start:
                end = max(end, key.span.end, subtree_end(value) if value.path == node.path else -1)
    elif isinstance(node, YSeq):
        for item in node.items:
            if item.path == node.path and node.span.start <= item.span.start:
                end = max(end, subtree_end(item))
    return node.span.end if end < 0 else end
