"""A merged pipeline as GitLab's CI/CD JSON schema should see it, with the node behind each value.

The schema describes what GitLab accepts once it has processed the YAML; cilint's merged
configuration is one step earlier in two ways, both normalised here as GitLab does:

* `!reference` inside a list gives a nested list (`script: [!reference [.setup, script], make]`):
  GitLab flattens nested lists (docs: ci/yaml/yaml_optimization, "Nest `!reference` tags in
  `script`, `before_script`, and `after_script`"; `rules` and other lists are flattened the same way).
* A keyword set to null (`parallel: null`, often to cancel what `extends` brought) is not
  configured at all: GitLab validates only specified entries.

`View.node_at(path)` maps a path of the normalised data (as jsonschema reports it) back to the node
where that value is written, in whichever file.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from cilint.facts.schema_reading import accepts, gitlab_schema, resolved
from cilint.syntax.tree import MapNode, Node, ScalarNode, SeqNode

Path = tuple[str | int, ...]
MAX_FLATTEN_DEPTH = 10  # GitLab nests `!reference` up to 10 levels deep


@dataclass(slots=True)
class View:
    """The normalised data of a configuration; the node of a value is found from its path only when
    a finding needs it (most values are valid: no map of every node is built)."""

    config: MapNode
    spec_is_a_job: bool = False

    @property
    def data(self) -> Any:
        """The normalised configuration as plain data (what GitLab's schema describes)."""
        data = _value(self.config)
        if self.spec_is_a_job and isinstance(data, dict) and "spec" in data:
            data[SPEC_AS_JOB] = data.pop("spec")
        return data

    def node_at(self, path: Sequence[str | int]) -> Node | None:
        """The node of the value at `path`, or of its nearest ancestor."""
        node: Node = self.config
        for part in path:
            child = self._child(node, part)
            if child is None:
                break
            node = child
        return node

    def key_at(self, path: Sequence[str | int]) -> Node | None:
        """The key node of the mapping entry at `path`."""
        parent = self.node_at(path[:-1]) if path else None
        if not isinstance(parent, MapNode) or not path or not isinstance(path[-1], str):
            return None
        return parent.key_node(_written(path[-1]))

    @staticmethod
    def _child(node: Node, part: str | int) -> Node | None:
        if isinstance(node, MapNode) and isinstance(part, str):
            return node.get(_written(part))
        if isinstance(node, SeqNode) and isinstance(part, int):
            items = list(_flattened(node.items, MAX_FLATTEN_DEPTH))
            return items[part] if part < len(items) else None
        return None


# The schema names these keys at the top of a file; in a one-document file without a header GitLab
# reads `spec:` as a job (issue 18), so it is validated as one under this name.
SPEC_AS_JOB = "spec\u2060"


def _written(key: str) -> str:
    return "spec" if key == SPEC_AS_JOB else key


def view_of(config: MapNode, spec_is_a_job: bool = False) -> View:
    return View(config, spec_is_a_job)


def _value(node: Node) -> Any:
    if isinstance(node, MapNode):
        return {key: _value(value) for key, (_, value) in node.entries.items()
                if not (isinstance(value, ScalarNode) and value.value is None)}  # null: not configured
    if isinstance(node, SeqNode):
        return [_value(item) for item in _flattened(node.items, MAX_FLATTEN_DEPTH)]
    return node.value if isinstance(node, ScalarNode) else None


def _flattened(items: Sequence[Node], depth: int) -> Iterator[Node]:
    for item in items:
        if isinstance(item, SeqNode) and depth > 0:
            yield from _flattened(item.items, depth - 1)
        else:
            yield item


@dataclass(frozen=True, slots=True)
class SchemaError:
    """One place the schema rejects: a jsonschema error whose path is absolute in `View.data`, or an
    unknown key of a job (`unknown` set, with the job keywords the schema knows)."""

    path: tuple[str | int, ...]
    error: Any = None
    unknown: str | None = None
    known: tuple[str, ...] = ()


class SchemaErrors:
    """Validation of one run's pipelines, part by part: every top-level value against the schema's
    definition of it, every job keyword's value against the keyword's. A value written once and
    merged into many jobs (`extends`, `default:`, `!reference` keep the node) is read and validated
    once per run (measured on every third corpus project: +163 % instructions validating each
    pipeline whole with jsonschema, under +25 % this way with the quick reading)."""

    __slots__ = ("_seen", "_plain")

    def __init__(self) -> None:
        self._seen: dict[tuple[Any, ...], list[Any]] = {}
        self._plain: dict[int, Any] = {}  # node id -> its normalised value (nodes live as long as the run)

    def of(self, view: View) -> Iterator[SchemaError]:
        root = gitlab_schema()
        for key, (_, node) in view.config.entries.items():
            if _unset(node):
                continue
            name = SPEC_AS_JOB if key == "spec" and view.spec_is_a_job else key
            if name in root["properties"]:
                yield from self._part(f"#/properties/{_escaped(name)}", (name,), node)
            elif not name.startswith("."):  # hidden jobs are checked where jobs use them
                yield from self._job(name, node)

    def _job(self, name: str, job: Node) -> Iterator[SchemaError]:
        if not isinstance(job, MapNode):
            yield from self._part("#/definitions/job_template", (name,), job)
            return
        properties = gitlab_schema()["definitions"]["job_template"]["properties"]
        for key, (_, node) in job.entries.items():
            if _unset(node):
                continue
            if key in properties:
                yield from self._part(f"#/definitions/job_template/properties/{_escaped(key)}", (name, key), node)
            else:
                yield SchemaError((name,), unknown=key, known=tuple(sorted(properties)))
        when, start_in = job.get("when"), job.get("start_in")
        if when is not None and not _unset(when):
            yield from self._part(_JOB_TIMING, (name,), job, {"when": self._value(when)} | (
                {"start_in": self._value(start_in)} if start_in is not None and not _unset(start_in) else {}), when)

    def _part(self, pointer: str, at: tuple[str | int, ...], node: Node, value: Any = None,
              other: Node | None = None) -> Iterator[SchemaError]:
        if value is None and type(node) is ScalarNode:  # most job keywords: equal values, one reading
            key: tuple[Any, ...] = (pointer, type(node.value), node.value)
        else:
            key = (pointer, id(node), id(other))
        errors = self._seen.get(key)
        if errors is None:
            value = self._value(node) if value is None else value
            # jsonschema only for a value the quick reading cannot accept
            errors = self._seen[key] = [] if accepts(_resolved(pointer), value) else list(
                _validator(pointer).iter_errors(value))
        for error in errors:
            yield SchemaError((*at, *error.absolute_path), error)

    def _value(self, node: Node) -> Any:
        value = self._plain.get(id(node), _MISSING)
        if value is _MISSING:
            value = self._plain[id(node)] = _value(node)
        return value


_MISSING = object()


def _unset(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.value is None


_JOB_TIMING = "#/definitions/cilint_job_timing"  # the job's `when: delayed` needs `start_in`


def _escaped(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


@cache
def _validator(pointer: str) -> Any:
    """A validator of the part of GitLab's schema at `pointer` ($ref beside the whole schema, whose
    other keywords draft 7 then ignores, so that references inside resolve as in the schema)."""
    import jsonschema  # ~45 ms of cold start: only for a project with a pipeline to validate

    root = gitlab_schema()
    timing = {"oneOf": root["definitions"]["job_template"]["oneOf"]}
    return jsonschema.Draft7Validator({**root, "definitions": {**root["definitions"], "cilint_job_timing": timing},
                                       "$ref": pointer})


@cache
def _resolved(pointer: str) -> Any:
    """The part of the schema at `pointer`; for `_JOB_TIMING`, the job's rule about `when: delayed`
    (one object for the process: the quick reading is compiled once per part)."""
    if pointer == _JOB_TIMING:
        return {"oneOf": gitlab_schema()["definitions"]["job_template"]["oneOf"]}
    return resolved(pointer)
