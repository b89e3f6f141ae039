"""Reading YAML and TOML nodes: scalars as GitLab sees them, nodes as plain data, where a node's
text ends, and the location of a node for a finding."""

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
