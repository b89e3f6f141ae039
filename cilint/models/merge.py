"""GitLab's merge of configuration hashes (Rails' `deep_merge`), over nodes that keep their positions."""

from __future__ import annotations

from cilint.syntax.tree import MapNode, Node


def deep_merge(base: Node | None, override: Node | None) -> Node | None:
    """Rails' `deep_merge`: hashes merge key by key, anything else is replaced by `override`.

    Nodes are never mutated (an alias is shared); a merged hash is a new MapNode that takes the
    position of `override`, while every leaf keeps the node (and so the span) it was written as.
    """
    if override is None:
        return base
    if isinstance(base, MapNode) and isinstance(override, MapNode):
        merged = MapNode(override.path, override.start, override.end, override.tag, override.anchor, override.flow)
        entries = dict(base.entries)
        for key, (key_node, value) in override.entries.items():
            existing = entries.get(key)
            if existing is not None and isinstance(existing[1], MapNode) and isinstance(value, MapNode):
                combined = deep_merge(existing[1], value)
                assert combined is not None
                entries[key] = (key_node, combined)
            else:
                entries[key] = (key_node, value)
        merged.entries = entries
        return merged
    return override



def with_entries(template: MapNode, entries: dict[str, tuple[Node, Node]]) -> MapNode:
    """A copy of `template` (same position) holding `entries`."""
    copy = MapNode(template.path, template.start, template.end, template.tag, template.anchor, template.flow)
    copy.entries = entries
    return copy
