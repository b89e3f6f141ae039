"""How jobs and services reach each other: NET003 registry-path hostnames, NET005 service-to-service
without a per-build network, NET010 port collisions in a shared namespace, NET011 host networking
(dns-catalog.md R03, R05, R10, R11)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, lru_cache

from cilint.checks.common import (
    DOCKER_EXECUTORS,
    image_facts,
    is_dind,
    is_docker_cli_image,
    known_executors,
    known_runners,
    network_per_build,
)
from cilint.checks.context import expander, job_commands
from cilint.edits.pipeline import add_job_variable, add_service_entry
from cilint.findings import Applicability, Finding, Fix, Related, Severity
from cilint.models.images import parse_image
from cilint.models.pipeline import Job, Service
from cilint.loading.project import Project
from cilint.shell.network import command_targets, hosts_in_text, value_hosts
from cilint.syntax.nodes import location
from cilint.syntax.yaml import YNode

_HOST_NAMES = re.compile(r"(_HOST|_HOSTNAME|_URL|_URI|_ADDR|_ADDRESS|_ENDPOINT|_SERVER|_DSN)$", re.IGNORECASE)
_BARE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$")
_OPTION_HOST = re.compile(r"^--?[A-Za-z0-9-]*host[A-Za-z0-9-]*=(.+)$", re.IGNORECASE)


@dataclass(frozen=True, slots=True, eq=False)
class Reference:
    """A hostname a job uses, and where it is written."""

    host: str
    node: YNode  # where the name is written
    via: str  # "variable `X`", "script", ...


@lru_cache(maxsize=4096)  # every job repeats the pipeline's global variables
def variable_hosts(name: str, value: str) -> tuple[str, ...]:
    """Hosts a variable value names: URLs, host:port and dotted host names always; a single-label
    name when the variable's name says it holds a host (`DB_HOST: postgres`)."""
    found = tuple(value_hosts(value))
    if not found and _HOST_NAMES.search(name) and _BARE.match(value.strip()):
        return (value.strip().lower(),)
    return found


def job_references(project: Project, job: Job) -> tuple[Reference, ...]:
    key = ("job_references", id(job))
    found = project.memo.get(key)
    if found is None:
        found = project.memo[key] = tuple(_references(project, job))
    return found


def _references(project: Project, job: Job) -> Iterator[Reference]:
    for variable in job.variables.values():
        value = variable.value
        if value is None:
            continue
        if "$" in value:  # most values have nothing to expand
            expansion = job.expand(value)
            if expansion.unresolved:
                continue
            value = expansion.text
        for host in variable_hosts(variable.name, value):
            yield Reference(host, variable.node, f"variable `{variable.name}`")
    expand = expander(job)
    for item in job_commands(job, project):
        for target in command_targets(item.command, expand):
            yield Reference(target.host, item.line.node, f"`{target.tool}` in the script")


def service_names(job: Job, service: Service) -> tuple[set[str], bool]:
    """(hostnames the runner gives the service, complete?): explicit aliases and derived names."""
    derived = service.derived_aliases(job.variables)
    names = {a.lower() for a in service.aliases} | {a.lower() for a in derived or ()}
    return names, derived is not None


def _service_texts(job: Job, service: Service) -> Iterator[tuple[str, YNode]]:
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


class ServiceHostnameFromRegistryPath:
    rule_id = "NET003"

    def run(self, project: Project) -> Iterator[Finding]:
        reported: set[int] = set()
        for pipeline in project.pipelines:
            for job in pipeline.jobs.values():
                if not any("/" in s.name for s in job.services):
                    continue  # only a service pulled from a path loses its short name
                provided: set[str] = set()
                for service in job.services:
                    provided |= service_names(job, service)[0]
                for choice in known_runners(project, job):
                    provided |= set(choice.runner.mapped_hosts())
                references = {r.host: r for r in job_references(project, job)}
                for service in job.services:
                    finding = self._service(project, job, service, provided, references)
                    if finding is not None and id(service.name_node) not in reported:
                        reported.add(id(service.name_node))
                        yield finding

    def _service(self, project: Project, job: Job, service: Service, provided: set[str],
                 references: dict[str, Reference]) -> Finding | None:
        written = job.expand(service.name).text
        image = parse_image(written)
        short = image.short_name.lower()
        if "/" not in image.repository or short in provided or "$" in short:
            return None
        reference = references.get(short)
        via = reference.via if reference else None
        if reference is None and short == "docker" and is_dind(service) and "DOCKER_HOST" not in job.variables \
                and is_docker_cli_image(job):
            via = "the `docker` image's default DOCKER_HOST (tcp://docker:2375/2376)"
        if via is None:
            return None
        same_short = [s for s in job.services if parse_image(job.expand(s.name).text).short_name.lower() == short]
        fix = None
        if not service.aliases and len(same_short) == 1:
            edit = add_service_entry(project, service, "alias", short)
            fix = Fix(f"Add `alias: {short}`", (edit,), Applicability.SAFE) if edit else None
        derived = service.derived_aliases(job.variables)
        shown = f" ({', '.join(f'`{d}`' for d in derived)})" if derived else ""
        related = (Related(location(reference.node), f"`{short}` is used here"),) if reference else ()
        return Finding(
            self.rule_id,
            f"job `{job.name}` reaches `{short}` ({via}), but the service `{service.name}` is pulled from a registry "
            f"path, so the runner names it after the full path{shown}, not `{short}`: 'no such host'; add `alias: {short}` to the service",
            location(service.name_node), Severity.BLOCKER, fix=fix, related=related,
            route=("registry-path-hostname", service.name, short),
        )


class ServiceToServiceWithoutNetworkPerBuild:
    rule_id = "NET005"

    def run(self, project: Project) -> Iterator[Finding]:
        reported: set[tuple[int, str]] = set()
        for pipeline in project.pipelines:
            for job in pipeline.jobs.values():
                if len(job.services) < 1:
                    continue
                executors = known_executors(project, job)
                if executors and not executors & DOCKER_EXECUTORS:
                    continue  # Kubernetes: one pod, every service on localhost
                runners = [c.runner for c in known_runners(project, job)]
                if any(network_per_build(job, r) for r in runners) or (not runners and network_per_build(job, None)):
                    continue
                for service, host, node in self._calls(job):
                    key = (id(node), host)
                    if key not in reported:
                        reported.add(key)
                        yield self._finding(project, job, service, host, node, bool(runners) or bool(executors))

    @staticmethod
    def _calls(job: Job) -> Iterator[tuple[Service, str, YNode]]:
        names = {id(s): service_names(job, s)[0] for s in job.services}
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

    def _finding(self, project: Project, job: Job, service: Service, host: str, node: YNode, known: bool) -> Finding:
        other = next((o for o in job.services if o is not service and host in service_names(job, o)[0]), None)
        target = f"the service `{other.name}` as `{host}`" if other else f"the job container as `{host}`"
        if known:
            severity, caveat = Severity.MAJOR, ""
        else:
            severity, caveat = Severity.MINOR, (" (on the Docker executor; the runner may enable the flag itself, "
                                                "pass its configuration with --runner-config)")
        edit = add_job_variable(project, job, "FF_NETWORK_PER_BUILD", '"true"')
        return Finding(
            self.rule_id,
            f"the service `{service.name}` of job `{job.name}` connects to {target}, but without "
            "`FF_NETWORK_PER_BUILD` the runner gives service hostnames only to the job container, so services "
            f"cannot resolve each other{caveat}; set `FF_NETWORK_PER_BUILD: \"true\"`",
            location(node), severity,
            fix=Fix("Create a network per job", (edit,), Applicability.UNSAFE) if edit else None,
            related=(Related(location(service.name_node), "the service"),),
            route=("service-to-service", job.name, service.name, host),
        )


@cache
def _default_ports() -> dict[str, tuple[int, ...]]:
    table = image_facts().get("service_ports", {})
    return {name: tuple(ports) for name, ports in table.items()}


def _service_ports(job: Job, service: Service) -> tuple[int, ...] | None:
    """Ports the service listens on inside the namespace; None when its command may change them."""
    check = service.variables.get("HEALTHCHECK_TCP_PORT")
    if check is not None and check.value and check.value.strip().isdigit():
        return (int(check.value),)
    if any(re.match(r"^(-p|--port|-port|--http-port|--listen)\b", w) for w in service.command):
        return None
    if is_dind(service):
        return (2375, 2376)
    short = parse_image(job.expand(service.name).text).short_name.lower()
    return _default_ports().get(short)


class ServicePortCollision:
    rule_id = "NET010"

    def run(self, project: Project) -> Iterator[Finding]:
        reported: set[int] = set()
        for pipeline in project.pipelines:
            for job in pipeline.jobs.values():
                if len(job.services) < 2:
                    continue
                shared = self._shared_namespace(project, job)
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
                                f"the services `{earlier.name}` and `{service.name}` of job `{job.name}` both listen on "
                                f"port {common[0]}, and {shared}: the second fails with 'bind: address already in "
                                "use' or the job talks to the wrong one; start it on another port (for example its "
                                "`command`) or use one instance",
                                location(service.name_node), Severity.MAJOR,
                                related=(Related(location(earlier.name_node), "the first service on that port"),),
                                route=("port-collision", job.name, service.name, str(common[0])),
                            )
                    seen.append((service, ports))

    @staticmethod
    def _shared_namespace(project: Project, job: Job) -> str | None:
        if "kubernetes" in known_executors(project, job):
            return "on Kubernetes every service shares the job pod's network namespace"
        for choice in known_runners(project, job):
            if (choice.runner.executor or "") in DOCKER_EXECUTORS and choice.runner.docker.text("network_mode") == "host":
                return f"runner `{choice.runner.name}` runs services on the host network (`network_mode = \"host\"`)"
        return None


class HostNetworkWithServices:
    rule_id = "NET011"

    def run(self, project: Project) -> Iterator[Finding]:
        reported: set[tuple[int, str]] = set()
        for pipeline in project.pipelines:
            for job in pipeline.jobs.values():
                if not job.services or not any(
                        c.runner.docker.text("network_mode") == "host" for c in known_runners(project, job)):
                    continue
                references = {r.host: r for r in job_references(project, job)}
                for choice in known_runners(project, job):
                    runner = choice.runner
                    setting = runner.docker.setting("network_mode")
                    if (runner.executor or "") not in DOCKER_EXECUTORS or setting is None or setting.value != "host":
                        continue
                    for service in job.services:
                        names = service_names(job, service)[0]
                        used = sorted(n for n in names if n in references)
                        if is_dind(service) and "docker" in names and not used and "DOCKER_HOST" not in job.variables:
                            used = ["docker"]
                        key = (id(setting.node), service.name)
                        if not used or key in reported:
                            continue
                        reported.add(key)
                        yield self._finding(job, service, used[0], choice.runner.name, setting.node, references.get(used[0]))

    def _finding(self, job: Job, service: Service, host: str, runner: str, node: YNode, reference) -> Finding:
        plain_dind = is_dind(service) and (
            any(re.search(r"--tls(=|\s+)false", w) for w in service.command)
            or (job.variables.get("DOCKER_TLS_CERTDIR") is not None and not (job.variables["DOCKER_TLS_CERTDIR"].value or "").strip())
        )
        severity = Severity.CRITICAL if plain_dind else Severity.MAJOR
        extra = (" The dind service also listens without TLS on the host's port 2375: anyone who can reach the host "
                 "controls its Docker daemon." if plain_dind else "")
        related = [Related(location(service.name_node), f"the service of job `{job.name}`")]
        if reference is not None:
            related.append(Related(location(reference.node), f"`{host}` is used here"))
        return Finding(
            self.rule_id,
            f"runner `{runner}` uses `network_mode = \"host\"`, where the runner creates no links or aliases: job "
            f"`{job.name}` reaches the service `{service.name}` as `{host}`, which does not resolve ('Could not resolve "
            f"host: {host}'); remove `network_mode` (and use FF_NETWORK_PER_BUILD) or reach services on 127.0.0.1.{extra}",
            location(node), severity, related=tuple(related),
            route=("host-network", runner, service.name),
        )
