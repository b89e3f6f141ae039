"""The trace of one job: its containers on each runner, each with the lookups of its names."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cilint.facts.job_networks import job_networks
from cilint.facts.jobs import JobFacts
from cilint.facts.lookup import Lookup, lookup
from cilint.facts.resolution import Container, JobNetwork
from cilint.facts.runner_jobs import runner_jobs
from cilint.facts.runners import RunnerChoice, RunnerChoices
from cilint.loading.load import load_config, load_project
from cilint.loading.project import Project
from cilint.loading.roots import group_by_root
from cilint.loading.workspace import Workspace
from cilint.models.pipeline import Job
from cilint.results import UsageError
from cilint.spelling import closest
from cilint.syntax.tree import MapNode

if TYPE_CHECKING:  # runner models load only for projects with runner configuration
    from cilint.models.runner import Runner

@dataclass(frozen=True, slots=True)
class TracedContainer:
    container: Container
    lookups: tuple[Lookup, ...]


@dataclass(frozen=True, slots=True)
class TracedNetwork:
    network: JobNetwork
    variant: str | None
    containers: tuple[TracedContainer, ...]


@dataclass(frozen=True, slots=True)
class Trace:
    job: Job
    networks: tuple[TracedNetwork, ...]
    files: dict[str, object]  # path -> SourceFile, to show file:line


def traced(path: Path, job_name: str, names: list[str], runner: str | None = None,
           container: str | None = None) -> Trace:
    """The trace of a job (or, with no job and a runner, of the runner's own lookups)."""
    root, scope = next(iter(group_by_root([path]).items()))
    ws = Workspace(root)
    project = load_project(root, None if scope.whole else list(scope.files), load_config(ws), [], ws)
    if not job_name and runner:
        return trace_runner(project, ws, runner, names, container)
    return trace_job(project, ws, job_name, names, runner, container, where=str(path))


@dataclass(slots=True)
class Tracer:
    """What tracing several jobs of one project shares: its runner choices and per-job facts."""

    project: Project
    choices: RunnerChoices
    facts: JobFacts
    _own: dict[int, set[str]] | None = None

    @classmethod
    def of(cls, project: Project) -> Tracer:
        return cls(project, RunnerChoices(project), JobFacts())

    def own_hosts(self) -> dict[int, set[str]]:
        """id of each runner -> the names of its own settings (GitLab URL, clone URL, cache server)."""
        if self._own is None:
            self._own = {id(rj.runner): rj.own_hosts() for rj in runner_jobs(self.project, self.choices, self.facts)}
        return self._own


def trace_job(project: Project, ws: Workspace, job_name: str, names: list[str], runner: str | None = None,
              container: str | None = None, where: str = ".", tracer: Tracer | None = None) -> Trace:
    jobs = [(p, p.jobs[job_name]) for pipeline in project.pipelines for p in (pipeline, *pipeline.alternatives)
            if job_name in p.jobs]
    if not jobs:
        known = sorted({n for p in project.pipelines for n in p.jobs})
        hint = closest(job_name, known)
        raise UsageError(f"no job `{job_name}` in {where}" + (f" (did you mean `{hint}`?)" if hint else
                                                               f"; jobs: {', '.join(known[:20])}"))
    tracer = tracer or Tracer.of(project)
    networks: list[TracedNetwork] = []
    seen: set[int] = set()
    for pipeline, job in jobs:
        if id(job) in seen:
            continue  # a variant that leaves the job as it is
        seen.add(id(job))
        possible = tracer.choices.possible(job)
        picked = tuple(c for c in possible if runner is None or c.runner.name == runner)
        if runner is not None and not picked:
            raise UsageError(f"no runner `{runner}` may run `{job_name}`; runners: "
                             f"{', '.join(c.runner.name for c in possible) or 'none found'}")
        for network in job_networks(job, picked, project.config.executor, tracer.facts):
            networks.append(TracedNetwork(network, pipeline.variant, tuple(
                TracedContainer(c, tuple(lookup(n, c, network) for n in _names(c, job, network, names, tracer.facts,
                                                                               tracer.own_hosts())))
                for c in network.containers if _selected(c, container))))
    return Trace(jobs[0][1], tuple(networks), dict(ws.files()))


def trace_runner(project: Project, ws: Workspace, runner_name: str, names: list[str], container: str | None = None,
                 tracer: Tracer | None = None) -> Trace:
    """The runner's own lookups, without a job: its GitLab URL, clone URL and cache server, in the helper
    container of a job that sets nothing (the clone)."""
    tracer = tracer or Tracer.of(project)
    found = [(c, r) for c, r in project.runners if r.name == runner_name]
    if not found:
        known = [r.name for _, r in project.runners]
        raise UsageError(f"no runner `{runner_name}`; runners: {', '.join(known) or 'none found'}")
    config, runner = found[0]
    job = _bare_job(runner)
    wanted = names or sorted(tracer.own_hosts().get(id(runner), set()))
    choice = RunnerChoice(runner, config, "given")
    networks = []
    for network in job_networks(job, (choice,), project.config.executor, tracer.facts):
        networks.append(TracedNetwork(network, None, tuple(
            TracedContainer(c, tuple(lookup(n, c, network) for n in wanted))
            for c in network.containers if _selected(c, container or "helper"))))
    return Trace(job, tuple(networks), dict(ws.files()))


def _bare_job(runner: Runner) -> Job:
    """A job that sets nothing, standing for the runner's own lookups."""
    node = runner.table.node
    assert node is not None
    return Job(f"(runner `{runner.name}` itself)", node, MapNode(node.path, node.start, node.start, "", None, False),
               "test", None, (), (), (), (), {}, ())


def _selected(container: Container, wanted: str | None) -> bool:
    return wanted is None or container.name == wanted or container.role == wanted


def _names(container: Container, job: Job, network: JobNetwork, given: list[str], facts: JobFacts,
           own: dict[int, set[str]]) -> list[str]:
    """The names given, else the ones the container resolves for the job: the job's hosts in its own
    container and in a dind service and the containers it starts (they pull and push for the job's
    docker commands), the runner's own names in the helper (its GitLab URL, which it clones from; its
    cache server)."""
    if given:
        return given
    if container.role == "helper":
        return sorted(own.get(id(network.runner), ())) if network.runner is not None else []
    if container.role == "build" or container.role == "dind-run" or (container.role == "service" and "dind" in (container.image or "")):
        return list(dict.fromkeys(r.host for r in facts.references(job)))
    return []
