"""NET009 docker-endpoint-unset-or-localhost: The Docker client endpoint is unset, or `localhost` on the Docker executor."""

from __future__ import annotations

from collections.abc import Iterator

from cilint.checks.base import Check, CheckContext
from cilint.edits.entries import yaml_scalar
from cilint.edits.pipeline import (
    add_job_variable,
)
from cilint.edits.scalars import replace_in_scalar
from cilint.facts.dind import DOCKER_CLIENTS, LOOPBACK, DindSetup, _jobs
from cilint.facts.images import is_docker_cli_image, job_image
from cilint.facts.runners import DOCKER_EXECUTORS
from cilint.findings import Applicability, Confidence, Finding, Fix, Related, Severity
from cilint.models.images import parse_image
from cilint.models.pipeline import Job
from cilint.source import SourceFile
from cilint.syntax.nodes import location


def _uses_docker_cli(ctx: CheckContext, job: Job) -> bool:
    return any(item.command.name in DOCKER_CLIENTS for item in ctx.facts.commands(job))


def _endpoint_on_command_line(ctx: CheckContext, job: Job) -> bool:
    """A docker command given its endpoint itself: `-H`/`--host`, or a `DOCKER_HOST=` prefix."""
    return any(item.command.name in DOCKER_CLIENTS and (
        any(a.text in ("-H", "--host") or a.text.startswith(("-H=", "--host=", "-Htcp")) for a in item.command.args)
        or any(p.startswith("DOCKER_HOST=") for p in item.command.assignments))
        for item in ctx.facts.commands(job))


def _socket_mounted(s: DindSetup) -> bool:
    return any("docker.sock" in v for c in s.runners for v in c.runner.docker.strings("volumes"))


class DockerEndpointUnsetOrLocalhost(Check):
    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        unset: dict[int, tuple[DindSetup, list[str]]] = {}
        loopback: dict[tuple[int, int], tuple[DindSetup, list[str]]] = {}
        old: dict[int, DindSetup] = {}
        for s in ctx.facts.dind_setups:
            if s.docker_host is None:
                if s.image is None or s.entrypoint_runs or _endpoint_on_command_line(ctx, s.job) or _socket_mounted(s) \
                        or not _uses_docker_cli(ctx, s.job):
                    continue
                unset.setdefault(id(s.service.name_node), (s, []))[1].append(s.job.name)
                continue
            executors = {c.runner.executor or "" for c in s.runners} or set(s.executors)
            if s.host in LOOPBACK and executors and executors <= DOCKER_EXECUTORS:
                loopback.setdefault((id(s.docker_host.node), id(s.service.name_node)), (s, []))[1].append(s.job.name)
            tag = parse_image(s.service.name).tag or ""
            if tag.startswith(("19.03.0", "19.03.1-", "19.03.1")) and s.host is not None:
                old.setdefault(id(s.service.name_node), s)
        for s, jobs in unset.values():
            yield self._unset(ctx, s, jobs)
        for s, jobs in loopback.values():
            yield self._loopback(ctx, s, jobs)
        for s in old.values():
            yield Finding(
                self.rule_id,
                f"dind service `{s.service.name}` is 19.03.0/19.03.1, which listens on the job's `DOCKER_HOST`",
                location(s.service.name_node), Severity.INFO, route=("old-dind-listener", s.service.name),
                why=("that entrypoint made dockerd listen on the address in `DOCKER_HOST`, so it failed to start "
                     "('failed to load listeners' or 'address already in use')"),
                remedy="use a current pinned version",
            )

    def _unset(self, ctx: CheckContext, s: DindSetup, jobs: list[str]) -> Finding:
        alias = next(iter(s.service.aliases), None) or (s.service.derived_aliases(s.job.variables) or ("docker",))[0]
        port = s.listening_port() or 2375
        unknown = " (2376 if the image turns TLS on)" if s.tls is None else ""
        if s.kubernetes and is_docker_cli_image(s.job, s.runners):
            why = "the Kubernetes executor does not run the `docker` image entrypoint that would set it"
        elif (image := job_image(s.job, s.runners)) is not None and image.entrypoint is not None:
            why = "the job image's `entrypoint` is overridden, so the `docker` image's entrypoint that would set it does not run"
        else:
            why = f"only the `docker` image's entrypoint points the client at the service, and the job image is `{s.image}`"
        statement = f"jobs {_jobs(jobs)} use dind service `{s.service.name}` without `DOCKER_HOST`"
        why = (f"{why}, so the client uses unix:///var/run/docker.sock: 'Cannot connect to the Docker daemon at "
               "unix:///var/run/docker.sock' (unless the project's CI/CD settings set `DOCKER_HOST`)")
        remedy = (f"set `DOCKER_HOST: tcp://{alias}:{port}`{unknown}"
                  + (" with the TLS client variables" if s.tls else ""))
        fix = None
        if not s.tls and s.tls_explicit and len(jobs) == 1:
            edit = add_job_variable(ctx.source_of(s.job.node), s.job, "DOCKER_HOST", yaml_scalar(f"tcp://{alias}:{port}"))
            fix = Fix(f"Set DOCKER_HOST to tcp://{alias}:{port}", (edit,), Applicability.UNSAFE) if edit else None
        return Finding(self.rule_id, statement, location(s.service.name_node), Severity.MAJOR, fix=fix,
                       route=("endpoint-unset", s.service.name), why=why, remedy=remedy,
                       confidence=Confidence.MEDIUM)  # the project's CI/CD settings may set it

    def _loopback(self, ctx: CheckContext, s: DindSetup, jobs: list[str]) -> Finding:
        assert s.docker_host is not None and s.host is not None
        alias = next(iter(s.service.aliases), None) or (s.service.derived_aliases(s.job.variables) or ("docker",))[0]
        source = ctx.source(s.docker_host.node.path)
        edit = replace_in_scalar(source, s.docker_host.node, f"//{s.host}:", f"//{alias}:") \
            if isinstance(source, SourceFile) else None
        return Finding(
            self.rule_id,
            f"`DOCKER_HOST` of {_jobs(jobs)} points at {s.host}, not at dind service `{s.service.name}`",
            location(s.docker_host.node), Severity.BLOCKER,
            why=(f"on the Docker executor the service is another container and {s.host} is the job container itself: "
                 f"'Cannot connect to the Docker daemon at {s.docker_host.value}'"),
            remedy=f"use tcp://{alias}:{s.port}",
            fix=Fix(f"Connect to the service as `{alias}`", (edit,), Applicability.UNSAFE) if edit else None,
            related=(Related(location(s.service.name_node), "the dind service"),),
            route=("endpoint-loopback", s.service.name), confidence=s.runner_confidence,
        )
