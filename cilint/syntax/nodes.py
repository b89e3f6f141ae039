"""Reading YAML and TOML nodes: scalars as GitLab sees them, nodes as plain data, where a node's
text ends, and the location of a node for a finding."""

from __future__ import annotations

from typing import Any

from cilint.findings import Location
from cilint.syntax.tree import MapNode, Node, ScalarNode, SeqNode, ruby_to_s


def location(node: Node) -> Location:
    return Location(node.path, node.span)



def is_null(node: Node | None) -> bool:
    return node is None or (isinstance(node, ScalarNode) and node.value is None)



def scalar_text(node: Node | None) -> str | None:
    """A scalar as the string GitLab would see (`to_s`), None for null or a collection."""
    if not isinstance(node, ScalarNode):
        return None
    value = node.value
    if value is None:
        return None
    return value if isinstance(value, str) else ruby_to_s(value)



def plain(node: Node | None) -> Any:
    """A node as plain Python data: dicts, lists and scalar values (YAML 1.1 typing, as GitLab reads)."""
    if isinstance(node, ScalarNode):
        return node.value
    if isinstance(node, SeqNode):
        return [plain(item) for item in node.items]
    if isinstance(node, MapNode):
        return {key: plain(value) for key, value in node.items()}
    return None



def string_list(node: Node | None) -> list[ScalarNode]:
    """A string or a list of strings (nested lists flattened); other items are skipped."""
    if isinstance(node, ScalarNode):
        return [node] if node.value is not None else []
    if isinstance(node, SeqNode):
        out: list[ScalarNode] = []
        for item in node.items:
            out.extend(string_list(item))
        return out
    return []



def subtree_end(node: Node) -> int:
    """Where the text of `node` and of everything under it ends. A flow collection ends at its
    closing bracket; a block collection at the end of its last child (its own end can run on into
    the indentation of the next line, or stop before a merged child's)."""
    if isinstance(node, ScalarNode) or getattr(node, "flow", False):
        return node.span.end
    end = -1
    if isinstance(node, MapNode):
        for key, value in node.entries.values():
            if key.path == node.path and node.span.start <= key.span.start:
                end = max(end, key.span.end, subtree_end(value) if value.path == node.path else -1)
    elif isinstance(node, SeqNode):
        for item in node.items:
            if item.path == node.path and node.span.start <= item.span.start:
                end = max(end, subtree_end(item))
    return node.span.end if end < 0 else end
