"""Text embedded in a YAML scalar (the runner TOML under `runners.config` of Helm values).

`scalar_offsets` maps every character of a scalar's value to the offset of the character it came
from in the YAML file, through block-scalar indentation (`|`, `|-`, `|+`, `>`), folding, quotes and
CRLF. The mapping is rebuilt from the source and checked against the value the YAML parser produced;
where the two cannot be aligned exactly, every character maps to the start of the scalar (the finding
then lands on the `config:` value rather than on a wrong line).

`neutralise_templates` makes Helm template expressions (`{{ ... }}`) harmless for a TOML parser while
keeping every offset: a line that is only a directive (`{{- if .Values.x }}`) becomes a comment, and an
unquoted expression used as a value becomes a string of the same length.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cilint.findings import Span
from cilint.source import SourceFile
from cilint.syntax.tree import ScalarNode

_TEMPLATE = re.compile(r"\{\{.*?\}\}")


def scalar_offsets(source: SourceFile, node: ScalarNode) -> tuple[list[int], bool]:
    """(offsets, exact): `offsets[i]` is the file offset of `node.text[i]`."""
    value = node.text
    if node.style in ("|", ">"):
        built = _block(source.text, node, folded=node.style == ">")
    elif node.style == '"':
        built = _double_quoted(source.text, node)
    else:
        built = _greedy(source.text, node)
    if built is not None and len(built) >= len(value):
        return built[: len(value)], True
    return [node.span.start] * len(value), False


def _block(text: str, node: ScalarNode, folded: bool) -> list[int] | None:
    start, end = node.span.start, node.span.end
    header_end = text.find("\n", start)
    if header_end == -1 or header_end >= end:
        return None
    header = text[start:header_end].rstrip("\r")
    explicit = re.search(r"[1-9]", header)
    lines: list[tuple[int, int]] = []  # (line start, line end without break)
    position = header_end + 1
    while position < end:
        stop = text.find("\n", position)
        stop = len(text) if stop == -1 else stop
        content_end = stop - 1 if stop > position and text[stop - 1] == "\r" else stop
        lines.append((position, content_end))
        position = stop + 1
    if explicit:
        indent = int(explicit.group(0)) + _parent_indent(text, start)
    else:
        indents = [
            len(text[a:b]) - len(text[a:b].lstrip(" ")) for a, b in lines if text[a:b].strip(" ")
        ]
        if not indents:
            return []
        indent = indents[0]
    offsets: list[int] = []
    content_lines: list[tuple[str, list[int], int]] = []  # (text, offsets, break offset)
    for a, b in lines:
        body_start = min(a + indent, b)
        chars = list(range(body_start, b))
        content_lines.append((text[body_start:b], chars, b))
    if not folded:
        for _, chars, break_at in content_lines:
            offsets.extend(chars)
            offsets.append(break_at)
        return _check(offsets, text, node)
    # Folding: a break between two non-empty lines that are not more indented becomes a space,
    # the first break before empty lines is dropped, and the others are kept.
    for index, (line, chars, break_at) in enumerate(content_lines):
        offsets.extend(chars)
        nxt = content_lines[index + 1][0] if index + 1 < len(content_lines) else None
        normal = bool(line) and not line.startswith((" ", "\t"))
        if nxt is not None and normal and nxt == "":
            continue  # dropped
        offsets.append(break_at)
    return _check(offsets, text, node)


def _check(offsets: list[int], text: str, node: ScalarNode) -> list[int] | None:
    value = node.text
    if len(offsets) < len(value):
        return None
    for index, char in enumerate(value):
        source_char = text[offsets[index]] if offsets[index] < len(text) else "\n"
        if char == source_char or (char in "\n " and source_char in "\r\n") or source_char == "\\":
            continue
        return None
    return offsets


def _parent_indent(text: str, offset: int) -> int:
    line_start = text.rfind("\n", 0, offset) + 1
    line = text[line_start:offset]
    return len(line) - len(line.lstrip(" "))


_ESCAPE_LENGTH = {"x": 4, "u": 6, "U": 10}


def _double_quoted(text: str, node: ScalarNode) -> list[int] | None:
    """Walk a double-quoted scalar: an escape maps to its backslash, a folded break to the break."""
    position = node.span.start + 1
    end = node.span.end - 1
    offsets: list[int] = []
    while position < end:
        char = text[position]
        if char == "\\":
            following = text[position + 1] if position + 1 < end else ""
            if following in "\r\n":  # an escaped line break joins the lines
                position = _skip_break(text, position + 1, end)
                continue
            offsets.append(position)
            position += _ESCAPE_LENGTH.get(following, 2)
            continue
        if char in "\r\n":
            offsets.append(position)
            position = _skip_break(text, position, end)
            while position < end and text[position] in "\r\n":  # empty lines: one break each
                offsets.append(position)
                position = _skip_break(text, position, end)
            continue
        if char in " \t" and text[position:end].lstrip(" \t")[:1] in ("\r", "\n"):
            position += 1  # trailing white space before a folded break is dropped
            continue
        offsets.append(position)
        position += 1
    return _check(offsets, text, node)


def _skip_break(text: str, position: int, end: int) -> int:
    if text.startswith("\r\n", position):
        position += 2
    elif position < end and text[position] in "\r\n":
        position += 1
    while position < end and text[position] in " \t":
        position += 1
    return position


def _greedy(text: str, node: ScalarNode) -> list[int] | None:
    """Quoted and plain scalars: match value characters to source characters in order."""
    position = node.span.start + (1 if node.style in ("'", '"') else 0)
    end = node.span.end
    offsets: list[int] = []
    for char in node.text:
        while position < end and text[position] != char and not (char in "\n " and text[position] in "\r\n"):
            position += 1
        if position >= end:
            return None
        offsets.append(position)
        position += 1
    return offsets


@dataclass(frozen=True, slots=True, eq=False)
class Neutralised:
    """A Helm values text with its `{{ ... }}` template expressions blanked out (same length), and where they were."""

    text: str
    templates: tuple[Span, ...]  # template expressions, as spans of the returned text


def neutralise_templates(text: str) -> Neutralised:
    lines = text.split("\n")
    out: list[str] = []
    templates: list[Span] = []
    offset = 0
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("{{") and stripped.endswith("}}") and "=" not in _TEMPLATE.sub("", stripped):
            lead = len(line) - len(line.lstrip())
            templates.append(Span(offset + lead, offset + len(line.rstrip())))
            out.append(line[:lead] + "#" + " " * (len(line) - lead - 1) if len(line) > lead else line)
        else:
            out.append(_neutralise_line(line, offset, templates))
        offset += len(line) + 1
    return Neutralised("\n".join(out), tuple(templates))


def _neutralise_line(line: str, offset: int, templates: list[Span]) -> str:
    if "{{" not in line:
        return line
    chars = list(line)
    quote: str | None = None
    index = 0
    while index < len(line):
        char = line[index]
        if quote is None and char == "#":
            break
        if quote is not None:
            if char == "\\" and quote == '"':
                index += 2
                continue
            if char == quote:
                quote = None
            elif line.startswith("{{", index):
                close = line.find("}}", index)
                if close != -1:
                    # Helm renders the expression before TOML is read: quotes inside it vanish.
                    templates.append(Span(offset + index, offset + close + 2))
                    for inner in range(index + 2, close):
                        if chars[inner] in ('"', "\\") and quote == '"':
                            chars[inner] = "'"
                        elif chars[inner] == "'" and quote == "'":
                            chars[inner] = '"'
                    index = close + 2
                    continue
            index += 1
            continue
        if char in ("'", '"'):
            quote = char
            index += 1
            continue
        if line.startswith("{{", index):
            close = line.find("}}", index)
            if close == -1:
                break
            templates.append(Span(offset + index, offset + close + 2))
            chars[index] = '"'
            chars[close + 1] = '"'
            for inner in range(index + 1, close + 1):
                if chars[inner] in ('"', "\\"):
                    chars[inner] = "'"
            index = close + 2
            continue
        index += 1
    return "".join(chars)
