"""GLC008 job-never-runs: A job whose every rule is `when: never`."""

from __future__ import annotations

from collections.abc import Iterator

from cilint.checks.base import Check, CheckContext
from cilint.facts.job_graph import whole_pipelines
from cilint.findings import Confidence, Finding, Severity
from cilint.models.variants import never_created
from cilint.syntax.nodes import location


class JobNeverRuns(Check):
    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        for graph in whole_pipelines(ctx.project):
            for job in graph.jobs.values():
                rules, script = job.node.get("rules"), job.node.get("script")
                if not never_created(job.node) or rules is None:
                    continue
                if script is not None and script.path != rules.path:
                    continue  # `rules: [{when: never}]` over a job of another file: how GitLab's docs turn one off
                yield Finding(
                    self.rule_id, f"job `{job.name}` never runs: each of its rules is `when: never`", location(rules),
                    Severity.MINOR, route=("never", job.name), confidence=Confidence.MEDIUM,
                    why="GitLab never adds the job to a pipeline, and a job that `needs:` it makes the pipeline fail "
                        "('... is not in any previous stage')",
                    remedy="give it a rule that adds it (`- if: ...` without `when: never`), or delete the job")
