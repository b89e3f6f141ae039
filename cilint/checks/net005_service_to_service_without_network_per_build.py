"""NET005 service-to-service-without-network-per-build: A service must reach another service (or the job) without a network per job."""

from __future__ import annotations

import re
from collections.abc import Iterator

from cilint.checks.base import Check, CheckContext
from cilint.edits.pipeline import add_job_variable
from cilint.facts.references import _BARE, service_names, variable_hosts
from cilint.facts.resolution import service_container
from cilint.facts.runners import (
    DOCKER_EXECUTORS,
    network_per_build,
)
from cilint.findings import Applicability, Finding, Fix, Related, Severity, Subject
from cilint.models.pipeline import Job, Service
from cilint.shell.network import hosts_in_text
from cilint.syntax.nodes import location
from cilint.syntax.tree import Node

_OPTION_HOST = re.compile(r"^--?[A-Za-z0-9-]*host[A-Za-z0-9-]*=(.+)$", re.IGNORECASE)


def _service_texts(job: Job, service: Service) -> Iterator[tuple[str, Node]]:
    """Hosts a service itself connects to: its command, entrypoint and own variables."""
    for word in (*service.command, *(service.entrypoint or ())):
        expansion = job.expand(word)
        text = expansion.text
        yield from ((h, service.command_node or service.node) for h in hosts_in_text(text))
        match = _OPTION_HOST.match(text)
        if match and _BARE.match(match.group(1)):
            yield match.group(1).lower(), service.command_node or service.node
    for variable in service.variables.values():
        if variable.value is not None:
            for host in variable_hosts(variable.name, job.expand(variable.value).text):
                yield host, variable.node


class ServiceToServiceWithoutNetworkPerBuild(Check):
    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        reported: set[tuple[int, str]] = set()
        for job in ctx.jobs():
            if len(job.services) < 1:
                continue
            executors = ctx.facts.confirmed_executors(job)
            if executors and not executors & DOCKER_EXECUTORS:
                continue  # Kubernetes: one pod, every service on localhost
            runners = [c.runner for c in ctx.facts.confirmed_runners(job)]
            if any(network_per_build(job, r) for r in runners) or (not runners and network_per_build(job, None)):
                continue
            for service, host, node in self._calls(job):
                key = (id(node), host)
                if key not in reported:
                    reported.add(key)
                    yield self._finding(ctx, job, service, host, node, bool(runners) or bool(executors))

    @staticmethod
    def _calls(job: Job) -> Iterator[tuple[Service, str, Node]]:
        names = {id(s): service_names(job, s) for s in job.services}
        for service in job.services:
            others = set().union(*(names[id(o)] for o in job.services if o is not service)) | {"build"}
            for host, node in _service_texts(job, service):
                if host in others and host not in names[id(service)]:
                    yield service, host, node
            for variable in job.variables.values():
                prefix = variable.name.split("_", 1)[0].lower()
                if variable.value is None or "_" not in variable.name or prefix not in names[id(service)]:
                    continue
                for host in variable_hosts(variable.name, job.expand(variable.value).text):
                    if host in others and host not in names[id(service)]:
                        yield service, host, variable.node

    def _finding(self, ctx: CheckContext, job: Job, service: Service, host: str, node: Node, known: bool) -> Finding:
        other = next((o for o in job.services if o is not service and host in service_names(job, o)), None)
        target = f"service `{other.name}` as `{host}`" if other else f"the job container as `{host}`"
        if known:
            severity, caveat = Severity.MAJOR, ""
        else:
            severity, caveat = Severity.MINOR, ("; on the Docker executor, unless the runner enables the flag "
                                                "itself (pass its configuration with --runner-config)")
        edit = add_job_variable(ctx.source_of(job.node), job, "FF_NETWORK_PER_BUILD", '"true"')
        return Finding(
            self.rule_id,
            f"service `{service.name}` of job `{job.name}` cannot resolve {target}",
            location(node), severity,
            why=("without `FF_NETWORK_PER_BUILD` the runner gives service hostnames only to the job container, so "
                 f"services cannot resolve each other{caveat}"),
            remedy="set `FF_NETWORK_PER_BUILD: \"true\"` in the job's variables",
            fix=Fix("Create a network per job", (edit,), Applicability.UNSAFE) if edit else None,
            related=(Related(location(service.name_node), "the service"),),
            subjects=(Subject(job.name, host, service_container(job, service)),),
            route=("service-to-service", job.name, service.name, host),
        )
