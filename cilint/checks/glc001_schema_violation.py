"""GLC001 schema-violation: A keyword or value that GitLab's CI/CD schema does not accept."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cilint.checks.base import Check, CheckContext
from cilint.facts.schema_view import SPEC_AS_JOB, SchemaError, SchemaErrors, View, view_of
from cilint.findings import Finding, Severity
from cilint.spelling import closest
from cilint.syntax.nodes import location

# Where the schema is stricter than GitLab (tests/checks/test_gitlab_schema.py holds each with its
# case). `required`: a job without `script` is GLC's semantic rule, said once there, not twice.
_LEFT_TO_OTHER_RULES = frozenset({"required"})
_SCRIPTS = frozenset({"script", "before_script", "after_script"})
# Keys GitLab accepts that the schema does not list: `artifacts:reports:performance`, kept by GitLab
# for compatibility when it became `browser_performance` (gitlab MR 34634; GitLab's own pipeline uses it).
_ACCEPTED_KEYS = {("artifacts", "reports"): frozenset({"performance"})}


def _shown(path: tuple[str | int, ...]) -> str:
    return ":".join(str(p).replace(SPEC_AS_JOB, "spec") for p in path if not isinstance(p, int)) or "the configuration"


class SchemaViolation(Check):
    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        errors = SchemaErrors()
        for pipeline in ctx.project.pipelines:
            view = view_of(pipeline.config, spec_is_a_job=pipeline.header is None)
            for error in errors.of(view):
                finding = self._unknown(view, error) if error.unknown else self._finding(view, error)
                if finding is not None:
                    yield finding

    def _unknown(self, view: View, error: SchemaError, parent: str = "") -> Finding | None:
        """A key that is not one of the keys the schema knows at that place."""
        key = error.unknown
        assert key is not None
        accepted = _ACCEPTED_KEYS.get(tuple(p for p in error.path[-2:] if isinstance(p, str)), frozenset())
        if key in accepted:
            return None  # GitLab accepts it though the schema does not list it
        node = view.key_at((*error.path, key)) or view.node_at(error.path)
        if node is None:
            return None
        hint = closest(key, error.known)
        what = "a job keyword" if len(error.path) == 1 else f"a key of `{_shown(error.path)}`"
        return Finding(
            self.rule_id, f"`{key}` is not {what}" + (f"; did you mean `{hint}`?" if hint else ""),
            location(node), Severity.BLOCKER, route=("schema", *map(str, error.path), key),
            why=f"GitLab rejects the whole pipeline ('config contains unknown keys: {key}'): nothing runs",
            remedy=f"write `{hint}`" if hint else f"use one of {', '.join(f'`{k}`' for k in error.known[:12])}")

    def _finding(self, view: View, found: SchemaError) -> Finding | None:
        error = _deepest(found.error)
        path = (*found.path[: len(found.path) - len(found.error.absolute_path)], *error.absolute_path)
        if error.validator in _LEFT_TO_OTHER_RULES:
            return None
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            known = tuple(sorted(error.schema.get("properties", {})))
            unknown = sorted(set(error.instance) - set(known))
            findings = [self._unknown(view, SchemaError(path, unknown=key, known=known)) for key in unknown]
            return next((f for f in findings if f is not None), None)
        node = view.node_at(path)
        if node is None:
            return None
        if isinstance(error.instance, dict) and any(p in _SCRIPTS for p in path if isinstance(p, str)):
            return Finding(
                self.rule_id, f"a `{_shown(path)}` item is a mapping, not a command", location(node), Severity.BLOCKER,
                route=("schema", *map(str, path), "script-mapping"),
                why=("YAML reads a line with `: ` in it as a key and a value (`curl -H \"JOB-TOKEN: $X\"`), and GitLab "
                     "rejects the pipeline: 'script config should be a string or a nested array of strings'"),
                remedy="quote the whole command, or write it as a block scalar (`- |`)")
        return Finding(
            self.rule_id, f"`{_shown(path)}`: {_message(error)}", location(node), Severity.BLOCKER,
            route=("schema", *map(str, path), error.validator),
            why="GitLab rejects the pipeline with a syntax error for this value (nothing runs)",
            remedy=_remedy(error))


def _deepest(error: Any) -> Any:
    """Of `anyOf`/`oneOf` alternatives, the error of the one that went furthest into the value (what
    the user meant), the first of those at the same depth."""
    while error.validator in ("anyOf", "oneOf") and error.context:
        depth = max(len(e.absolute_path) for e in error.context)
        error = next(e for e in error.context if len(e.absolute_path) == depth)
    return error


def _message(error: Any) -> str:
    value = error.validator_value
    if error.validator == "type":
        expected = " or ".join(value) if isinstance(value, list) else value
        return f"must be {'an' if str(expected)[0] in 'aeiou' else 'a'} {expected}, not {_json_type(error.instance)}"
    if error.validator == "enum":
        return f"`{error.instance}` is not one of {', '.join(f'`{v}`' for v in value)}"
    if error.validator in ("minimum", "maximum", "minItems", "maxItems", "minLength", "maxLength"):
        return f"`{error.instance}` is out of range ({error.validator} {value})"
    if error.validator == "pattern":
        return f"`{error.instance}` is not in the form GitLab accepts"
    return error.message if len(error.message) < 100 else f"is not valid here ({error.validator})"


def _json_type(value: Any) -> str:
    """The YAML name of a value's type, as the user wrote it."""
    if value is None:
        return "null"
    return {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "a list",
            dict: "a mapping"}.get(type(value), type(value).__name__)


def _remedy(error: Any) -> str:
    if error.validator == "enum":
        hint = closest(str(error.instance), [str(v) for v in error.validator_value])
        return f"write `{hint}`" if hint else "write one of the values listed"
    return "write the value as GitLab's CI/CD YAML reference describes for this keyword"
