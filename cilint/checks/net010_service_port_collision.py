"""NET010 service-port-collision: Two services listen on the same port in a shared network namespace."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache

from cilint.checks.base import Check, CheckContext
from cilint.facts.images import image_facts, is_dind
from cilint.facts.runners import DOCKER_EXECUTORS
from cilint.findings import Finding, Related, Severity
from cilint.models.images import parse_image
from cilint.models.pipeline import Job, Service
from cilint.syntax.nodes import location


# A service variable that may name a port its image listens on (`PORT`, `REDIS_PORT_NUMBER`...).
_PORT_NAME = re.compile(r"(?:^|_)PORT(?:_NUMBER)?$", re.IGNORECASE)


@cache
def _default_ports() -> dict[str, tuple[int, ...]]:
    table = image_facts().get("service_ports", {})
    return {name: tuple(ports) for name, ports in table.items()}


@cache
def _port_variables() -> dict[str, tuple[str, ...]]:
    table = image_facts().get("service_port_variables", {})
    return {name: tuple(names) for name, names in table.items()}


def _service_ports(job: Job, service: Service) -> tuple[int, ...] | None:
    """Ports the service listens on inside the namespace; None when its command or a variable of
    its own may change them."""
    check = service.variables.get("HEALTHCHECK_TCP_PORT")
    if check is not None and check.value and check.value.strip().isdigit():
        return (int(check.value),)
    if any(re.match(r"^(-p|--port|-port|--http-port|--listen)\b", w) for w in service.command):
        return None
    if is_dind(service):
        return (2375, 2376)
    short = parse_image(job.expand(service.name).text).short_name.lower()
    for name in _port_variables().get(short, ()):
        variable = service.variables.get(name) or job.variables.get(name)  # job variables reach services too
        if variable is not None:
            value = job.expand(variable.value or "").text.strip()
            return (int(value),) if value.isdigit() else None
    if any(_PORT_NAME.search(name) for name in service.variables):
        return None  # an image-specific port setting cilint does not know
    return _default_ports().get(short)


class ServicePortCollision(Check):
    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        reported: set[int] = set()
        for job in ctx.jobs():
            if len(job.services) < 2:
                continue
            shared = self._shared_namespace(ctx, job)
            if shared is None:
                continue
            seen: list[tuple[Service, tuple[int, ...]]] = []
            for service in job.services:
                ports = _service_ports(job, service)
                if not ports:
                    continue
                for earlier, earlier_ports in seen:
                    common = sorted(set(ports) & set(earlier_ports))
                    if common and id(service.name_node) not in reported:
                        reported.add(id(service.name_node))
                        yield Finding(
                            self.rule_id,
                            f"services `{earlier.name}` and `{service.name}` of job `{job.name}` both listen on "
                            f"port {common[0]}",
                            location(service.name_node), Severity.MAJOR,
                            why=(f"{shared}: the second fails with 'bind: address already in use' or the job talks "
                                 "to the wrong one"),
                            remedy=("start it on another port (its `command`, or a port variable such as `PGPORT`) "
                                    "or use one instance"),
                            related=(Related(location(earlier.name_node), "the first service on that port"),),
                            route=("port-collision", job.name, service.name, str(common[0])),
                        )
                seen.append((service, ports))

    @staticmethod
    def _shared_namespace(ctx: CheckContext, job: Job) -> str | None:
        if "kubernetes" in ctx.facts.confirmed_executors(job):
            return "on Kubernetes every service shares the job pod's network namespace"
        for choice in ctx.facts.confirmed_runners(job):
            if (choice.runner.executor or "") in DOCKER_EXECUTORS and choice.runner.docker.text("network_mode") == "host":
                return f"runner `{choice.runner.name}` runs services on the host network (`network_mode = \"host\"`)"
        return None
