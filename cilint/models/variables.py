"""CI/CD variables as written in YAML, and `$VAR` / `${VAR}` expansion through them.

docs: ci/yaml#variables. Since GitLab 16.11 a value may be any scalar and is stored as its Ruby
`to_s` (MR 146503, "Use new ScalarValidator for variables CI keyword"): `FLAG: true` is "true",
`GO: 1.26` is "1.26", `yes`/`on` (YAML 1.1 booleans) are "true". The hash form has `value`,
`description`, `options`, `expand`. A job's variables override the global ones; `inherit:variables`
filters the global ones.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from cilint.syntax.nodes import scalar_text
from cilint.syntax.tree import MapNode, Node, ScalarNode

_NAME = re.compile(r"^[A-Za-z0-9_]+$")
_REFERENCE = re.compile(r"\$\$|\$\{([A-Za-z0-9_]+)\}|\$([A-Za-z0-9_]+)")
MAX_EXPANSION_DEPTH = 10


@dataclass(frozen=True, slots=True, eq=False)
class Variable:
    """A CI/CD variable as defined in a pipeline, a service or a runner."""

    name: str
    value: str | None  # None when GitLab would reject the definition
    expand: bool
    key: Node
    node: Node  # the value as written (the scalar, or the `value:` of the hash form)
    origin: str  # "global", "job", "service" or "runner"
    problem: str | None = None
    definition: Node | None = None  # everything written under the key (the hash form whole); None: `node`


def read_variables(node: Node | None, origin: str) -> dict[str, Variable]:
    if not isinstance(node, MapNode):
        return {}
    result: dict[str, Variable] = {}
    for name, (key_node, value_node) in node.entries.items():
        result[name] = _read_one(name, key_node, value_node, origin)
    return result


def _read_one(name: str, key: Node, node: Node, origin: str) -> Variable:
    expand = True
    written = node
    if isinstance(node, MapNode):
        expand_node = node.get("expand")
        if isinstance(expand_node, ScalarNode) and expand_node.value is False:
            expand = False
        written = node.get("value") or node
        if node.get("value") is None:
            return Variable(name, "", expand, key, node, origin)
    problem = None
    value: str | None = None
    if not _NAME.match(name):
        problem = "variable names may contain only letters, digits and '_'"
    if isinstance(written, ScalarNode):
        value = "" if written.value is None else scalar_text(written)
    else:
        problem = problem or "a variable value must be a string, an integer or a hash with `value:`"
    return Variable(name, value if problem is None else None, expand, key, written, origin, problem,
                    node if node is not written else None)


@dataclass(frozen=True, slots=True, eq=False)
class Expansion:
    """A string after `$VAR` expansion, and the names left unknown."""

    text: str
    unresolved: tuple[str, ...]  # names referenced but not defined anywhere visible


def expand(text: str, variables: Mapping[str, Variable]) -> Expansion:
    """Expand `$VAR` and `${VAR}` through `variables` (recursively for expandable values).

    Unknown names are left as written and listed in `unresolved`: they may be predefined
    variables or project/group settings, which a static analysis cannot see. `$$` is a literal `$`.
    """
    if "$" not in text:
        return Expansion(text, ())
    unresolved: list[str] = []
    return Expansion(_substitute(text, variables, unresolved, 0, frozenset()), tuple(unresolved))


def _substitute(value: str, variables: Mapping[str, Variable], unresolved: list[str], depth: int,
                active: frozenset[str]) -> str:
    # A module function, not a closure that calls itself: such a closure is a reference cycle, and
    # `engine.run` keeps the cyclic collector off, so each one would hold `variables` to the end.
    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group(1) or match.group(2)
        variable = variables.get(name)
        if variable is None or variable.value is None or name in active:
            if name not in unresolved:
                unresolved.append(name)
            return match.group(0)
        if not variable.expand or depth >= MAX_EXPANSION_DEPTH:
            return variable.value
        return _substitute(variable.value, variables, unresolved, depth + 1, active | {name})

    return _REFERENCE.sub(replace, value)
