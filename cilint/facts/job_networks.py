"""The containers of a job on each runner that may run it (facts/resolution)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cilint.facts.jobs import JobFacts
from cilint.facts.resolution import Container, HostsEntry, JobNetwork, Line, Resolver, ScriptEffects, Source
from cilint.facts.resolv_conf import etc_hosts_names, writes_resolv_conf, written_text
from cilint.facts.resolution_docker import docker_network
from cilint.facts.resolution_kubernetes import kubernetes_network
from cilint.facts.runners import DOCKER_EXECUTORS, RunnerChoice, network_per_build
from cilint.models.pipeline import Job
from cilint.syntax.nodes import location

if TYPE_CHECKING:  # runner models load only for projects with runner configuration
    from cilint.models.runner import Runner


def job_networks(job: Job, choices: tuple[RunnerChoice, ...], default_executor: str | None,
                 facts: JobFacts) -> list[JobNetwork]:
    """The job on each runner that may run it, or once on a runner cilint does not know."""
    effects = script_effects(job, facts)
    if not choices:
        return [_network(job, None, default_executor or "unknown", effects)]
    return [_network(job, c.runner, c.runner.executor or default_executor or "unknown", effects) for c in choices]


def script_effects(job: Job, facts: JobFacts) -> ScriptEffects:
    """The job's commands that rewrite /etc/resolv.conf or add names to /etc/hosts."""
    if "/etc/" not in facts.shell_text(job, 0) + facts.shell_text(job, 1) + facts.shell_text(job, 2):
        return ScriptEffects()
    rewrites, hosts = [], []
    written: tuple[Line, ...] | None = None
    for item in facts.commands(job):
        where = Source(f"`{item.line.text.strip()}` ({item.line.section})", location(item.line.node))
        if writes_resolv_conf(item.command):
            rewrites.append(where)
            text = written_text(item.command)
            written = None if text is None else tuple(
                Line(line.strip(), where) for line in text.splitlines() if line.strip().split()[:1] in (
                    ["nameserver"], ["search"], ["options"]) and len(line.split()) > 1)
        hosts.extend(HostsEntry(name, "an address the script writes", where, True) for name in etc_hosts_names(item.command))
    return ScriptEffects(tuple(rewrites), tuple(hosts), written)


def _network(job: Job, runner: Runner | None, executor: str, effects: ScriptEffects) -> JobNetwork:
    if executor == "kubernetes":
        return kubernetes_network(job, runner, effects)
    if executor in DOCKER_EXECUTORS or executor == "unknown":
        return docker_network(job, runner, executor, network_per_build(job, runner), effects)
    build = Container("build", "build", None, Resolver(
        (Line("the runner host's nameservers", Source(f"the {executor} executor runs jobs on the host"), False),),
        (), (), (), "unknown", Source("the host's C library")))
    return JobNetwork(job, runner, executor, f"the {executor} executor: the runner host's resolver", (build,))
