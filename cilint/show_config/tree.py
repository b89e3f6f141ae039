"""The resolved configuration as values that know where they were written.

A pipeline as GitLab would run it (includes merged, `extends`, `!reference` and `default:` applied,
each job's effective variables: the global ones it inherits, its own, its matrix values, the variables
of the rule that applies in the variant) turned into `Shown` values, each with the `file:line` of
the node it comes from. Secrets are masked here, once, so no renderer can show one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cilint.models.pipeline import Job, Pipeline
from cilint.models.variables import Variable
from cilint.redact import Redactor
from cilint.source import SourceFile
from cilint.syntax.tree import MapNode, Node, ScalarNode, SeqNode

# Keys of a job that the resolved view replaces or leaves out: `extends` is applied, and the
# effective `variables` (with what the job inherits) replace the ones written in the job.
_APPLIED = ("extends",)
_SCRIPTS = ("before_script", "script", "after_script")


@dataclass(frozen=True, slots=True)
class Shown:
    """One value of the resolved configuration: a scalar (str, int, float, bool or None), a list of
    `Shown` or a dict of them, with where it was written ("path:line") and, for a variable, where
    its definition comes from ("global", "job", "matrix", "rules", "workflow"...)."""

    value: Any
    where: str | None
    origin: str | None = None


@dataclass(frozen=True, slots=True)
class ShownPipeline:
    path: str
    variant: int  # 1-based
    variants: int
    condition: str | None  # the condition the variant holds under, when there are several
    partial: bool
    stages: Shown
    variables: Shown
    workflow: Shown | None
    jobs: Shown  # job name -> the job's resolved configuration


class Positions:
    """`path:line` of nodes, from the files the run read."""

    def __init__(self, files: Mapping[str, SourceFile]) -> None:
        self._files = files

    def of(self, node: Node) -> str:
        return self.at(node.path, node.start)

    def at(self, path: str, offset: int) -> str:
        source = self._files.get(path)
        return path if source is None else f"{path}:{source.position(offset).line}"


def shown_pipeline(pipeline: Pipeline, variant: int, variants: int, jobs: list[Job],
                   positions: Positions, redactor: Redactor) -> ShownPipeline:
    view = _Viewer(positions, redactor)
    workflow = pipeline.config.get("workflow")
    return ShownPipeline(
        path=pipeline.path,
        variant=variant,
        variants=variants,
        condition=pipeline.variant if variants > 1 else None,
        partial=pipeline.partial,
        stages=Shown([Shown(s, None) for s in pipeline.stages], None),
        variables=view.variables(pipeline.variables),
        workflow=view.node(workflow) if workflow is not None else None,
        jobs=Shown({job.name: view.job(job) for job in jobs}, None),
    )


class _Viewer:
    def __init__(self, positions: Positions, redactor: Redactor) -> None:
        self.positions = positions
        self.redactor = redactor

    def job(self, job: Job) -> Shown:
        entries: dict[str, Shown] = {}
        for name, (_, value) in job.node.entries.items():
            if name in _APPLIED:
                continue
            if name == "variables":
                entries[name] = self.variables(job.variables)
            elif name in _SCRIPTS:  # as the runner gets them: one list, `!reference` lists flattened
                lines = getattr(job, name)
                entries[name] = Shown([Shown(self._text(line.text), self.positions.of(line.node)) for line in lines],
                                      self.positions.of(value))
            else:
                entries[name] = self.node(value, name)
        if "variables" not in entries and job.variables:
            entries["variables"] = self.variables(job.variables)
        return Shown(entries, self.positions.of(job.key))

    def variables(self, variables: Mapping[str, Variable]) -> Shown:
        return Shown({
            name: Shown(self._secret(name, variable.value), self.positions.of(variable.node), variable.origin)
            for name, variable in variables.items()
        }, None)

    def node(self, node: Node, key: str | None = None) -> Shown:
        where = self.positions.of(node)
        if isinstance(node, MapNode):
            return Shown({name: self.node(value, name) for name, value in node.items()}, where)
        if isinstance(node, SeqNode):
            return Shown([self.node(item, key) for item in node.items], where)
        value = node.value if isinstance(node, ScalarNode) else None
        return Shown(self._secret(key, value) if key is not None else self._text(value), where)

    def _secret(self, name: str, value: Any) -> Any:
        return self.redactor.value(name, value) if isinstance(value, str) else value

    def _text(self, value: Any) -> Any:
        return self.redactor.text(value) if isinstance(value, str) else value
