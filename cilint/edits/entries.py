"""Edits that add or change one setting in a TOML table or a YAML mapping, keeping the layout."""

from __future__ import annotations

from cilint.findings import Edit, Span
from cilint.source import SourceFile
from cilint.syntax.nodes import subtree_end
from cilint.syntax.tree import MapNode, Node, ScalarNode, SeqNode


def _line_end(text: str, offset: int) -> int:
    end = text.find("\n", offset)
    return len(text) if end == -1 else end


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
    return double_quoted(str(value))


def add_toml_key(source: SourceFile, table: MapNode, key: str, value: object) -> Edit | None:
    """Append `key = value` as the table's last line, indented like its other keys.

    Only for a table written with a header and at least one key on its own lines (the usual
    config.toml layout); None otherwise, and the finding keeps a display-only suggestion.
    """
    if table.flow or not table.entries:
        return None
    last_key, last_value = list(table.entries.values())[-1]
    if isinstance(last_value, MapNode) and not last_value.flow:
        return None  # a sub-table follows; inserting here would land in it
    indent = _indent_of(source, last_key.span.start)
    at = _line_end(source.text, last_value.span.end)
    if at > 0 and source.text[at - 1] == "\r":
        at -= 1
    newline = source.newline
    return Edit(source.path, Span(at, at), f"{newline}{indent}{key} = {toml_value(value)}")


def append_to_array(source: SourceFile, array: Node, value: object) -> Edit | None:
    """Add one element at the end of a TOML or YAML flow array, after its last element."""
    if not isinstance(array, SeqNode) or not array.flow:
        return None
    rendered = toml_value(value)
    if not array.items:
        return Edit(source.path, Span(array.span.start + 1, array.span.start + 1), rendered)
    last = array.items[-1]
    return Edit(source.path, Span(last.span.end, last.span.end), f", {rendered}")


def _line_start(text: str, offset: int) -> int:
    return text.rfind("\n", 0, offset) + 1


def remove_seq_items(source: SourceFile, owner: MapNode, key: str, items: list[Node]) -> list[Edit] | None:
    """Remove `items` from the sequence under `key` of `owner`; the whole key when none remain.

    Block sequences lose whole lines; flow sequences lose the item and one neighbouring comma.
    None when the layout is not one these splices handle safely (several items on a line...).
    """
    seq = owner.get(key)
    key_node = owner.key_node(key)
    if not isinstance(seq, SeqNode) or key_node is None:
        return None
    remove = {id(i) for i in items}
    kept = [i for i in seq.items if id(i) not in remove]
    text = source.text
    if not kept:
        if owner.flow:
            return None
        start = _line_start(text, key_node.span.start)
        if text[start : key_node.span.start].strip():
            return None  # the key shares its line with something else (`- name: x` lines are fine below)
        end = _line_end(text, seq.span.end if seq.flow else seq.items[-1].span.end)
        return [Edit(source.path, Span(start, min(end + 1, len(text))), "")]
    edits: list[Edit] = []
    if seq.flow:
        for index, item in enumerate(seq.items):
            if id(item) not in remove:
                continue
            if index + 1 < len(seq.items):
                edits.append(Edit(source.path, Span(item.span.start, seq.items[index + 1].span.start), ""))
            else:
                previous = seq.items[index - 1]
                edits.append(Edit(source.path, Span(previous.span.end, item.span.end), ""))
        return _merge(edits, source.path)
    lines = [source.position(i.span.start).line for i in seq.items]
    if len(set(lines)) != len(lines):
        return None
    for item in seq.items:
        if id(item) in remove:
            start = _line_start(text, item.span.start)
            end = _line_end(text, item.span.end)
            edits.append(Edit(source.path, Span(start, min(end + 1, len(text))), ""))
    return edits


def remove_seq_item(source: SourceFile, seq: Node, item: Node) -> Edit | None:
    """Remove one item of a block sequence that has others, as whole lines; None for a flow
    sequence, its only item, or an item that shares a line with anything else."""
    if not isinstance(seq, SeqNode) or seq.flow or len(seq.items) < 2 or not any(i is item for i in seq.items):
        return None
    if item.path != source.path or any(i.path != source.path for i in seq.items):
        return None
    text = source.text
    start = _line_start(text, item.span.start)
    if text[start : item.span.start].strip() != "-":
        return None
    end = _line_end(text, subtree_end(item))
    for other in seq.items:
        if other is not item and start <= other.span.start <= end:
            return None
    return Edit(source.path, Span(start, min(end + 1, len(text))), "")


def _merge(edits: list[Edit], path: str) -> list[Edit]:
    """Join deletions that touch or overlap (adjacent flow items)."""
    merged: list[Edit] = []
    for edit in sorted(edits, key=lambda e: e.span.start):
        if merged and edit.span.start <= merged[-1].span.end:
            last = merged.pop()
            edit = Edit(path, Span(last.span.start, max(last.span.end, edit.span.end)), "")
        merged.append(edit)
    return merged


def insert_after_table_keys(source: SourceFile, table: MapNode, lines: list[str]) -> Edit | None:
    """Insert `lines` (already TOML) after the table's own keys, before any sub-table header,
    indented like those keys. For the usual `[table]` layout of config.toml and Helm values."""
    if table.flow:
        return None
    plain = [(k, v) for k, v in table.entries.values() if not _is_header_table(v)]
    newline = source.newline
    if plain:
        last_key, last_value = plain[-1]
        indent = _indent_of(source, last_key.span.start)
        at = _line_end(source.text, last_value.span.end)
    else:
        indent = _indent_of(source, table.span.start) + "  "
        at = _line_end(source.text, table.span.end)
    if at > 0 and source.text[at - 1] == "\r":
        at -= 1
    body = "".join(f"{newline}{indent}{line}" if line else newline for line in lines)
    return Edit(source.path, Span(at, at), body)


def _is_header_table(node: Node) -> bool:
    if isinstance(node, MapNode):
        return not node.flow
    return isinstance(node, SeqNode) and bool(node.items) and all(isinstance(i, MapNode) and not i.flow for i in node.items)


def yaml_scalar(value: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return double_quoted(value)


def double_quoted(value: str) -> str:
    """`value` as a JSON string, which is also a YAML double-quoted scalar and a TOML basic string.
    Characters beyond U+FFFF are written as themselves: JSON would escape them as two surrogate
    halves, which YAML (libyaml) rejects."""
    import json  # on first use: not on the start-up path (~3 ms)

    return json.dumps(value, ensure_ascii=False)


def _own_entries(mapping: MapNode) -> list[tuple[Node, Node]]:
    """Entries written inside `mapping` itself (not merged in from `extends`, anchors or defaults)."""
    return [
        (k, v) for k, v in mapping.entries.values()
        if k.path == mapping.path and mapping.span.start <= k.span.start < mapping.span.end
    ]


def own_entry(mapping: MapNode, key: str) -> Node | None:
    """The value of `key` when written in `mapping` itself."""
    return next((v for k, v in _own_entries(mapping) if isinstance(k, ScalarNode) and k.value == key), None)


def _block_end(text: str, node: Node) -> int:
    """The end of the last line holding `node` (block scalars end at the next line's start, block
    collections where their last child ends)."""
    end = subtree_end(node)
    if end > node.span.start and text[end - 1 : end] == "\n":
        end -= 1
    at = _line_end(text, max(end - 1, node.span.start))
    if at > 0 and text[at - 1] == "\r":
        at -= 1
    return at


def add_yaml_entry(source: SourceFile, mapping: MapNode, key: str, value: str | dict[str, str]) -> Edit | None:
    """Add `key: value` after the mapping's own last entry, indented like its keys.

    `value` is rendered YAML text, or a dict of rendered values for a nested block mapping.
    None when the mapping has no entry of its own to align with (the finding keeps its message).
    """
    own = _own_entries(mapping)
    if not own:
        return None
    last_key, last_value = own[-1]
    text = source.text
    if mapping.flow:
        if isinstance(value, dict):
            value = "{" + ", ".join(f"{k}: {v}" for k, v in value.items()) + "}"
        return Edit(source.path, Span(last_value.span.end, last_value.span.end), f", {key}: {value}")
    # The column of the first key, not the line's indent: `- name: x` keys start after the dash.
    indent = " " * (source.position(own[0][0].span.start).column - 1)
    newline = source.newline
    at = _block_end(text, last_value)
    if isinstance(value, dict):
        body = "".join(f"{newline}{indent}  {k}: {v}" for k, v in value.items())
        return Edit(source.path, Span(at, at), f"{newline}{indent}{key}:{body}")
    return Edit(source.path, Span(at, at), f"{newline}{indent}{key}: {value}")


def append_seq_item(source: SourceFile, seq: Node, rendered: str) -> Edit | None:
    """Add an item (rendered YAML) at the end of a flow or block sequence."""
    if not isinstance(seq, SeqNode) or not seq.items:
        return None
    last = seq.items[-1]
    if seq.flow:
        return Edit(source.path, Span(last.span.end, last.span.end), f", {rendered}")
    lines = [source.position(i.span.start).line for i in seq.items]
    if len(set(lines)) != len(lines):
        return None
    dash = source.text.rfind("-", 0, last.span.start)
    if dash < 0 or source.text[dash:last.span.start].strip() != "-":
        return None
    column = source.position(dash).column - 1
    at = _block_end(source.text, last)
    return Edit(source.path, Span(at, at), f"{source.newline}{' ' * column}- {rendered}")


def remove_key_line(source: SourceFile, key: Node, value: Node) -> Edit | None:
    """Remove a `key = value` (TOML) or `key: value` (YAML) written alone on its lines."""
    text = source.text
    start = _line_start(text, key.span.start)
    if text[start : key.span.start].strip():
        return None
    end = _line_end(text, value.span.end if value.span.end > key.span.end else key.span.end)
    if text[value.span.end : end].strip() and not text[value.span.end : end].strip().startswith("#"):
        return None
    return Edit(source.path, Span(start, min(end + 1, len(text))), "")


def add_line_below(source: SourceFile, key: Node, after: Node, entry: str) -> Edit:
    """Insert `entry` (`alias: x`) on a new line below the line where `after` ends, at the column
    of `key` (a key of the same block mapping), with that line's own line ending."""
    indent = " " * (source.position(key.span.start).column - 1)
    at = _line_end(source.text, after.span.end)
    newline = "\r\n" if source.text[at - 1 : at] == "\r" else "\n"
    if newline == "\r\n":
        at -= 1
    return Edit(source.path, Span(at, at), f"{newline}{indent}{entry}")
