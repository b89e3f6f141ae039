"""GLC004 job-without-script: A job with none of `script:`, `run:` or `trigger:`."""

from __future__ import annotations

from collections.abc import Iterator

from cilint.checks.base import Check, CheckContext
from cilint.facts.job_graph import whole_pipelines
from cilint.findings import Finding, Severity
from cilint.spelling import closest
from cilint.syntax.nodes import location

# docs: ci/yaml#script "All jobs except trigger jobs require a script keyword"; `run:` (GitLab 17.3,
# CI/CD steps) replaces it.
_RUNS_SOMETHING = ("script", "run", "trigger")


class JobWithoutScript(Check):
    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        for graph in whole_pipelines(ctx.project):
            for job in graph.jobs.values():
                if any(k in job.node for k in _RUNS_SOMETHING) or "extends" in job.node:
                    continue  # an `extends:` still there could not be resolved: CIL003 says so
                if any(closest(k, _RUNS_SOMETHING) for k in job.node.entries if k not in _RUNS_SOMETHING):
                    continue  # `scirpt:`: GLC001 names the keyword it meant
                yield Finding(
                    self.rule_id, f"job `{job.name}` has no `script:`", location(job.key), Severity.BLOCKER,
                    route=("no-script", job.name),
                    why=(f"GitLab rejects the pipeline: 'jobs:{job.name} config should implement the script:, run:, or "
                         "trigger: keyword'; a job meant only as a template needs a name starting with `.`"),
                    remedy=f"add `script:`, or rename it `.{job.name}` if other jobs only extend it")
