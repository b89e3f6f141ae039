"""GLC006 needed-job-in-later-stage: `needs:` or `dependencies:` naming a job of a later stage."""

from __future__ import annotations

from collections.abc import Iterator

from cilint.checks.base import Check, CheckContext
from cilint.facts.job_graph import job_references, whole_pipelines
from cilint.findings import Finding, Related, Severity
from cilint.syntax.nodes import location


_VERBS = {"need": "needs", "dependency": "depends on"}


class NeededJobInLaterStage(Check):
    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        for graph in whole_pipelines(ctx.project):
            for job in graph.jobs.values():
                own = graph.stage_index(job.name)
                if own is None:
                    continue  # its stage is not declared: GLC003
                said: set[str] = set()
                for reference in job_references(job):
                    other = graph.stage_index(reference.name)
                    if other is None or other <= own or reference.name in said:
                        continue
                    said.add(reference.name)
                    assert graph.stages is not None
                    needed = graph.jobs[reference.name]
                    keyword = "needs" if reference.kind == "need" else "dependencies"
                    yield Finding(
                        self.rule_id,
                        f"job `{job.name}` of stage `{graph.stages[own]}` {_VERBS[reference.kind]} `{reference.name}` "
                        f"of the later stage `{graph.stages[other]}`",
                        location(reference.node), Severity.BLOCKER, route=(keyword, job.name, reference.name),
                        related=(Related(location(needed.stage_node or needed.key), f"`{reference.name}` runs in `{graph.stages[other]}`"),),
                        why=(f"GitLab rejects the pipeline: '{job.name} job: {reference.kind} {reference.name} is not "
                             "defined in current or prior stages'"),
                        remedy=f"move `{job.name}` to stage `{graph.stages[other]}` or later, or `{reference.name}` earlier")
