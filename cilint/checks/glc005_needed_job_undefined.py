"""GLC005 needed-job-undefined: `needs:` or `dependencies:` naming a job the pipeline does not define."""

from __future__ import annotations

from collections.abc import Iterator

from cilint.checks.base import Check, CheckContext
from cilint.facts.job_graph import JobGraph, JobReference, job_references, whole_pipelines
from cilint.findings import Finding, Related, Severity
from cilint.models.variants import never_created
from cilint.spelling import closest
from cilint.syntax.nodes import location


def _never_runs(graph: JobGraph, name: str) -> bool:
    job = graph.jobs.get(name)
    return job is not None and never_created(job.node)


class NeededJobUndefined(Check):
    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        for graph in whole_pipelines(ctx.project):
            for job in graph.jobs.values():
                named: dict[tuple[str, str], JobReference] = {}
                for reference in job_references(job):
                    if not reference.optional and not graph.defines(reference.name):
                        yield self._undefined(graph, reference)
                    elif not reference.optional and reference.kind == "need" and _never_runs(graph, reference.name):
                        yield self._never(reference)
                    if reference.kind != "need":
                        continue
                    twice = named.setdefault((reference.within, reference.name), reference)
                    if twice is not reference:
                        yield self._duplicated(reference, twice)

    def _undefined(self, graph: JobGraph, reference: JobReference) -> Finding:
        keyword = "needs" if reference.kind == "need" else "dependencies"
        hint = closest(reference.name, graph.jobs)
        return Finding(
            self.rule_id,
            f"`{keyword}:` of job `{reference.job.name}` names `{reference.name}`, which is not a job"
            + (f"; did you mean `{hint}`?" if hint else ""),
            location(reference.node), Severity.BLOCKER, route=(keyword, reference.job.name, reference.name),
            why=f"GitLab rejects the pipeline: '{reference.job.name} job: undefined {reference.kind}: {reference.name}'",
            remedy=(f"write `{hint}`" if hint else "name a job this pipeline defines")
            + (", or mark it `optional: true` if it is defined only sometimes" if reference.kind == "need" else ""))

    def _never(self, reference: JobReference) -> Finding:
        return Finding(
            self.rule_id, f"job `{reference.job.name}` needs `{reference.name}`, which never runs (every rule is `when: never`)",
            location(reference.node), Severity.BLOCKER, route=("needs-never", reference.job.name, reference.name),
            why=(f"GitLab fails to create the pipeline: '{reference.job.name}' job needs '{reference.name}' job, but "
                 f"'{reference.name}' is not in any previous stage"),
            remedy="mark the need `optional: true`, or remove it")

    def _duplicated(self, reference: JobReference, first: JobReference) -> Finding:
        return Finding(
            self.rule_id, f"job `{reference.job.name}` needs `{reference.name}` twice", location(reference.node),
            Severity.BLOCKER, route=("needs-twice", reference.job.name, reference.name),
            related=(Related(location(first.node), "the first time"),),
            why=f"GitLab rejects the pipeline: '{reference.job.name} has the following needs duplicated: {reference.name}.'",
            remedy="delete one of them")
