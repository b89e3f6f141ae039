"""GLC003 undefined-stage: A job's stage that `stages:` does not declare."""

from __future__ import annotations

from collections.abc import Iterator

from cilint.checks.base import Check, CheckContext
from cilint.edits.scalars import replace_in_scalar
from cilint.facts.job_graph import DEFAULT_STAGE, DefinedJob, JobGraph, whole_pipelines
from cilint.findings import Applicability, Finding, Fix, Severity
from cilint.spelling import closest
from cilint.syntax.nodes import location


class UndefinedStage(Check):
    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        for graph in whole_pipelines(ctx.project):
            if graph.stages is None:
                continue
            by_node: dict[int, list[DefinedJob]] = {}
            for job in graph.jobs.values():
                if job.stage is not None and job.stage not in graph.stages:
                    by_node.setdefault(id(job.stage_node or job.key), []).append(job)
            for jobs in by_node.values():
                yield self._finding(ctx, graph, jobs)

    def _finding(self, ctx: CheckContext, graph: JobGraph, jobs: list[DefinedJob]) -> Finding:
        assert graph.stages is not None and jobs[0].stage is not None
        stage, written = jobs[0].stage, jobs[0].stage_node
        names = ("job " if len(jobs) == 1 else "jobs ") + ", ".join(f"`{j.name}`" for j in jobs[:3]) + (
            f" and {len(jobs) - 3} more" if len(jobs) > 3 else "")
        available = ", ".join(graph.stages)
        why = (f"GitLab rejects the pipeline: '{jobs[0].name} job: chosen stage {stage} does not exist; "
               f"available stages are {available}'")
        if written is None:  # the default stage, `test`, which `stages:` leaves out
            return Finding(
                self.rule_id, f"{names} run{'s' if len(jobs) == 1 else ''} in the default stage `{DEFAULT_STAGE}`, which `stages:` does not list",
                location(jobs[0].key), Severity.BLOCKER, route=("stage", stage, jobs[0].name), why=why,
                remedy=f"add `stage:` to the job, or `{DEFAULT_STAGE}` to `stages:`")
        hint = closest(stage, [s for s in graph.stages if s not in (".pre", ".post")])
        source = ctx.source_of(written)
        edit = replace_in_scalar(source, written, stage, hint) if hint and source is not None else None
        return Finding(
            self.rule_id, f"stage `{stage}` of {names} is not in `stages:`" + (f"; did you mean `{hint}`?" if hint else ""),
            location(written), Severity.BLOCKER, route=("stage", stage, jobs[0].name), why=why,
            remedy=(f"write `{hint}`, or add `{stage}` to `stages:`" if hint else f"add `{stage}` to `stages:`, or use one of them"),
            fix=Fix(f"Write stage `{hint}`", (edit,), Applicability.UNSAFE) if edit is not None else None)
