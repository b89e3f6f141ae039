"""NET011 host-network-with-services: A runner with `network_mode = "host"` runs jobs that reach services by name."""

from __future__ import annotations

import re
from collections.abc import Iterator

from cilint.checks.base import Check, CheckContext
from cilint.facts.images import is_dind
from cilint.facts.references import service_names
from cilint.facts.runners import DOCKER_EXECUTORS
from cilint.findings import Finding, Related, Severity, Subject
from cilint.models.pipeline import Job, Service
from cilint.syntax.nodes import location
from cilint.syntax.tree import Node


class HostNetworkWithServices(Check):
    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        reported: set[tuple[int, str]] = set()
        for job in ctx.jobs():
            if not job.services or not any(
                    c.runner.docker.text("network_mode") == "host" for c in ctx.facts.confirmed_runners(job)):
                continue
            references = {r.host: r for r in ctx.facts.references(job)}
            for choice in ctx.facts.confirmed_runners(job):
                runner = choice.runner
                setting = runner.docker.setting("network_mode")
                if (runner.executor or "") not in DOCKER_EXECUTORS or setting is None or setting.value != "host":
                    continue
                for service in job.services:
                    names = service_names(job, service)
                    used = sorted(n for n in names if n in references)
                    if is_dind(service) and "docker" in names and not used and "DOCKER_HOST" not in job.variables:
                        used = ["docker"]
                    key = (id(setting.node), service.name)
                    if not used or key in reported:
                        continue
                    reported.add(key)
                    yield self._finding(job, service, used[0], choice.runner.name, setting.node, references.get(used[0]))

    def _finding(self, job: Job, service: Service, host: str, runner: str, node: Node, reference) -> Finding:
        plain_dind = is_dind(service) and (
            any(re.search(r"--tls(=|\s+)false", w) for w in service.command)
            or (job.variables.get("DOCKER_TLS_CERTDIR") is not None and not (job.variables["DOCKER_TLS_CERTDIR"].value or "").strip())
        )
        severity = Severity.CRITICAL if plain_dind else Severity.MAJOR
        extra = ("; the dind service also listens without TLS on the host's port 2375: anyone who can reach the host "
                 "controls its Docker daemon" if plain_dind else "")
        related = [Related(location(service.name_node), f"the service of job `{job.name}`")]
        if reference is not None:
            related.append(Related(location(reference.node), f"`{host}` is used here"))
        return Finding(
            self.rule_id,
            f"job `{job.name}` reaches service `{service.name}` as `{host}`, which runner `{runner}`'s host network "
            "does not resolve",
            location(node), severity, related=tuple(related),
            why=(f"with `network_mode = \"host\"` the runner creates no links or aliases: 'Could not resolve host: "
                 f"{host}'{extra}"),
            remedy="remove `network_mode` (and use FF_NETWORK_PER_BUILD), or reach services on 127.0.0.1",
            route=("host-network", runner, service.name), subjects=(Subject(job.name, host),),
        )
