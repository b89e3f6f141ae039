"""GLC009 reserved-job-name: A job under a name GitLab reads as something else."""

from __future__ import annotations

from collections.abc import Iterator

from cilint.checks.base import Check, CheckContext
from cilint.findings import Finding, Severity
from cilint.models.pipeline import GLOBAL_KEYWORDS
from cilint.syntax.nodes import location
from cilint.syntax.tree import MapNode, ScalarNode

# What makes a mapping a job rather than a keyword's value.
_JOB_KEYS = ("script", "stage", "trigger", "run")


class ReservedJobName(Check):
    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        said: set[int] = set()
        for pipeline in ctx.project.pipelines:
            for name, (key, value) in pipeline.config.entries.items():
                if id(key) in said or not isinstance(value, MapNode) or not any(k in value for k in _JOB_KEYS):
                    continue
                said.add(id(key))
                if isinstance(key, ScalarNode) and not isinstance(key.value, str) and not key.style:
                    yield Finding(
                        self.rule_id, f"job name `{key.text}` is read as {_typed(key.value)}, not as text",
                        location(key), Severity.MAJOR, route=("reserved", key.text),
                        why=(f"YAML 1.1, which GitLab reads, makes a plain `{key.text}` {_typed(key.value)}; GitLab's "
                             "docs name `true`, `false` and `nil` among the names a job cannot have unquoted"),
                        remedy=f"quote it (`\"{key.text}\":`) or choose another name")
                elif name in GLOBAL_KEYWORDS and name not in ("default", "workflow"):
                    yield Finding(
                        self.rule_id, f"`{name}` is a global keyword, not a job name", location(key), Severity.MAJOR,
                        route=("reserved", name),
                        why=f"GitLab reads the top-level `{name}:` as the keyword, so this job never exists and its keys are rejected",
                        remedy="give the job another name")


def _typed(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    return f"the number {value}"
