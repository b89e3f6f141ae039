"""Configuration headers (`spec:` then `---`) and `$[[ inputs.name | function ]]` interpolation.

docs: ci/inputs. An input that is the whole value keeps its type (an array input stays a list); inside
a longer string it is rendered as text. Values come from the include's `inputs:` or the input's
`default:`; a mandatory input with no value is left as written, so analysis can go on.

The predefined functions (docs: ci/inputs/#predefined-interpolation-functions; GitLab's
`Gitlab::Ci::Config::Interpolation::Functions`) run left to right, at most three: `truncate(offset,
length)` is Ruby's `value[offset, length].to_s`, `posix_escape` is `Shellwords.shellescape`, and
`expand_vars` expands the variables GitLab's include context knows (project, group, instance and
pipeline variables, none of them known offline), so it leaves the text as written.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from cilint.models.merge import with_entries
from cilint.syntax.nodes import scalar_text
from cilint.syntax.tree import MapNode, Node, ScalarNode, SeqNode, ruby_to_s
from cilint.syntax.yaml import YamlDocument, text_of_key

_BLOCK = re.compile(r"\$\[\[\s*inputs\.([A-Za-z0-9_-]+)\s*((?:\|[^\]]*)?)\]\]")
_TRUNCATE = re.compile(r"^truncate\(\s*(\d+)\s*,\s*(\d+)\s*\)?$")  # GitLab's pattern, `)` optional
_SHELL_SAFE = re.compile(r"[^A-Za-z0-9_\-.,:+/@\n]")
MAX_FUNCTIONS = 3  # Gitlab::Ci::Config::Interpolation::FunctionsStack


@dataclass(frozen=True, slots=True)
class InputProblem:
    """An interpolation GitLab rejects, at the scalar that holds it."""

    node: ScalarNode
    message: str


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


def given_input_problems(header: MapNode | None, provided: MapNode | None) -> list[tuple[Node | None, str]]:
    """What GitLab rejects in the inputs an include gives a file (Gitlab::Ci::Config::Interpolation::
    Inputs, in its words): inputs for a file without `spec:`, names the spec does not declare, a
    mandatory input with no value, a value outside `options:`. A problem without a node belongs at
    the include entry."""
    spec = header.get("spec") if header is not None else None
    declared = spec.get("inputs") if isinstance(spec, MapNode) else None
    given = provided.entries if provided is not None else {}
    if not isinstance(declared, MapNode):
        if given and provided is not None:
            return [(provided, "Given inputs not defined in the `spec` section of the included configuration file")]
        return []
    problems: list[tuple[Node | None, str]] = []
    unknown = [name for name in given if name not in declared.entries]
    if unknown and provided is not None:
        problems.append((provided, f"unknown input arguments: {', '.join(unknown)}"))
    for name, definition in declared.items():
        value = given.get(name)
        if value is None and not (isinstance(definition, MapNode) and "default" in definition.entries):
            problems.append((None, f"`{name}` input: required value has not been provided"))
            continue
        options = definition.get("options") if isinstance(definition, MapNode) else None
        if value is not None and isinstance(options, SeqNode):
            text = scalar_text(value[1])
            allowed = {scalar_text(o) for o in options.items}
            if text is not None and text not in allowed:
                problems.append((value[1], f"`{name}` input: `{text}` cannot be used because it is not in the "
                                 "list of allowed options"))
    return problems


def interpolate(
    content: Node | None, header: MapNode | None, provided: MapNode | None, problems: list[InputProblem]
) -> Node | None:
    """`content` with its input blocks replaced; what GitLab would reject goes to `problems`."""
    values = input_values(header, provided)
    if content is None or not values:
        return content
    memo: dict[int, Node] = {}
    return _replace(content, values, memo, problems)


def _replace(node: Node, values: dict[str, Node], memo: dict[int, Node], problems: list[InputProblem]) -> Node:
    done = memo.get(id(node))
    if done is not None:
        return done
    result: Node = node
    if isinstance(node, ScalarNode):
        if "$[[" in node.text:
            result = _interpolate_scalar(node, values, problems)
    elif isinstance(node, SeqNode):
        items = [_replace(item, values, memo, problems) for item in node.items]
        if any(a is not b for a, b in zip(items, node.items)):
            seq = SeqNode(node.path, node.start, node.end, node.tag, node.anchor, node.flow)
            seq.items = items
            result = seq
    elif isinstance(node, MapNode):
        entries: dict[str, tuple[Node, Node]] = {}
        changed = False
        for key_node, value in node.entries.values():
            new_key = _replace(key_node, values, memo, problems)
            new_value = _replace(value, values, memo, problems)
            changed |= new_key is not key_node or new_value is not value
            entries[text_of_key(new_key)] = (new_key, new_value)
        if changed:
            result = with_entries(node, entries)
    memo[id(node)] = result
    return result


def _interpolate_scalar(node: ScalarNode, values: dict[str, Node], problems: list[InputProblem]) -> Node:
    whole = _BLOCK.fullmatch(node.text.strip())
    if whole and whole.group(1) in values and not whole.group(2).strip():
        return values[whole.group(1)]

    def render(match: re.Match[str]) -> str:
        value = values.get(match.group(1))
        if value is None:
            return match.group(0)
        text = scalar_text(value)
        functions = [f.strip() for f in match.group(2).split("|")[1:]]
        if functions:
            if text is None or not isinstance(value, ScalarNode) or not isinstance(value.value, str):
                problems.append(InputProblem(node, f"`{match.group(0)}`: the input `{match.group(1)}` is not a "
                                             "string; GitLab's interpolation functions take string inputs only"))
                return match.group(0)
            applied = _apply(text, functions, match.group(0), node, problems)
            return match.group(0) if applied is None else applied
        if text is not None:
            return text
        import json  # on first use: not on the start-up path (~3 ms)

        return json.dumps(_plain(value))

    text = _BLOCK.sub(render, node.text)
    if text == node.text:
        return node
    return ScalarNode(node.path, node.start, node.end, node.tag, node.anchor, text, node.style or "'")


def _apply(text: str, functions: list[str], block: str, node: ScalarNode, problems: list[InputProblem]) -> str | None:
    if len(functions) > MAX_FUNCTIONS:
        problems.append(InputProblem(node, f"`{block}`: too many functions in interpolation block "
                                     f"(GitLab allows {MAX_FUNCTIONS})"))
        return None
    for function in functions:
        truncate = _TRUNCATE.match(function)
        if truncate:
            offset, length = int(truncate.group(1)), int(truncate.group(2))
            text = text[offset:offset + length] if offset <= len(text) else ""
        elif function == "posix_escape":
            text = posix_escape(text)
        elif function == "expand_vars":
            pass  # the include context's variables (project, group, instance, pipeline) are not known offline
        else:
            problems.append(InputProblem(node, f"`{block}`: no function matching `{function}`: GitLab knows "
                                         "`expand_vars`, `truncate(offset, length)` and `posix_escape`"))
            return None
    return text


def posix_escape(text: str) -> str:
    """Ruby's `Shellwords.shellescape`: a backslash before each character that is not shell-safe."""
    if not text:
        return "''"
    return _SHELL_SAFE.sub(lambda m: "\\" + m.group(0), text).replace("\n", "'\n'")


def _plain(node: Node) -> object:
    if isinstance(node, ScalarNode):
        return node.value if not isinstance(node.value, float) else ruby_to_s(node.value)
    if isinstance(node, SeqNode):
        return [_plain(item) for item in node.items]
    if isinstance(node, MapNode):
        return {key: _plain(value) for key, value in node.items()}
    return None
