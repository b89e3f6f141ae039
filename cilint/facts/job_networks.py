"""The containers of a job on each runner that may run it (facts/resolution)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cilint.facts.resolution import Container, JobNetwork, Line, Resolver, Source
from cilint.facts.resolution_docker import docker_network
from cilint.facts.resolution_kubernetes import kubernetes_network
from cilint.facts.runners import DOCKER_EXECUTORS, RunnerChoice, network_per_build
from cilint.models.pipeline import Job

if TYPE_CHECKING:  # runner models load only for projects with runner configuration
    from cilint.models.runner import Runner


def job_networks(job: Job, choices: tuple[RunnerChoice, ...], default_executor: str | None,
                 rewrites: tuple[Source, ...] = ()) -> list[JobNetwork]:
    """The job on each runner that may run it, or once on a runner cilint does not know."""
    if not choices:
        return [_network(job, None, default_executor or "unknown", rewrites)]
    return [_network(job, c.runner, c.runner.executor or default_executor or "unknown", rewrites) for c in choices]


def _network(job: Job, runner: Runner | None, executor: str, rewrites: tuple[Source, ...]) -> JobNetwork:
    if executor == "kubernetes":
        return kubernetes_network(job, runner, rewrites)
    if executor in DOCKER_EXECUTORS or executor == "unknown":
        return docker_network(job, runner, executor, network_per_build(job, runner), rewrites)
    build = Container("build", "build", None, Resolver(
        (Line("the runner host's nameservers", Source(f"the {executor} executor runs jobs on the host"), False),),
        (), (), (), "unknown", Source("the host's C library")))
    return JobNetwork(job, runner, executor, f"the {executor} executor: the runner host's resolver", (build,))
