"""Docker-in-Docker setups: for each job and dind service, the daemon's TLS mode and port and where
the job's client connects (DOCKER_HOST)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cilint.facts.environment import variable_seen
from cilint.findings import Confidence
from cilint.facts.images import is_dind, is_docker_cli_image, is_docker_library_dind, job_image
from cilint.facts.jobs import JobFacts
from cilint.facts.runners import (
    DOCKER_EXECUTORS,
    RunnerChoice,
    RunnerChoices,
    effective_variable,
    job_flag,
)
from cilint.facts.scripts import ScriptCommand
from cilint.loading.project import Project
from cilint.models.images import parse_image
from cilint.models.pipeline import Job, Service
from cilint.models.variables import Variable

if TYPE_CHECKING:  # runner models load only for projects with runner configuration
    from cilint.models.runner import Runner

_TCP = re.compile(r"^tcp://(\[[0-9a-fA-F:.]+\]|[^:/\s]+):([0-9]+)/?$")
_VERSION = re.compile(r"^(\d+)\.(\d+)")
_PLAIN_LISTENER = re.compile(r"^(?:--host|-H)(?:=|\s+)?tcp://[^:]*:2375$")
LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0"})
DOCKER_CLIENTS = frozenset({"docker", "docker-compose", "buildx"})
_FF_HONOR_ENTRYPOINT = "FF_KUBERNETES_HONOR_ENTRYPOINT"


@dataclass(frozen=True, slots=True, eq=False)
class DindSetup:
    """What the dind daemon listens on and where the job's client connects, for one job and service."""

    job: Job
    service: Service
    runners: tuple[RunnerChoice, ...]  # known to run the job
    executors: frozenset[str]
    tls: bool | None  # the daemon listens with TLS on 2376, or plain on 2375; None: a third-party
    # dind image without DOCKER_TLS_CERTDIR, whose default cilint does not assume
    tls_source: Variable | None  # the DOCKER_TLS_CERTDIR that decides it (None: image default)
    tls_explicit: bool  # decided by something written (a variable, a flag, an old tag)
    docker_host: Variable | None
    host: str | None  # of DOCKER_HOST when it is tcp://host:port
    port: int | None
    runner_confidence: Confidence = Confidence.HIGH  # of what `runners` says (facts/runners: presumed)

    @property
    def kubernetes(self) -> bool:
        return "kubernetes" in self.executors

    @property
    def entrypoint_runs(self) -> bool:
        """The `docker` image entrypoint runs and configures the client (not on Kubernetes by default)."""
        if not is_docker_cli_image(self.job, self.runners):
            return False
        return not self.kubernetes or job_flag(self.job, self.runners, _FF_HONOR_ENTRYPOINT)

    @property
    def image(self) -> str | None:
        """The job image's name, None when neither the job nor a known runner says."""
        image = job_image(self.job, self.runners)
        return image.name if image else None

    def names(self) -> set[str]:
        return set(self.service.aliases) | set(self.service.derived_aliases(self.job.variables) or ())

    def listening_port(self) -> int | None:
        return None if self.tls is None else 2376 if self.tls else 2375


def dind_setups(project: Project, choices: RunnerChoices, jobs: JobFacts) -> tuple[DindSetup, ...]:
    """Every (job, dind service) whose TLS mode cilint can tell, with the client's DOCKER_HOST: as the
    job's first `docker` command sees it (a script's `export DOCKER_HOST=...` before it counts)."""
    return tuple(_setups(project, choices, jobs))


def first_docker_command(job: Job, jobs: JobFacts) -> ScriptCommand | None:
    return next((c for c in jobs.commands(job) if c.command.name in DOCKER_CLIENTS), None)


def client_variable(job: Job, name: str, runners: tuple[RunnerChoice, ...], jobs: JobFacts) -> Variable | None:
    """`name` as the job's first docker command sees it. The scripts are read only when they set it."""
    if name + "=" not in jobs.shell_text(job, 1):
        return effective_variable(job, name, runners)
    return variable_seen(job, name, runners, jobs, first_docker_command(job, jobs))


def _setups(project: Project, choices: RunnerChoices, jobs: JobFacts) -> Iterator[DindSetup]:
    for job in project.jobs():
        dinds = [s for s in job.services if is_dind(s)]
        if not dinds:
            continue
        runners = choices.presumed(job)
        executors = choices.presumed_executors(job)
        runner_confidence = choices.runner_confidence(job)
        if not runners and executors:  # the `executor` setting: the user says so
            runner_confidence = Confidence.HIGH
        docker_host = client_variable(job, "DOCKER_HOST", runners, jobs)
        host = port = None
        if docker_host is not None and docker_host.value is not None:
            expansion = job.expand(docker_host.value)
            match = _TCP.match(expansion.text.strip()) if not expansion.unresolved else None
            if match:
                host, port = match.group(1).strip("[]").lower(), int(match.group(2))
        for service in dinds:
            mode = _tls_mode(job, service, runners)
            if mode is None:
                continue
            yield DindSetup(job, service, runners, executors, mode.tls, mode.source, mode.explicit, docker_host,
                            host, port, runner_confidence)


@dataclass(frozen=True, slots=True)
class _TlsMode:
    """Whether the dind daemon listens with TLS, and what decides it."""

    tls: bool | None  # None: not known (a third-party image's default)
    source: Variable | None = None  # the DOCKER_TLS_CERTDIR that decides it (None: a flag, a tag, the default)
    explicit: bool = True  # decided by something written (else the image default)


def _tls_mode(job: Job, service: Service, runners: tuple[RunnerChoice, ...]) -> _TlsMode | None:
    """The daemon's TLS mode; None when cilint cannot tell (dockerd started by a custom entrypoint, or
    a certificate directory that depends on unknown variables)."""
    if service.entrypoint and any("dockerd" in part for part in service.entrypoint):
        return None
    words = " ".join(service.command)
    if re.search(r"--tls(=|\s+)false\b", words) or any(_PLAIN_LISTENER.match(c) for c in service.command):
        return _TlsMode(False)
    library = is_docker_library_dind(job.expand(service.name).text)
    tag = parse_image(service.name).tag or ""
    version = _VERSION.match(tag)
    if library and version and (int(version.group(1)), int(version.group(2))) < (19, 3):
        return _TlsMode(False)  # before 19.03 the image had no TLS default
    certdir = service.variables.get("DOCKER_TLS_CERTDIR") or effective_variable(job, "DOCKER_TLS_CERTDIR", runners)
    if certdir is None:
        # the TLS default is docker-library's entrypoint's; another image's is not assumed
        return _TlsMode(True if library else None, explicit=False)
    if certdir.value is None:
        return None
    expansion = job.expand(certdir.value)
    if expansion.unresolved:
        return None
    return _TlsMode(bool(expansion.text.strip()), certdir)


def cert_paths(setup: DindSetup) -> set[str]:
    """Where the dind service writes the client certificates: `$DOCKER_TLS_CERTDIR/client`."""
    base = "/certs"
    if setup.tls_source is not None and setup.tls_source.value:
        base = setup.job.expand(setup.tls_source.value).text.rstrip("/") or "/certs"
    return {base, f"{base}/client", f"{base}/client/"}


def shares_client_certs(setup: DindSetup, runner: Runner) -> bool | None:
    """Whether the runner mounts the certificate directory into both the service and the job (a
    `[runners.docker] volumes` entry, a Kubernetes volume); None for another executor."""
    paths = cert_paths(setup)
    executor = runner.executor or ""
    if executor in DOCKER_EXECUTORS:
        return any(_volume_target(v).rstrip("/") in paths for v in runner.docker.strings("volumes"))
    if executor == "kubernetes":
        mounts = [t.text("mount_path") or "" for kind in ("empty_dir", "host_path", "secret", "config_map", "pvc", "csi")
                  for t in runner.kubernetes.table("volumes").tables(kind)]
        return any(m.rstrip("/") in paths for m in mounts)
    return None


def client_certs_shared(setup: DindSetup) -> bool:
    """Every runner known to run the job shares the certificates (none known: not confirmed)."""
    return bool(setup.runners) and all(shares_client_certs(setup, c.runner) for c in setup.runners)


def _volume_target(spec: str) -> str:
    """The container path of a docker volume spec: `/certs/client`, `src:/dst[:mode]`."""
    parts = spec.split(":")
    return parts[1] if len(parts) > 1 else parts[0]


def _client_targets_service(setup: DindSetup) -> bool:
    return setup.host is not None and (setup.host in setup.names() or setup.host in LOOPBACK)


def _jobs(jobs: list[str]) -> str:
    """Job names for a one-line statement: the first, and how many more (names can be long)."""
    if len(jobs) <= 2:
        return " and ".join(f"`{j}`" for j in jobs)
    return f"`{jobs[0]}` and {len(jobs) - 1} more"
