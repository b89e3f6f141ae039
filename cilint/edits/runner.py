"""Edits of a runner configuration: which file a fix may splice into, and a TOML table appended
after another table's whole subtree."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cilint.findings import Edit, Span
from cilint.source import SourceFile
from cilint.syntax.nodes import subtree_end
from cilint.syntax.tree import MapNode, Node

if TYPE_CHECKING:  # runner models load only for projects with runner configuration
    from cilint.models.runner import RunnerConfig


def runner_config_file(source: SourceFile | None, config: RunnerConfig) -> SourceFile | None:
    """The file a fix of `config` splices into: a config.toml, or Helm values whose TOML is a literal
    block (`config: |`, where the TOML's lines are the file's); None for folded or quoted TOML and
    for a file that could not be read."""
    if source is None or (config.kind == "helm" and getattr(config.config_node, "style", "") != "|"):
        return None
    return source


def add_toml_table_after(source: SourceFile, anchor: Node, lines: list[str], nested: bool) -> Edit:
    """Append `lines` (a table header and its keys, already TOML) after `anchor` and everything under
    it. `nested`: `anchor` is a table header and the lines go one level deeper; else they are
    indented like `anchor`'s own keys."""
    text = source.text
    end = text.find("\n", subtree_end(anchor))
    at = len(text) if end == -1 else end
    if at > 0 and text[at - 1] == "\r":
        at -= 1
    if nested:
        line = source.line_text(source.position(anchor.span.start).line)
        indent = line[: len(line) - len(line.lstrip())] + "  "
    else:
        keys = [k for k, _ in anchor.entries.values()] if isinstance(anchor, MapNode) else []
        line = source.line_text(source.position(keys[-1].span.start).line) if keys else ""
        indent = line[: len(line) - len(line.lstrip())]
    newline = source.newline
    return Edit(source.path, Span(at, at), "".join(f"{newline}{indent}{line}" for line in lines))
