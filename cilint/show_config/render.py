"""The resolved configuration as YAML (one document per pipeline variant, each value followed by a
`# file:line` comment) or as JSON (the values, and a map from JSON pointers to `file:line`).

The YAML reads back as the same values under YAML 1.1 (GitLab's Psych) and 1.2: a string that a
loader would type (`true`, `1.10`, `null`, `0x1f`) is quoted, a multi-line one is a literal block
where that keeps it exact, a double-quoted string otherwise.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from typing import Any

from cilint.show_config.tree import Shown, ShownPipeline
from cilint.syntax.tree import resolve_plain

INDENT = "  "
# A plain scalar is written as it is only when it starts with a letter or one of a few characters
# no indicator uses (never a digit, a sign or a dot: numbers, dates and versions are quoted), holds
# no `: ` / ` #` and does not end in a space or a colon.
_PLAIN = re.compile(r"[A-Za-z_/$(~^\\][^\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff]*")
_UNSAFE_IN_PLAIN = re.compile(r": |:$| #|\s$")
_NOT_IN_BLOCK = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff]")
# What YAML does not allow unescaped (C1 controls, DEL, non-characters, the BOM) or YAML 1.1 reads as
# a line break (NEL, LS, PS); JSON's escapes already cover C0.
_NON_PRINTABLE = re.compile(r"[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]")


def yaml_text(pipelines: list[ShownPipeline]) -> str:
    return "".join(line + "\n" for pipeline in pipelines for line in _document(pipeline))


def _document(pipeline: ShownPipeline) -> Iterator[str]:
    yield "---"
    yield f"# pipeline {pipeline.path}" + (f", variant {pipeline.variant} of {pipeline.variants}: "
                                            f"where {pipeline.condition}" if pipeline.condition else "")
    if pipeline.partial:
        yield "# incomplete: some includes could not be read (listed on stderr)"
    yield from _entry("stages", pipeline.stages, 0)
    if pipeline.variables.value:
        yield from _entry("variables", pipeline.variables, 0)
    if pipeline.workflow is not None:
        yield from _entry("workflow", pipeline.workflow, 0)
    if not pipeline.jobs.value:
        yield "# no jobs: every rule or workflow rule leaves them out here"
    for name, job in pipeline.jobs.value.items():
        yield from _entry(name, job, 0)


def _entry(key: str, shown: Shown, depth: int) -> Iterator[str]:
    """`key: value` at `depth`, the value's lines under it when it is a collection."""
    head = INDENT * depth + _scalar_inline(key) + ":"
    yield from _value(head, shown, depth)


def _value(head: str, shown: Shown, depth: int) -> Iterator[str]:
    value = shown.value
    if isinstance(value, dict):
        if not value:
            yield head + " {}" + _comment(shown)
            return
        yield head + _comment(shown)
        for key, item in value.items():
            yield from _entry(key, item, depth + 1)
    elif isinstance(value, list):
        if not value:
            yield head + " []" + _comment(shown)
            return
        yield head + _comment(shown)
        for item in value:
            yield from _item(item, depth + 1)
    else:
        block = _literal_block(value, depth + 1)
        if block is None:
            yield head + " " + _scalar_inline(value) + _comment(shown)
        else:
            indicator, lines = block
            yield head + " " + indicator + _comment(shown)
            yield from lines


def _item(shown: Shown, depth: int) -> Iterator[str]:
    """A sequence item with its dash at `depth`; a mapping starts on the dash's line (`- name: x`)."""
    dash = INDENT * depth + "-"
    if isinstance(shown.value, dict) and shown.value:
        lines = (line for key, item in shown.value.items() for line in _entry(key, item, depth + 1))
        first = next(lines)
        yield dash + " " + first[len(INDENT) * (depth + 1):]
        yield from lines
    else:
        yield from _value(dash, shown, depth + 1)


def _comment(shown: Shown) -> str:
    if shown.where is None:
        return ""
    return f"  # {shown.where}" + (f", {shown.origin}" if shown.origin else "")


def _scalar_inline(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        return repr(value)
    text = str(value)
    if _PLAIN.fullmatch(text) and not _UNSAFE_IN_PLAIN.search(text) and resolve_plain(text) == text:
        return text
    return _double_quoted(text)


def _double_quoted(text: str) -> str:
    quoted = json.dumps(text, ensure_ascii=False)  # JSON's escapes are YAML's (\n, \", \\, \uXXXX)
    return _NON_PRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", quoted)


def _literal_block(value: Any, depth: int) -> tuple[str, list[str]] | None:
    """`|`, `|-` or `|+` and the indented lines, for a multi-line string a literal block keeps
    exactly; None for anything else (written inline)."""
    if not isinstance(value, str) or "\n" not in value or "\r" in value or _NOT_IN_BLOCK.search(value):
        return None
    body = value.rstrip("\n")
    trailing = len(value) - len(body)
    lines = body.split("\n")
    # A first line that starts with a space would set the indentation; a line of only spaces or
    # tabs would lose them; both are written double-quoted instead.
    if not body or lines[0][:1] in (" ", "\t") or any(line and not line.strip() for line in lines):
        return None
    indicator = "|-" if trailing == 0 else "|" if trailing == 1 else "|+"
    pad = INDENT * depth
    out = [pad + line if line else "" for line in lines]
    out.extend("" for _ in range(trailing - 1))
    return indicator, out


# -- JSON ---------------------------------------------------------------------------------------


def json_text(pipelines: list[ShownPipeline]) -> str:
    document = {"pipelines": [_json_pipeline(p) for p in pipelines]}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _json_pipeline(pipeline: ShownPipeline) -> dict[str, Any]:
    jobs = {}
    for name, job in pipeline.jobs.value.items():
        sources: dict[str, str] = {}
        origins: dict[str, str] = {}
        config = _plain(job, "", sources)
        variables = job.value.get("variables")
        if variables is not None:
            origins = {n: v.origin for n, v in variables.value.items() if v.origin}
        jobs[name] = {"source": job.where, "config": config, "sources": sources, "variable_origins": origins}
    sources = {}
    return {
        "path": pipeline.path,
        "variant": pipeline.variant,
        "variants": pipeline.variants,
        "condition": pipeline.condition,
        "incomplete": pipeline.partial,
        "stages": _plain(pipeline.stages, "", {}),
        "variables": _plain(pipeline.variables, "", sources),
        "variable_sources": sources,
        "variable_origins": {n: v.origin for n, v in pipeline.variables.value.items() if v.origin},
        "workflow": _plain(pipeline.workflow, "", {}) if pipeline.workflow is not None else None,
        "jobs": jobs,
    }


def _plain(shown: Shown, pointer: str, sources: dict[str, str]) -> Any:
    """The plain value, and `sources[pointer] = file:line` for every scalar (RFC 6901 pointers)."""
    value = shown.value
    if isinstance(value, dict):
        return {k: _plain(v, f"{pointer}/{_escape(k)}", sources) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v, f"{pointer}/{i}", sources) for i, v in enumerate(value)]
    if shown.where is not None:
        sources[pointer] = shown.where
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return str(value)  # JSON has no NaN or Infinity
    return value


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")
