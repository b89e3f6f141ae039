"""Configuration headers (`spec:` then `---`) and `$[[ inputs.name ]]` interpolation.

docs: ci/inputs. An input that is the whole value keeps its type (an array input stays a list); inside
a longer string it is rendered as text. Values come from the include's `inputs:` or the input's
`default:`; a mandatory input with no value is left as written, so analysis can go on.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from cilint.models.merge import with_entries
from cilint.syntax.nodes import scalar_text
from cilint.syntax.tree import MapNode, Node, ScalarNode, SeqNode, ruby_to_s
from cilint.syntax.yaml import YamlDocument, text_of_key

_BLOCK = re.compile(r"\$\[\[\s*inputs\.([A-Za-z0-9_-]+)\s*(?:\|[^\]]*)?\]\]")


def content_index(documents: Sequence[YamlDocument]) -> tuple[int | None, int | None]:
    """(index of the `spec:` header, index of the configuration) among a file's documents, as GitLab
    picks them (`Gitlab::Ci::Config::Yaml::Result`): with two or more documents and a `spec:` key in
    the first, the first is the header and the configuration is the last of the first three (GitLab
    splits a file into at most three parts and reads the first document of each); otherwise the
    configuration is the first document and the others are ignored."""
    if not documents:
        return None, None
    first = documents[0].root
    if isinstance(first, MapNode) and "spec" in first.entries and len(documents) > 1:
        return 0, min(2, len(documents) - 1)
    return None, 0


def split_header(documents: Sequence[YamlDocument]) -> tuple[MapNode | None, Node | None]:
    """(spec header, configuration) of a file (see content_index)."""
    header, content = content_index(documents)
    if content is None:
        return None, None
    first = documents[0].root
    return (first if header is not None and isinstance(first, MapNode) else None), documents[content].root


def input_values(header: MapNode | None, provided: MapNode | None) -> dict[str, Node]:
    values: dict[str, Node] = {}
    spec = header.get("spec") if header is not None else None
    declared = spec.get("inputs") if isinstance(spec, MapNode) else None
    if isinstance(declared, MapNode):
        for name, definition in declared.items():
            default = definition.get("default") if isinstance(definition, MapNode) else None
            if default is not None:
                values[name] = default
    if provided is not None:
        values.update(provided.items())
    return values


def interpolate(content: Node | None, header: MapNode | None, provided: MapNode | None) -> Node | None:
    values = input_values(header, provided)
    if content is None or not values:
        return content
    memo: dict[int, Node] = {}
    return _replace(content, values, memo)


def _replace(node: Node, values: dict[str, Node], memo: dict[int, Node]) -> Node:
    done = memo.get(id(node))
    if done is not None:
        return done
    result: Node = node
    if isinstance(node, ScalarNode):
        if "$[[" in node.text:
            result = _interpolate_scalar(node, values)
    elif isinstance(node, SeqNode):
        items = [_replace(item, values, memo) for item in node.items]
        if any(a is not b for a, b in zip(items, node.items)):
            seq = SeqNode(node.path, node.start, node.end, node.tag, node.anchor, node.flow)
            seq.items = items
            result = seq
    elif isinstance(node, MapNode):
        entries: dict[str, tuple[Node, Node]] = {}
        changed = False
        for key_node, value in node.entries.values():
            new_key = _replace(key_node, values, memo)
            new_value = _replace(value, values, memo)
            changed |= new_key is not key_node or new_value is not value
            entries[text_of_key(new_key)] = (new_key, new_value)
        if changed:
            result = with_entries(node, entries)
    memo[id(node)] = result
    return result


def _interpolate_scalar(node: ScalarNode, values: dict[str, Node]) -> Node:
    whole = _BLOCK.fullmatch(node.text.strip())
    if whole and whole.group(1) in values:
        return values[whole.group(1)]

    def render(match: re.Match[str]) -> str:
        value = values.get(match.group(1))
        if value is None:
            return match.group(0)
        text = scalar_text(value)
        if text is not None:
            return text
        import json  # on first use: not on the start-up path (~3 ms)

        return json.dumps(_plain(value))

    text = _BLOCK.sub(render, node.text)
    if text == node.text:
        return node
    return ScalarNode(node.path, node.start, node.end, node.tag, node.anchor, text, node.style or "'")


def _plain(node: Node) -> object:
    if isinstance(node, ScalarNode):
        return node.value if not isinstance(node.value, float) else ruby_to_s(node.value)
    if isinstance(node, SeqNode):
        return [_plain(item) for item in node.items]
    if isinstance(node, MapNode):
        return {key: _plain(value) for key, value in node.items()}
    return None
