"""How each container of a job resolves names: the resolv.conf and /etc/hosts it gets, where each line
comes from, and its resolver library. One model for `cilint trace` and for the rules about resolution.

Docker (docs: runner executors/docker "Network configurations"; facts 4.2-4.3): on the default bridge
(legacy links) a container gets the host's resolv.conf, or the runner's `dns`/`dns_search`; the job
container alone gets the services' names in /etc/hosts. On a user-defined network (a per-build
network, or a named `network_mode`) every container asks Docker's embedded resolver, 127.0.0.11,
which answers the names of the containers on it. Kubernetes (docs: runner executors/kubernetes;
kubernetes dns-pod-service): one pod, whose containers share the resolv.conf the `dns_policy` and
`dns_config` give and an /etc/hosts where the runner maps each service alias to 127.0.0.1. Containers
a dind service starts get dind's resolv.conf without loopback servers (dockerd falls back to
8.8.8.8/8.8.4.4 when none is left), or dind's `--dns`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from cilint.facts.hosts import is_dns1123_subdomain
from cilint.facts.images import before_tcp_fallback, dns_flags, is_dind, is_musl_image, job_image, old_alpine
from cilint.facts.runner_jobs import helper_is_musl
from cilint.findings import Location
from cilint.models.pipeline import Job, Service
from cilint.syntax.nodes import location

if TYPE_CHECKING:  # runner models load only for projects with runner configuration
    from cilint.models.runner import Runner

# What Docker gives a container on its default bridge when no nameserver of the host is usable.
DOCKER_FALLBACK_SERVERS = ("8.8.8.8", "8.8.4.4")
CLUSTER_DOMAIN = "cluster.local"  # the kubelet's default `clusterDomain`; a cluster may use another


@dataclass(frozen=True, slots=True)
class Source:
    """Where a resolver setting comes from: what sets it and, when written in a file, where."""

    what: str
    location: Location | None = None


@dataclass(frozen=True, slots=True)
class Line:
    """A nameserver, search domain or option of a resolv.conf. `known` is False for what the files do
    not say (the runner host's nameservers, the node's search domains): `value` then describes it."""

    value: str
    source: Source
    known: bool = True


@dataclass(frozen=True, slots=True)
class HostsEntry:
    name: str
    target: str  # an address, or the container it reaches
    source: Source
    from_script: bool = False  # a job's script writes it (from that command on)


@dataclass(frozen=True, slots=True)
class ScriptEffects:
    """What a job's own scripts change in its container's resolver."""

    rewrites: tuple[Source, ...] = ()  # commands that rewrite /etc/resolv.conf
    hosts: tuple[HostsEntry, ...] = ()  # names the scripts add to /etc/hosts
    # what a script writes as the whole resolv.conf, when its text is in the script (`echo ... >`)
    written: tuple[Line, ...] | None = None

    def applied(self, resolver: Resolver) -> Resolver:
        """The job container's resolver once its scripts ran: their /etc/hosts lines, their resolv.conf."""
        hosts = (*resolver.hosts, *self.hosts)
        if self.written is None:
            return replace(resolver, hosts=hosts, rewritten=self.rewrites)
        servers = tuple(line for line in self.written if line.value.startswith("nameserver "))
        search = tuple(line for line in self.written if line.value.startswith("search "))
        options = tuple(line for line in self.written if line.value.startswith("options "))
        return replace(resolver, nameservers=tuple(replace(line, value=line.value.split()[1]) for line in servers),
                       search=tuple(replace(line, value=d) for line in search for d in line.value.split()[1:]),
                       options=tuple(replace(line, value=o) for line in options for o in line.value.split()[1:]),
                       hosts=hosts, embedded=resolver.embedded if any(
                           line.value.split()[1] == "127.0.0.11" for line in servers) else frozenset(),
                       cluster=False, rewritten=())


@dataclass(frozen=True, slots=True)
class Resolver:
    nameservers: tuple[Line, ...]
    search: tuple[Line, ...]
    options: tuple[Line, ...]
    hosts: tuple[HostsEntry, ...]
    library: str  # "musl", "glibc" or "unknown"
    library_source: Source
    embedded: frozenset[str] = frozenset()  # the container names Docker's embedded resolver answers
    cluster: bool = False  # the first nameserver is the cluster DNS
    rewritten: tuple[Source, ...] = ()  # scripts that rewrite /etc/resolv.conf in this container
    old_musl: str | None = None  # the Alpine release, when its musl cannot retry a truncated answer over TCP

    @property
    def ndots(self) -> int:
        for option in self.options:
            name, _, value = option.value.partition(":")
            if name == "ndots" and value.isdigit():
                return int(value)
        return 1


@dataclass(frozen=True, slots=True)
class Container:
    role: str  # "build", "service", "helper" or "dind-run"
    name: str  # "build", "service:postgres", "helper", "dind-run"
    image: str | None
    resolver: Resolver
    names: tuple[str, ...] = ()  # the names the job's other containers reach it by
    notes: tuple[str, ...] = ()  # what a lookup in it should also say


@dataclass(frozen=True, slots=True)
class JobNetwork:
    """The containers of one job on one runner (or on a runner cilint does not know)."""

    job: Job
    runner: Runner | None
    executor: str  # "docker", "kubernetes", ... or "unknown"
    network: str  # how the containers are connected, in words
    containers: tuple[Container, ...] = field(default=())
    refused: str = ""  # why the runner creates no containers at all (a service alias Kubernetes rejects)
    dropped: frozenset[str] = frozenset()  # service names the runner leaves out (not DNS-1123 labels)
    invalid_aliases: frozenset[str] = frozenset()  # written `alias:` names that are not DNS-1123 names

    def container(self, name: str) -> Container | None:
        return next((c for c in self.containers if c.name == name), None)


def service_names(job: Job, service: Service) -> tuple[str, ...]:
    return tuple(dict.fromkeys((*service.aliases, *(service.derived_aliases(job.variables) or ()))))


def invalid_aliases(job: Job) -> frozenset[str]:
    """The `alias:` names written for the job's services that are not DNS-1123 subdomains (NET004)."""
    return frozenset(a for s in job.services for a in s.aliases if not is_dns1123_subdomain(a))


def service_container(job: Job, service: Service) -> str:
    """The name `cilint trace` gives a service's container: `service:` and its first name."""
    return f"service:{(service_names(job, service) or (service.name,))[0]}"


def old_musl_of(image: str | None, job: Job | None = None) -> str | None:
    """The Alpine release of an image whose musl predates the TCP fallback (DNS012), else None."""
    if not image:
        return None
    return old_alpine(job.expand(image).text if job is not None else image)


def helper_old_musl(runner: Runner | None) -> str | None:
    """The helper's Alpine release when its flavour predates musl's TCP fallback (`alpine3.16`)."""
    if runner is None:
        return None
    table = runner.kubernetes if runner.executor == "kubernetes" else runner.docker
    match = re.fullmatch(r"alpine(\d+)\.(\d+)", table.text("helper_image_flavor") or "")
    if match and before_tcp_fallback(int(match.group(1)), int(match.group(2))):
        return f"{match.group(1)}.{match.group(2)}"
    return None


def image_library(image: str | None, what: str) -> tuple[str, Source]:
    if image is None:
        return "unknown", Source(f"{what}: not known from the files")
    return ("musl" if is_musl_image(image) else "glibc"), Source(f"{what} `{image}`")


def build_library(job: Job, runner: Runner | None) -> tuple[str | None, str, Source]:
    image = job_image(job, ())
    if image is None and runner is not None:
        table = runner.kubernetes if runner.executor == "kubernetes" else runner.docker
        name = table.text("image")
        setting = table.setting("image")
        if name and setting is not None:
            library, _ = image_library(name, "")
            return name, library, Source(f"the runner's default image `{name}`", location(setting.node))
    name = image.name if image is not None else None
    library, source = image_library(name, "the job's image")
    if image is not None:
        source = Source(source.what, location(image.node))
    return name, library, source


def helper_library(runner: Runner | None) -> tuple[str, Source]:
    if runner is None:
        return "musl", Source("GitLab Runner's default helper image (Alpine)")
    musl = helper_is_musl(runner)
    return ("musl" if musl else "glibc"), Source("the runner's helper image" + (" (Alpine)" if musl else ""))


def dind_services(job: Job) -> tuple[Service, ...]:
    return tuple(s for s in job.services if is_dind(s))


def dind_notes(service: Service, resolver: Resolver) -> tuple[str, ...]:
    """A dind service whose `--dns` names servers its own container does not use: dockerd resolves
    registries (pulls, pushes, logins) with the container's, the flag serves only the containers it starts.
    `--dns=127.0.0.11` is another matter (Docker's embedded resolver, GitLab's per-build-network workaround)."""
    flags = [f.value for f in dns_flags(service) if f.value]
    if not is_dind(service) or not flags or "127.0.0.11" in flags:
        return ()
    if set(flags) <= {s.value for s in resolver.nameservers if s.known}:
        return ()  # the runner already gives the container these servers
    return ("dind's `--dns` sets the resolv.conf of the containers dockerd starts, not dockerd's own: its pulls, "
            "pushes and logins resolve here",)


def dind_run_resolver(service: Service, parent: Resolver) -> Resolver:
    """What dockerd in a dind service gives the containers it starts: its `--dns`, else its own
    resolv.conf without loopback servers, else Docker's fallback servers."""
    flags = [f for f in dns_flags(service) if f.value]
    options = tuple(o for o in parent.options)
    if flags:
        servers = tuple(Line(f.value, Source("dind's `--dns`", location(f.node))) for f in flags)
    else:
        kept = tuple(n for n in parent.nameservers if not n.value.startswith("127.") and n.value != "::1")
        servers = kept or tuple(Line(s, Source("dockerd's fallback: dind's own resolv.conf has only a loopback "
                                                   "server, which its containers cannot reach")) for s in DOCKER_FALLBACK_SERVERS)
    return Resolver(servers, parent.search, options, (), "unknown", Source("the image of each RUN step or `docker run`"),
                    cluster=parent.cluster and not flags and bool(parent.nameservers) and not parent.embedded)


