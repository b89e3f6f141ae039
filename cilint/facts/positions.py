"""Positions inside scalars: a character offset of a value -> a Location in its file."""

from __future__ import annotations

from cilint.findings import Location, Span
from cilint.loading.project import Project
from cilint.source import SourceFile
from cilint.syntax.embedded import scalar_offsets
from cilint.syntax.nodes import location
from cilint.syntax.tree import Node, ScalarNode


class Positions:
    """Character offsets inside a scalar's value -> a Location in its file."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.cache: dict[int, list[int] | None] = {}

    def inside(self, node: Node, start: int, end: int) -> Location:
        offsets = self.offsets(node)
        if not offsets or start >= len(offsets) or end <= start:
            return location(node)
        return Location(node.path, Span(offsets[start], offsets[min(end, len(offsets)) - 1] + 1))

    def offsets(self, node: Node) -> list[int] | None:
        """File offsets of each character of a scalar's value; None when not known exactly."""
        if not isinstance(node, ScalarNode):
            return None
        offsets = self.cache.get(id(node), [])
        if offsets == []:
            source = self.project.workspace.source(node.path)
            offsets = None
            if isinstance(source, SourceFile):
                if node.style == "toml":
                    offsets = _toml_string_offsets(source, node)
                else:
                    built, exact = scalar_offsets(source, node)
                    offsets = built if exact else None
            self.cache[id(node)] = offsets
        return offsets


def _toml_string_offsets(source: SourceFile, node: ScalarNode) -> list[int] | None:
    """Offsets of a TOML string's characters, for strings without escapes (else None)."""
    raw = source.text[node.span.start : node.span.end]
    value = node.value if isinstance(node.value, str) else None
    if value is None or "\\" in raw:
        return None
    if raw[:3] in ('"""', "'''"):
        base = 3 + (2 if raw[3:5] == "\r\n" else 1 if raw[3:4] == "\n" else 0)
    elif raw[:1] in ('"', "'"):
        base = 1
    else:
        return None
    if "\n" in raw and not node.path.endswith(".toml"):
        return None  # a multi-line string inside a YAML block: indentation breaks the 1:1 mapping
    if raw[base : base + len(value)] != value:
        return None
    return [node.span.start + base + i for i in range(len(value))]
