"""NET008 dind-not-ready-on-kubernetes: dind on Kubernetes is used before it is ready."""

from __future__ import annotations

import re
from collections.abc import Iterator

from cilint.checks.base import Check, CheckContext
from cilint.edits.entries import (
    add_yaml_entry,
    own_entry,
    yaml_scalar,
)
from cilint.edits.pipeline import (
    add_service_entry,
)
from cilint.facts.dind import DindSetup, _jobs
from cilint.facts.runners import (
    DOCKER_EXECUTORS,
)
from cilint.findings import Applicability, Finding, Fix, Related, Severity
from cilint.models.pipeline import Job
from cilint.source import SourceFile
from cilint.syntax.nodes import location
from cilint.syntax.tree import MapNode

_WAIT = re.compile(
    r"\b(until|while|for|timeout|retry|wait-for|wait-for-it|dockerize)\b.*\bdocker\b|\bdocker\s+(info|version)\b.*(\|\||;\s*do)"
    r"|\bsleep\s+[0-9]+"
)


def _waits_for_daemon(job: Job) -> bool:
    for line in (*job.before_script, *job.script):
        if _WAIT.search(line.text):
            return True
        if re.search(r"\bdocker\b", line.text):
            return False
    return False


class DindNotReadyOnKubernetes(Check):
    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        groups: dict[int, tuple[DindSetup, list[str]]] = {}
        for s in ctx.facts.dind_setups:
            if not s.kubernetes or "HEALTHCHECK_TCP_PORT" in s.service.variables \
                    or "HEALTHCHECK_TCP_PORT" in s.job.variables or _waits_for_daemon(s.job):
                continue
            groups.setdefault(id(s.service.name_node), (s, []))[1].append(s.job.name)
        for s, jobs in groups.values():
            known = s.listening_port()
            port = f'`HEALTHCHECK_TCP_PORT: "{known}"`' if known else \
                "`HEALTHCHECK_TCP_PORT` to the port dockerd listens on (2375, or 2376 with TLS)"
            yield Finding(
                self.rule_id,
                f"the job does not wait for dind service `{s.service.name}` (jobs {_jobs(jobs)}) on Kubernetes",
                location(s.service.name_node), Severity.MAJOR, fix=self._fix(ctx, s, str(known)) if known else None,
                why=("on Kubernetes the runner waits for a service only when `HEALTHCHECK_TCP_PORT` is set, so the "
                     "first docker command can run before dockerd listens ('Cannot connect to the Docker daemon')"),
                remedy=f"set {port} in the service's `variables`",
                route=("not-ready", s.service.name), confidence=s.runner_confidence,
            )
        for finding in self._docker_runners(ctx):
            yield finding

    @staticmethod
    def _fix(ctx: CheckContext, s: DindSetup, port: str) -> Fix | None:
        variables = own_entry(s.service.node, "variables") if isinstance(s.service.node, MapNode) else None
        source = ctx.source(s.service.node.path)
        if isinstance(variables, MapNode) and isinstance(source, SourceFile):
            edit = add_yaml_entry(source, variables, "HEALTHCHECK_TCP_PORT", yaml_scalar(port))
        elif variables is None:
            edit = add_service_entry(ctx.source_of(s.service.node), s.service, "variables", {"HEALTHCHECK_TCP_PORT": yaml_scalar(port)})
        else:
            edit = None
        applicability = Applicability.SAFE if s.tls_explicit else Applicability.UNSAFE
        return Fix(f"Wait for dind on port {port}", (edit,), applicability) if edit else None

    @staticmethod
    def _docker_runners(ctx: CheckContext) -> Iterator[Finding]:
        seen: set[int] = set()
        for s in ctx.facts.dind_setups:
            for choice in s.runners:
                setting = choice.runner.docker.setting("wait_for_services_timeout")
                if (choice.runner.executor or "") not in DOCKER_EXECUTORS or setting is None \
                        or setting.value != -1 or id(setting.node) in seen:
                    continue
                seen.add(id(setting.node))
                yield Finding(
                    "NET008",
                    f"runner `{choice.runner.name}` does not wait for dind service `{s.service.name}` (job `{s.job.name}`)",
                    location(setting.node), Severity.MAJOR,
                    why=("`wait_for_services_timeout = -1` turns the wait off, so the first docker command can run before "
                         "dockerd listens ('Cannot connect to the Docker daemon'; Runner 18.7 fails the job with "
                         "'service failed to start')"),
                    remedy="remove the setting (the default waits 30 s)",
                    related=(Related(location(s.service.name_node), "the dind service"),),
                    route=("no-service-wait", choice.runner.name),
                )
