"""GitLab's CI/CD JSON schema, and a quick reading of it that accepts most valid values without
jsonschema.

`accepts(schema, value)` compiles each part of the schema once into a function of a value: True
when the value is valid for every keyword the part uses, False when one rejects it, None when the
part uses a keyword read nowhere here (jsonschema then decides). It is never True for a value
jsonschema rejects: tests/checks/test_gitlab_schema.py compares the two on every corpus value.
Measured on every third corpus project: validating with jsonschema alone cost +100 % of the
analysis; with this reading first, +25 % or less.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import cache
from typing import Any

Reading = Callable[[Any], "bool | None"]

# `format` too: jsonschema, like GitLab's editor, asserts no format unless asked to.
_ANNOTATIONS = frozenset({"description", "markdownDescription", "default", "examples", "title", "$schema", "$id",
                          "$comment", "definitions", "format", "then", "else"})
# The Python types of each JSON type, among the values a YAML reading gives (exact types: a boolean is
# not an integer to JSON Schema, though Python's bool is an int).
_PYTHON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,), "object": (dict,), "array": (list,), "boolean": (bool,), "null": (type(None),),
    "integer": (int,), "number": (int, float)}


@cache
def gitlab_schema() -> dict[str, Any]:
    """GitLab's CI/CD JSON schema (cilint/schemas/gitlab-ci.json, see its provenance file)."""
    from importlib import resources

    return json.loads(resources.files("cilint.schemas").joinpath("gitlab-ci.json").read_text(encoding="utf-8"))


@cache
def resolved(pointer: str) -> Any:
    """The part of GitLab's schema at a `#/...` JSON pointer."""
    node: Any = gitlab_schema()
    for part in pointer.removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


# id of a part of the cached schema (alive as long as the process) -> its reading
_COMPILED: dict[int, Reading] = {}


def accepts(schema: Any, value: Any) -> bool | None:
    return _compiled(schema)(value)


def _compiled(schema: Any) -> Reading:
    reading = _COMPILED.get(id(schema))
    if reading is None:
        reading = _COMPILED[id(schema)] = _compile(schema)
    return reading


def _all(readings: list[Reading], value: Any) -> bool | None:
    verdict: bool | None = True
    for reading in readings:
        result = reading(value)
        if result is False:
            return False
        if result is None:
            verdict = None
    return verdict


def _compile(schema: Any) -> Reading:
    if schema is True or schema == {}:
        return lambda value: True
    if schema is False:
        return lambda value: False
    if not isinstance(schema, dict):
        return lambda value: None
    if "$ref" in schema:  # draft 7: a reference replaces the keywords beside it
        ref = schema["$ref"]
        if not ref.startswith("#/"):
            return lambda value: None
        target: list[Reading] = []  # resolved on first use: references may be recursive

        def follow(value: Any) -> bool | None:
            if not target:
                target.append(_compiled(resolved(ref)))
            return target[0](value)

        return follow
    keywords = sorted((k for k in schema if k not in _ANNOTATIONS and not (
        k in ("patternProperties", "additionalProperties") and "properties" in schema)), key=lambda k: _COST.get(k, 8))
    readings = [_keyword(keyword, schema[keyword], schema) for keyword in keywords]
    if len(readings) == 1:
        return readings[0]
    return lambda value: _all(readings, value)


# Cheap keywords first: a value of the wrong type is rejected before its members are read.
_COST = {"type": 0, "const": 1, "enum": 1, "required": 2, "minLength": 2, "maxLength": 2, "minItems": 2,
         "maxItems": 2, "maxProperties": 2, "pattern": 3, "uniqueItems": 3, "properties": 4,
         "patternProperties": 4, "additionalProperties": 4, "items": 5, "not": 6, "if": 6, "anyOf": 7,
         "oneOf": 7, "allOf": 7}


def _keyword(keyword: str, expected: Any, schema: dict[str, Any]) -> Reading:  # noqa: PLR0911, PLR0912
    if keyword == "type":
        names = expected if isinstance(expected, list) else [expected]
        accepted = frozenset(t for name in names for t in _PYTHON_TYPES.get(name, ()))
        return lambda v: type(v) in accepted
    if keyword == "enum":
        return _enum(expected)
    if keyword == "const":
        return lambda v: v == expected and type(v) is type(expected)
    if keyword == "minLength":
        return lambda v: not isinstance(v, str) or len(v) >= expected
    if keyword == "maxLength":
        return lambda v: not isinstance(v, str) or len(v) <= expected
    if keyword == "minItems":
        return lambda v: not isinstance(v, list) or len(v) >= expected
    if keyword == "maxItems":
        return lambda v: not isinstance(v, list) or len(v) <= expected
    if keyword == "maxProperties":
        return lambda v: not isinstance(v, dict) or len(v) <= expected
    if keyword == "required":
        return lambda v: not isinstance(v, dict) or all(k in v for k in expected)
    if keyword == "pattern":
        compiled = re.compile(expected)
        return lambda v: not isinstance(v, str) or compiled.search(v) is not None
    if keyword == "uniqueItems":
        return lambda v: not (expected and isinstance(v, list)) or len({repr(i) for i in v}) == len(v)
    if keyword == "items":
        if not isinstance(expected, dict):
            return lambda v: True if not isinstance(v, list) else None
        item = _compiled(expected)
        return lambda v: True if not isinstance(v, list) else _items(item, v)
    if keyword in ("anyOf", "oneOf", "allOf"):
        alternatives = [_compiled(a) for a in expected]
        return lambda v: _combined(keyword, alternatives, v)
    if keyword == "not":
        negated = _compiled(expected)
        return lambda v: None if (r := negated(v)) is None else not r
    if keyword == "if":
        condition, then, otherwise = _compiled(expected), schema.get("then"), schema.get("else")
        return lambda v: _conditional(condition, then, otherwise, v)
    if keyword in ("properties", "patternProperties", "additionalProperties"):
        return _members(schema)
    return lambda v: None


def _enum(expected: list[Any]) -> Reading:
    """Membership with JSON's types (`true` is not `1`); a mapping or list is in no enum of this schema."""
    if not all(isinstance(e, (str, int, float, bool)) or e is None for e in expected):
        return lambda v: any(v == e and type(v) is type(e) for e in expected)
    members = frozenset((type(e), e) for e in expected)

    def reading(value: Any) -> bool:
        try:
            return (type(value), value) in members
        except TypeError:  # unhashable: a list or a mapping
            return False

    return reading


def _items(item: Reading, values: list[Any]) -> bool | None:
    verdict: bool | None = True
    for value in values:
        result = item(value)
        if result is False:
            return False
        if result is None:
            verdict = None
    return verdict


def _combined(keyword: str, alternatives: list[Reading], value: Any) -> bool | None:
    unknown, matched = False, 0
    for alternative in alternatives:
        result = alternative(value)
        if result is None:
            unknown = True
        elif result:
            matched += 1
            if keyword == "anyOf":
                return True
            if keyword == "oneOf" and matched > 1:
                return False
        elif keyword == "allOf":
            return False
    if unknown:
        return None
    return matched == 1 if keyword == "oneOf" else keyword == "allOf" or matched >= 1


def _conditional(condition: Reading, then: Any, otherwise: Any, value: Any) -> bool | None:
    holds = condition(value)
    if holds is None:
        return None
    branch = then if holds else otherwise
    return True if branch is None else _compiled(branch)(value)


def _members(schema: dict[str, Any]) -> Reading:
    """`properties`, `patternProperties` and `additionalProperties` together, on a mapping."""
    properties = {key: _compiled(sub) for key, sub in schema.get("properties", {}).items()}
    patterns = [(re.compile(p), _compiled(sub)) for p, sub in schema.get("patternProperties", {}).items()]
    extra = schema.get("additionalProperties", True)
    other = _compiled(extra) if isinstance(extra, (dict, bool)) else (lambda v: None)

    def reading(value: Any) -> bool | None:
        if not isinstance(value, dict):
            return True
        verdict: bool | None = True
        for key, item in value.items():
            if patterns:
                matched = [sub for pattern, sub in patterns if pattern.search(key)]
                if key in properties:
                    matched.append(properties[key])
            else:
                matched = [properties[key]] if key in properties else []
            for sub in matched or [other]:
                result = sub(item)
                if result is False:
                    return False
                if result is None:
                    verdict = None
        return verdict

    return reading
