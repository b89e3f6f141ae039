"""Docker-in-Docker client/daemon agreement: NET001 TLS port, NET002 client certificates, NET007 MTU,
NET008 readiness on Kubernetes, NET009 client endpoint (dns-catalog.md R01, R02, R07, R08, R09)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace

from cilint.checks.common import (
    DOCKER_EXECUTORS,
    effective_variable,
    is_dind,
    is_docker_cli_image,
    job_flag,
    job_image,
    known_executors,
    known_runners,
)
from cilint.checks.context import job_commands
from cilint.edits.entries import (
    add_toml_key,
    add_yaml_entry,
    append_seq_item,
    append_to_array,
    own_entry,
    replace_in_scalar,
    yaml_scalar,
)
from cilint.edits.pipeline import (
    add_job_variable,
    add_service_entry,
    add_sibling_entries,
)
from cilint.findings import Applicability, Edit, Finding, Fix, Related, Severity
from cilint.models.images import parse_image
from cilint.models.pipeline import Job, Service
from cilint.loading.project import Project, RunnerChoice
from cilint.models.variables import Variable
from cilint.source import SourceFile
from cilint.syntax.nodes import location
from cilint.syntax.yaml import YMap, YSeq

_TCP = re.compile(r"^tcp://(\[[0-9a-fA-F:.]+\]|[^:/\s]+):([0-9]+)/?$")
_VERSION = re.compile(r"^(\d+)\.(\d+)")
_PLAIN_LISTENER = re.compile(r"^(?:--host|-H)(?:=|\s+)?tcp://[^:]*:2375$")
LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0"})
_WAIT = re.compile(
    r"\b(until|while|for|timeout|retry|wait-for|wait-for-it|dockerize)\b.*\bdocker\b|\bdocker\s+(info|version)\b.*(\|\||;\s*do)"
    r"|\bsleep\s+[0-9]+"
)
_FF_HONOR_ENTRYPOINT = "FF_KUBERNETES_HONOR_ENTRYPOINT"
_SAAS_MTU = 1360  # GitLab-hosted runners (docs: runner/executors/docker "Docker-in-Docker MTU")


@dataclass(frozen=True, slots=True, eq=False)
class DindSetup:
    """What the dind daemon listens on and where the job's client connects, for one job and service."""

    job: Job
    service: Service
    runners: tuple[RunnerChoice, ...]  # known to run the job
    executors: frozenset[str]
    tls: bool  # the daemon listens with TLS on 2376 (else plain on 2375)
    tls_source: Variable | None  # the DOCKER_TLS_CERTDIR that decides it (None: image default)
    tls_explicit: bool  # decided by something written (a variable, a flag, an old tag)
    docker_host: Variable | None
    host: str | None  # of DOCKER_HOST when it is tcp://host:port
    port: int | None

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

    def listening_port(self) -> int:
        return 2376 if self.tls else 2375


def dind_setups(project: Project) -> Iterator[DindSetup]:
    key = ("dind_setups", 0)
    found = project.memo.get(key)
    if found is None:
        found = project.memo[key] = tuple(_setups(project))
    yield from found


def _setups(project: Project) -> Iterator[DindSetup]:
    for pipeline in project.pipelines:
        for job in pipeline.jobs.values():
            dinds = [s for s in job.services if is_dind(s)]
            if not dinds:
                continue
            runners = known_runners(project, job)
            executors = known_executors(project, job)
            docker_host = effective_variable(job, "DOCKER_HOST", runners)
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
                tls, source, explicit = mode
                yield DindSetup(job, service, runners, executors, tls, source, explicit, docker_host, host, port)


def _tls_mode(job: Job, service: Service, runners: tuple[RunnerChoice, ...]) -> tuple[bool, Variable | None, bool] | None:
    """(TLS on, the variable deciding it, decided explicitly); None when cilint cannot tell (dockerd
    started by a custom entrypoint, or a certificate directory that depends on unknown variables)."""
    if service.entrypoint and any("dockerd" in part for part in service.entrypoint):
        return None
    words = " ".join(service.command)
    if re.search(r"--tls(=|\s+)false\b", words) or any(_PLAIN_LISTENER.match(c) for c in service.command):
        return False, None, True
    tag = parse_image(service.name).tag or ""
    version = _VERSION.match(tag)
    if version and (int(version.group(1)), int(version.group(2))) < (19, 3):
        return False, None, True  # before 19.03 the image had no TLS default
    certdir = service.variables.get("DOCKER_TLS_CERTDIR") or effective_variable(job, "DOCKER_TLS_CERTDIR", runners)
    if certdir is None:
        return True, None, False
    if certdir.value is None:
        return None
    expansion = job.expand(certdir.value)
    if expansion.unresolved:
        return None
    return bool(expansion.text.strip()), certdir, True


def _client_targets_service(setup: DindSetup) -> bool:
    return setup.host is not None and (setup.host in setup.names() or setup.host in LOOPBACK)


def _jobs(jobs: list[str]) -> str:
    shown = ", ".join(f"`{j}`" for j in jobs[:3])
    return shown + (f" and {len(jobs) - 3} more" if len(jobs) > 3 else "")


def _group(setups: Iterator[DindSetup], key) -> dict:
    groups: dict = {}
    for setup in setups:
        k = key(setup)
        if k is not None:
            groups.setdefault(k, []).append(setup)
    return groups


class DindTlsPortMismatch:
    rule_id = "NET001"

    def run(self, project: Project) -> Iterator[Finding]:
        # One finding per DOCKER_HOST definition, dind service and TLS state. A fix edits the
        # definition (or adds a variable beside it), so it is offered only when every job that
        # reads the definition is in the same state: otherwise fixing one job breaks another.
        groups = _group(dind_setups(project), lambda s: (id(s.docker_host.node), id(s.service.name_node), s.tls,
                                                         s.tls_explicit, s.port)
                        if s.docker_host is not None and _client_targets_service(s) else None)
        states: dict[int, set[tuple]] = {}
        for key in groups:
            states.setdefault(key[0], set()).add(key[2:])
        for key, setups in groups.items():
            jobs = [s.job.name for s in setups]
            finding = self._finding(project, setups[0], jobs)
            if finding is not None:
                yield finding if len(states[key[0]]) == 1 else replace(finding, fix=None)

    def _finding(self, project: Project, s: DindSetup, jobs: list[str]) -> Finding | None:
        assert s.docker_host is not None
        where = f"`DOCKER_HOST` ({s.docker_host.value}) of {_jobs(jobs)}"
        related = (Related(location(s.service.name_node), f"the dind service `{s.service.name}`"),)
        if s.tls and s.port == 2375:
            if s.tls_explicit:
                severity, why = Severity.BLOCKER, f"`DOCKER_TLS_CERTDIR` is `{s.tls_source.value}`" if s.tls_source else "TLS is on"
            else:
                severity, why = Severity.MAJOR, ("`DOCKER_TLS_CERTDIR` is not set here, so the image default `/certs` "
                                                 "applies (unless the project's CI/CD settings or the runner's "
                                                 "`environment` set it to \"\")")
            message = (f"{where} uses port 2375, but the dind service `{s.service.name}` listens only on 2376 with TLS "
                       f"({why}): 'Cannot connect to the Docker daemon at tcp://{s.host}:2375'. Either use "
                       f"tcp://{s.host}:2376 with the TLS client variables, or turn TLS off with `DOCKER_TLS_CERTDIR: \"\"`")
            fix = self._fix_plain(project, s) if not s.tls_explicit else self._fix_port(project, s, ":2375", ":2376")
            return Finding(self.rule_id, message, location(s.docker_host.node), severity, fix=fix, related=related,
                           route=("tls-port", s.docker_host.name, s.service.name))
        if not s.tls and s.port == 2376:
            message = (f"{where} uses port 2376, but the dind service `{s.service.name}` runs without TLS and listens "
                       f"only on 2375: 'Cannot connect to the Docker daemon at tcp://{s.host}:2376'; use "
                       f"tcp://{s.host}:2375")
            return Finding(self.rule_id, message, location(s.docker_host.node), Severity.BLOCKER,
                           fix=self._fix_port(project, s, ":2376", ":2375"), related=related,
                           route=("plain-port", s.docker_host.name, s.service.name))
        if s.tls and s.port == 2376 and effective_variable(s.job, "DOCKER_TLS_VERIFY", s.runners) is None \
                and s.image is not None and not s.entrypoint_runs:
            reason = ("the Kubernetes executor does not run the image entrypoint that would set them"
                      if s.kubernetes and is_docker_cli_image(s.job, s.runners) else
                      f"the job image `{s.image}` is not the "
                      "`docker` image whose entrypoint sets them")
            message = (f"{where} uses TLS port 2376, but `DOCKER_TLS_VERIFY` and `DOCKER_CERT_PATH` are not set and "
                       f"{reason}: the client speaks plain HTTP to a TLS port ('Client sent an HTTP request to an "
                       "HTTPS server'); set `DOCKER_TLS_VERIFY: \"1\"` and `DOCKER_CERT_PATH: \"$DOCKER_TLS_CERTDIR/client\"`")
            edit = add_sibling_entries(project, s.docker_host, {
                "DOCKER_TLS_VERIFY": yaml_scalar("1"), "DOCKER_CERT_PATH": yaml_scalar("$DOCKER_TLS_CERTDIR/client")})
            fix = Fix("Set the TLS client variables", (edit,), Applicability.UNSAFE) if edit else None
            return Finding(self.rule_id, message, location(s.docker_host.node), Severity.MAJOR, fix=fix,
                           related=related, route=("tls-client", s.docker_host.name, s.service.name))
        return None

    @staticmethod
    def _fix_port(project: Project, s: DindSetup, old: str, new: str) -> Fix | None:
        assert s.docker_host is not None
        source = project.workspace.source(s.docker_host.node.path)
        edit = replace_in_scalar(source, s.docker_host.node, old, new) if isinstance(source, SourceFile) else None
        return Fix(f"Connect to port {new[1:]}", (edit,), Applicability.UNSAFE) if edit else None

    @staticmethod
    def _fix_plain(project: Project, s: DindSetup) -> Fix | None:
        assert s.docker_host is not None
        edit = add_sibling_entries(project, s.docker_host, {"DOCKER_TLS_CERTDIR": yaml_scalar("")})
        return Fix("Turn dind TLS off to match port 2375", (edit,), Applicability.UNSAFE) if edit else None


def _client_uses_tls(s: DindSetup) -> bool:
    if not s.tls:
        return False
    if s.port is not None:
        return s.port == 2376 and _client_targets_service(s)
    return s.docker_host is None and s.entrypoint_runs


def _volume_target(spec: str) -> str:
    """The container path of a docker volume spec: `/certs/client`, `src:/dst[:mode]`."""
    parts = spec.split(":")
    return parts[1] if len(parts) > 1 else parts[0]


def _cert_paths(s: DindSetup) -> set[str]:
    base = "/certs"
    if s.tls_source is not None and s.tls_source.value:
        base = s.job.expand(s.tls_source.value).text.rstrip("/") or "/certs"
    return {base, f"{base}/client", f"{base}/client/"}


class DindTlsClientCerts:
    rule_id = "NET002"

    def run(self, project: Project) -> Iterator[Finding]:
        reported: set[tuple[int, int]] = set()
        unknown: dict[int, tuple[DindSetup, list[str]]] = {}
        for s in dind_setups(project):
            if not _client_uses_tls(s):
                continue
            if not s.runners:
                unknown.setdefault(id(s.service.name_node), (s, []))[1].append(s.job.name)
                continue
            for choice in s.runners:
                key = (id(choice.runner), id(s.service.name_node))
                if key in reported:
                    continue
                finding = self._runner(project, s, choice)
                if finding is not None:
                    reported.add(key)
                    yield finding
        for s, jobs in unknown.values():
            yield Finding(
                self.rule_id,
                f"the dind service `{s.service.name}` (jobs {_jobs(jobs)}) uses TLS: its runner must share the client "
                "certificates with the job (`volumes = [\"/certs/client\"]` in `[runners.docker]`, or an `empty_dir` "
                "mounted at `/certs/client` on Kubernetes), else the client falls back to tcp://docker:2375 "
                "('Cannot connect to the Docker daemon'); pass the runner configuration with --runner-config to check it",
                location(s.service.name_node), Severity.INFO, route=("certs-unknown-runner", s.service.name),
            )

    def _runner(self, project: Project, s: DindSetup, choice: RunnerChoice) -> Finding | None:
        runner = choice.runner
        paths = _cert_paths(s)
        executor = runner.executor or ""
        if executor in DOCKER_EXECUTORS:
            volumes = runner.docker.strings("volumes")
            if any(_volume_target(v).rstrip("/") in paths for v in volumes):
                return None
            setting = runner.docker.setting("volumes")
            anchor = setting.node if setting else (runner.docker.node or runner.table.node)
            fix = self._docker_fix(project, choice, setting)
            what = "`volumes` of `[runners.docker]` has no `/certs/client`"
        elif executor == "kubernetes":
            mounts = [t.text("mount_path") or "" for kind in ("empty_dir", "host_path", "secret", "config_map", "pvc", "csi")
                      for t in runner.kubernetes.table("volumes").tables(kind)]
            if any(m.rstrip("/") in paths for m in mounts):
                return None
            anchor = runner.kubernetes.node or runner.table.node
            fix = None
            what = "`[runners.kubernetes]` mounts no volume at `/certs/client` (an `empty_dir` shared by job and service)"
        else:
            return None
        if anchor is None:
            return None
        return Finding(
            self.rule_id,
            f"runner `{runner.name}` runs job `{s.job.name}` with the TLS dind service `{s.service.name}`, but {what}: "
            "the client never sees the certificates dind writes and fails ('Cannot connect to the Docker daemon at "
            "tcp://docker:2375' or 'open /certs/client/ca.pem: no such file or directory')",
            location(anchor), Severity.BLOCKER, fix=fix,
            related=(Related(location(s.service.name_node), f"the dind service of job `{s.job.name}`"),),
            route=("certs", runner.name, s.service.name),
        )

    @staticmethod
    def _docker_fix(project: Project, choice: RunnerChoice, setting) -> Fix | None:
        source = project.workspace.source(choice.runner.path)
        if not isinstance(source, SourceFile):
            return None
        if choice.config.kind == "helm" and getattr(choice.config.config_node, "style", "") != "|":
            return None
        if setting is not None:
            edit = append_to_array(source, setting.node, "/certs/client")
        elif choice.runner.docker.node is not None:
            edit = add_toml_key(source, choice.runner.docker.node, "volumes", ["/certs/client", "/cache"])
        else:
            edit = None
        return Fix("Share /certs/client between the dind service and the job", (edit,), Applicability.UNSAFE) if edit else None


_MTU_FLAG = re.compile(r"^--mtu(?:=(\d+))?$")


def _mtu_flag(service: Service) -> tuple[int | None, bool]:
    """(value, present) of `--mtu` in a service's command."""
    command = list(service.command)
    for index, word in enumerate(command):
        match = _MTU_FLAG.match(word.strip())
        if match:
            value = match.group(1) or (command[index + 1] if index + 1 < len(command) else "")
            return (int(value) if str(value).isdigit() else None), True
    return None, False


class DindMtuNotSet:
    rule_id = "NET007"

    def run(self, project: Project) -> Iterator[Finding]:
        best: dict[int, tuple[Severity, str, int | None, DindSetup, list[str]]] = {}
        for s in dind_setups(project):
            value, present = _mtu_flag(s.service)
            verdict = self._verdict(s, value, present)
            if verdict is None:
                continue
            severity, reason, mtu = verdict
            key = id(s.service.name_node)
            current = best.get(key)
            if current is None or severity > current[0]:
                best[key] = (severity, reason, mtu, s, (current[4] if current else []))
            best[key][4].append(s.job.name)
        for severity, reason, mtu, s, jobs in best.values():
            value, present = _mtu_flag(s.service)
            if present:
                message = (f"the dind service `{s.service.name}` (jobs {_jobs(jobs)}) sets `--mtu={value}`, larger than "
                           f"{reason}: packets of inner containers are dropped")
                yield Finding(self.rule_id, message, location(s.service.command_node or s.service.name_node), severity,
                              route=("mtu-too-large", s.service.name))
                continue
            shown = mtu or _SAAS_MTU
            message = (f"the dind service `{s.service.name}` (jobs {_jobs(jobs)}) has no `--mtu`: the inner dockerd uses "
                       f"MTU 1500 whatever the outer network's, {reason}, so TLS handshakes and downloads in "
                       f"`docker build` hang; add `command: [\"--mtu={shown}\"]`")
            edit = self._edit(project, s.service, shown)
            applicability = Applicability.UNSAFE if mtu is not None else Applicability.DISPLAY_ONLY
            fix = Fix(f"Start dind with --mtu={shown}", (edit,), applicability) if edit else None
            yield Finding(self.rule_id, message, location(s.service.name_node), severity, fix=fix,
                          route=("mtu", s.service.name))
        yield from self._nested_networks(project)

    def _nested_networks(self, project: Project) -> Iterator[Finding]:
        """`docker network create` inside dind: a user-defined network gets MTU 1500 even when dockerd
        runs with `--mtu`, unless the driver option is given."""
        seen: set[int] = set()
        for s in dind_setups(project):
            verdict = self._verdict(s, None, False)
            if verdict is None or verdict[0] < Severity.MAJOR:
                continue
            if any("default-network-opt" in w and "mtu" in w for w in s.service.command):
                continue  # dockerd 24+: `--default-network-opt=bridge=com.docker.network.driver.mtu=N`
            for item in job_commands(s.job, project):
                args = [w.text for w in item.command.args]
                if item.command.name != "docker" or args[:2] != ["network", "create"] or id(item.line.node) in seen:
                    continue
                if any("com.docker.network.driver.mtu" in a for a in args):
                    continue
                seen.add(id(item.line.node))
                yield Finding(
                    self.rule_id,
                    f"job `{s.job.name}` creates a Docker network inside dind without an MTU, {verdict[1]}: containers on "
                    "that network use MTU 1500 even when dockerd has `--mtu`; add "
                    f"`-o com.docker.network.driver.mtu={verdict[2] or _SAAS_MTU}`",
                    location(item.line.node), verdict[0], route=("nested-network-mtu", s.job.name),
                )

    @staticmethod
    def _verdict(s: DindSetup, value: int | None, present: bool) -> tuple[Severity, str, int | None] | None:
        network_mtus = [m for c in s.runners if (m := c.runner.docker.number("network_mtu"))]
        if present:
            limit = min(network_mtus) if network_mtus else None
            if value is not None and limit is not None and value > limit:
                return Severity.MAJOR, f"the runner's `network_mtu` ({limit})", limit
            return None
        if network_mtus and min(network_mtus) < 1500:
            return Severity.MAJOR, f"and the runner's job network has MTU {min(network_mtus)}", min(network_mtus)
        if any(t.startswith("saas-linux-") for t in s.job.tags):
            return Severity.MAJOR, f"and GitLab-hosted runners (tags `saas-linux-*`) use MTU {_SAAS_MTU}", _SAAS_MTU
        if s.kubernetes:
            return Severity.MAJOR, "and Kubernetes overlay networks usually have a smaller MTU (about 1450)", None
        return Severity.INFO, "which breaks when the runner's network has a smaller MTU (overlays, VPNs, GitLab-hosted runners: 1360)", None

    @staticmethod
    def _edit(project: Project, service: Service, mtu: int) -> Edit | None:
        flag = f"--mtu={mtu}"
        source = project.workspace.source(service.node.path)
        if service.command_node is not None:
            if not isinstance(source, SourceFile) or not isinstance(service.command_node, YSeq):
                return None
            return append_seq_item(source, service.command_node, yaml_scalar(flag))
        return add_service_entry(project, service, "command", f"[{yaml_scalar(flag)}]")


def _waits_for_daemon(job: Job) -> bool:
    for line in (*job.before_script, *job.script):
        if _WAIT.search(line.text):
            return True
        if re.search(r"\bdocker\b", line.text):
            return False
    return False


class DindNotReadyOnKubernetes:
    rule_id = "NET008"

    def run(self, project: Project) -> Iterator[Finding]:
        groups: dict[int, tuple[DindSetup, list[str]]] = {}
        for s in dind_setups(project):
            if not s.kubernetes or "HEALTHCHECK_TCP_PORT" in s.service.variables \
                    or "HEALTHCHECK_TCP_PORT" in s.job.variables or _waits_for_daemon(s.job):
                continue
            groups.setdefault(id(s.service.name_node), (s, []))[1].append(s.job.name)
        for s, jobs in groups.values():
            port = str(s.listening_port())
            yield Finding(
                self.rule_id,
                f"the dind service `{s.service.name}` (jobs {_jobs(jobs)}) runs on Kubernetes, where the runner does not "
                "wait for a service unless `HEALTHCHECK_TCP_PORT` is set: the first docker command can run before "
                f"dockerd listens ('Cannot connect to the Docker daemon'); set `HEALTHCHECK_TCP_PORT: \"{port}\"` in the "
                "service's `variables`",
                location(s.service.name_node), Severity.MAJOR, fix=self._fix(project, s, port),
                route=("not-ready", s.service.name),
            )
        for finding in self._docker_runners(project):
            yield finding

    @staticmethod
    def _fix(project: Project, s: DindSetup, port: str) -> Fix | None:
        variables = own_entry(s.service.node, "variables") if isinstance(s.service.node, YMap) else None
        source = project.workspace.source(s.service.node.path)
        if isinstance(variables, YMap) and isinstance(source, SourceFile):
            edit = add_yaml_entry(source, variables, "HEALTHCHECK_TCP_PORT", yaml_scalar(port))
        elif variables is None:
            edit = add_service_entry(project, s.service, "variables", {"HEALTHCHECK_TCP_PORT": yaml_scalar(port)})
        else:
            edit = None
        applicability = Applicability.SAFE if s.tls_explicit else Applicability.UNSAFE
        return Fix(f"Wait for dind on port {port}", (edit,), applicability) if edit else None

    @staticmethod
    def _docker_runners(project: Project) -> Iterator[Finding]:
        seen: set[int] = set()
        for s in dind_setups(project):
            for choice in s.runners:
                setting = choice.runner.docker.setting("wait_for_services_timeout")
                if (choice.runner.executor or "") not in DOCKER_EXECUTORS or setting is None \
                        or setting.value != -1 or id(setting.node) in seen:
                    continue
                seen.add(id(setting.node))
                yield Finding(
                    "NET008",
                    f"runner `{choice.runner.name}` sets `wait_for_services_timeout = -1`, which turns off the wait for "
                    f"services, and runs the dind service `{s.service.name}` of job `{s.job.name}`: the first docker "
                    "command can run before dockerd listens (and Runner 18.7 fails the job with 'service failed to start'); "
                    "remove the setting (default 30 s)",
                    location(setting.node), Severity.MAJOR,
                    related=(Related(location(s.service.name_node), "the dind service"),),
                    route=("no-service-wait", choice.runner.name),
                )


def _uses_docker_cli(project: Project, job: Job) -> bool:
    return any(item.command.name in ("docker", "docker-compose") for item in job_commands(job, project))


def _sets_in_script(job: Job, name: str) -> bool:
    return any(name in line.text for line in job.script_lines())


def _socket_mounted(s: DindSetup) -> bool:
    return any("docker.sock" in v for c in s.runners for v in c.runner.docker.strings("volumes"))


class DockerEndpointUnsetOrLocalhost:
    rule_id = "NET009"

    def run(self, project: Project) -> Iterator[Finding]:
        unset: dict[int, tuple[DindSetup, list[str]]] = {}
        loopback: dict[tuple[int, int], tuple[DindSetup, list[str]]] = {}
        old: dict[int, DindSetup] = {}
        for s in dind_setups(project):
            if s.docker_host is None:
                if s.image is None or s.entrypoint_runs or _sets_in_script(s.job, "DOCKER_HOST") or _socket_mounted(s) \
                        or not _uses_docker_cli(project, s.job):
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
            yield self._unset(project, s, jobs)
        for s, jobs in loopback.values():
            yield self._loopback(project, s, jobs)
        for s in old.values():
            yield Finding(
                self.rule_id,
                f"the dind service `{s.service.name}` is 19.03.0/19.03.1, whose entrypoint made dockerd listen on the "
                f"job's `DOCKER_HOST` ({s.docker_host.value if s.docker_host else ''}): 'failed to load listeners' or "
                "'address already in use'; use a current pinned version",
                location(s.service.name_node), Severity.INFO, route=("old-dind-listener", s.service.name),
            )

    def _unset(self, project: Project, s: DindSetup, jobs: list[str]) -> Finding:
        alias = next(iter(s.service.aliases), None) or (s.service.derived_aliases(s.job.variables) or ("docker",))[0]
        port = s.listening_port()
        if s.kubernetes and is_docker_cli_image(s.job, s.runners):
            why = "the Kubernetes executor does not run the `docker` image entrypoint that would set it"
        elif (image := job_image(s.job, s.runners)) is not None and image.entrypoint is not None:
            why = "the job image's `entrypoint` is overridden, so the `docker` image's entrypoint that would set it does not run"
        else:
            why = f"only the `docker` image's entrypoint points the client at the service, and the job image is `{s.image}`"
        message = (f"jobs {_jobs(jobs)} use the dind service `{s.service.name}` but do not set `DOCKER_HOST`, and {why}: "
                   "the client uses unix:///var/run/docker.sock ('Cannot connect to the Docker daemon at "
                   f"unix:///var/run/docker.sock'); set `DOCKER_HOST: tcp://{alias}:{port}`"
                   + (" with the TLS client variables" if s.tls else "")
                   + " (unless the project's CI/CD settings set it)")
        fix = None
        if not s.tls and s.tls_explicit and len(jobs) == 1:
            edit = add_job_variable(project, s.job, "DOCKER_HOST", yaml_scalar(f"tcp://{alias}:{port}"))
            fix = Fix(f"Set DOCKER_HOST to tcp://{alias}:{port}", (edit,), Applicability.UNSAFE) if edit else None
        return Finding(self.rule_id, message, location(s.service.name_node), Severity.MAJOR, fix=fix,
                       route=("endpoint-unset", s.service.name))

    def _loopback(self, project: Project, s: DindSetup, jobs: list[str]) -> Finding:
        assert s.docker_host is not None and s.host is not None
        alias = next(iter(s.service.aliases), None) or (s.service.derived_aliases(s.job.variables) or ("docker",))[0]
        source = project.workspace.source(s.docker_host.node.path)
        edit = replace_in_scalar(source, s.docker_host.node, f"//{s.host}:", f"//{alias}:") \
            if isinstance(source, SourceFile) else None
        return Finding(
            self.rule_id,
            f"`DOCKER_HOST` ({s.docker_host.value}) of {_jobs(jobs)} points at {s.host}, but on the Docker executor the "
            f"dind service `{s.service.name}` is another container: {s.host} is the job container itself; use "
            f"tcp://{alias}:{s.port}",
            location(s.docker_host.node), Severity.BLOCKER,
            fix=Fix(f"Connect to the service as `{alias}`", (edit,), Applicability.UNSAFE) if edit else None,
            related=(Related(location(s.service.name_node), "the dind service"),),
            route=("endpoint-loopback", s.service.name),
        )
