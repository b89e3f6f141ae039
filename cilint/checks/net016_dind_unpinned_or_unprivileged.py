"""NET016 dind-unpinned-or-unprivileged: The dind service is not pinned to a version, or its runner does not run it privileged."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator

from cilint.checks.base import Check, CheckContext
from cilint.facts.dind import DOCKER_CLIENTS, _jobs
from cilint.facts.images import is_dind
from cilint.facts.runners import DOCKER_EXECUTORS, RunnerChoice
from cilint.findings import Confidence, Finding, Related, Severity
from cilint.models.images import parse_image
from cilint.models.pipeline import Job, Service
from cilint.syntax.nodes import location

_FULL_VERSION = re.compile(r"^v?\d+\.\d+\.\d+")


class DindUnpinnedOrUnprivileged(Check):
    """Reported once per place the service is written (a template used by many jobs is one finding).

    The privileged part needs to know the runner: a `[[tool.cilint.runners]]` mapping, or a runner
    configuration given with --runner-config (high confidence); a runner file found in the repository
    counts only when it is the project's only runner configuration (medium: chart defaults, examples
    and test data are often not the runners of this pipeline).
    """

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        unpinned: dict[int, tuple[Service, list[str]]] = {}
        unprivileged: dict[tuple[int, str], tuple[Service, list[str], object, Confidence]] = {}
        for job in ctx.jobs():
            for service in job.services:
                if not is_dind(service):
                    continue
                image = parse_image(job.expand(service.name).text)
                tag = image.tag or "latest"
                if image.digest is None and not _FULL_VERSION.match(tag) and "$" not in tag:
                    unpinned.setdefault(id(service.name_node), (service, []))[1].append(job.name)
                refusing = list(self._unprivileged(ctx, job, service))
                if refusing and not _uses_daemon(ctx, job):
                    continue  # a job that never talks to dockerd does not notice a dind that never started
                for choice in refusing:
                    key = (id(service.name_node), choice.runner.name)
                    confidence = ctx.facts.runners.runner_confidence(job)
                    unprivileged.setdefault(key, (service, [], choice, confidence))[1].append(job.name)
        for service, jobs in unpinned.values():
            yield Finding(
                self.rule_id,
                f"dind service `{service.name}` (jobs {_jobs(jobs)}) is not pinned to a version",
                location(service.name_node), Severity.MINOR, route=("dind-unpinned", service.name),
                why=("each Docker release changes the daemon under the jobs, so a pipeline that passed can fail with "
                     "nothing changed in the repository"),
                remedy=("pin a version such as `docker:27.3.1-dind` and the matching CLI image, or a digest "
                        "(`@sha256:...`), the only pin that holds when a tag is re-pushed"),
            )
        for service, jobs, choice, confidence in unprivileged.values():
            runner = choice.runner  # type: ignore[attr-defined]
            section = "kubernetes" if runner.executor == "kubernetes" else "docker"
            table = runner.kubernetes if section == "kubernetes" else runner.docker
            anchor = table.node or runner.table.node
            yield Finding(
                self.rule_id,
                f"dind service `{service.name}` (jobs {_jobs(jobs)}) needs privileged mode, which runner "
                f"`{runner.name}` does not give",
                location(service.name_node), Severity.BLOCKER,
                why="dockerd fails to start and the jobs see 'lookup docker ... no such host'",
                remedy=f"set `privileged = true` in runner `{runner.name}`'s `[runners.{section}]`",
                related=((Related(location(anchor), f"runner `{runner.name}`"),) if anchor is not None else ()),
                route=("dind-unprivileged", service.name, runner.name), confidence=confidence,
            )

    @staticmethod
    def _unprivileged(ctx: CheckContext, job: Job, service: Service) -> Iterator[RunnerChoice]:
        for choice in ctx.facts.runners.presumed(job):  # confirmed, or the project's only runner file
            runner = choice.runner
            executor = runner.executor or ""
            if executor in DOCKER_EXECUTORS:
                table = runner.docker
                privileged = table.flag("services_privileged")
                if privileged is None:
                    privileged = table.flag("privileged")
                allowed = table.strings("allowed_privileged_services")
                if privileged and allowed and not any(fnmatch.fnmatchcase(service.name, p) for p in allowed):
                    privileged = False
            elif executor == "kubernetes":
                table = runner.kubernetes
                privileged = table.flag("privileged")
            else:
                continue
            templated = any(s.is_template for s in (table.setting("privileged"), table.setting("services_privileged")) if s)
            if not privileged and not templated:
                yield choice


def _uses_daemon(ctx: CheckContext, job: Job) -> bool:
    """A docker command, or a `DOCKER_HOST` for the tools that talk to dockerd themselves
    (cibuildwheel, Testcontainers...). A command inside `ssh host "docker ..."` runs elsewhere."""
    if "DOCKER_HOST" in job.variables:
        return True
    texts = [ctx.facts.jobs.shell_text(job, shell) for shell in (1, 2)]
    if not any("docker" in text or "DOCKER_HOST" in text for text in texts):
        return False  # most jobs: decided without reading the scripts
    if any(item.command.name in DOCKER_CLIENTS for item in ctx.facts.commands(job)):
        return True
    return any(item.assignment.name == "DOCKER_HOST" for item in ctx.facts.jobs.assignments(job))
