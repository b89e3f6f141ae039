"""GLC007 stop-job-invalid: `environment:on_stop` naming a job that cannot stop that environment."""

from __future__ import annotations

from collections.abc import Iterator

from cilint.checks.base import Check, CheckContext
from cilint.facts.job_graph import DefinedJob, JobGraph, whole_pipelines
from cilint.findings import Finding, Related, Severity
from cilint.spelling import closest
from cilint.syntax.nodes import location, scalar_text
from cilint.syntax.tree import MapNode, Node, ScalarNode


class StopJobInvalid(Check):
    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        for graph in whole_pipelines(ctx.project):
            for job in graph.jobs.values():
                environment = job.node.get("environment")
                on_stop = environment.get("on_stop") if isinstance(environment, MapNode) else None
                if isinstance(on_stop, ScalarNode) and isinstance(on_stop.value, str) and "$" not in on_stop.value:
                    assert isinstance(environment, MapNode)
                    finding = self._check(graph, job, environment, on_stop)
                    if finding is not None:
                        yield finding

    def _check(self, graph: JobGraph, job: DefinedJob, environment: MapNode, on_stop: ScalarNode) -> Finding | None:
        name = str(on_stop.value)
        stopper = graph.jobs.get(name)
        if stopper is None:
            hint = closest(name, graph.jobs)
            return self._finding(job, on_stop, f"`on_stop` of job `{job.name}` names `{name}`, which is not a job"
                                 + (f"; did you mean `{hint}`?" if hint else ""),
                                 f"on_stop job {name} is not defined", f"write `{hint}`" if hint else "name the job that stops it")
        theirs = stopper.node.get("environment")
        if isinstance(theirs, ScalarNode) and isinstance(theirs.value, str):  # `environment: review`: its name
            theirs_name, action, named = theirs.value, None, theirs
        elif isinstance(theirs, MapNode):
            theirs_name, action, named = scalar_text(theirs.get("name")), scalar_text(theirs.get("action")), theirs.get("name")
        else:
            return self._finding(job, on_stop, f"stop job `{name}` has no `environment:`",
                                 f"on_stop job {name} does not have environment defined",
                                 f"give `{name}` `environment: {{name: {scalar_text(environment.get('name'))}, action: stop}}`",
                                 stopper.key)
        if theirs_name != scalar_text(environment.get("name")):
            return self._finding(job, on_stop, f"stop job `{name}` stops environment `{theirs_name}`, "
                                 f"not `{scalar_text(environment.get('name'))}`",
                                 f"on_stop job {name} have different environment name",
                                 "give both jobs the same `environment:name`", named or stopper.key)
        if action != "stop":
            return self._finding(job, on_stop, f"stop job `{name}` has no `environment:action: stop`",
                                 f"on_stop job {name} needs to have action stop defined",
                                 f"add `action: stop` to the `environment:` of `{name}`", stopper.key)
        return None

    def _finding(self, job: DefinedJob, on_stop: ScalarNode, message: str, gitlab: str, remedy: str,
                 other: Node | None = None) -> Finding:
        return Finding(
            self.rule_id, message, location(on_stop), Severity.BLOCKER, route=("on_stop", job.name, str(on_stop.value)),
            related=(Related(location(other), "the stop job"),) if other is not None else (),
            why=f"GitLab rejects the pipeline: '{job.name} job: {gitlab}'", remedy=remedy)
