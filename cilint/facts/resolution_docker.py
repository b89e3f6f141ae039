"""The containers of a job on the Docker executor (or on a runner cilint does not know, which GitLab's
Docker executor stands for) and the resolver each gets (facts/resolution)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from cilint.facts.hosts import EMBEDDED_DNS
from cilint.facts.resolution import (
    Container,
    HostsEntry,
    JobNetwork,
    Line,
    Resolver,
    ScriptEffects,
    Source,
    build_library,
    dind_run_resolver,
    dind_notes,
    dind_services,
    helper_library,
    helper_old_musl,
    image_library,
    invalid_aliases,
    old_musl_of,
    service_container,
    service_names,
)
from cilint.models.pipeline import Job
from cilint.syntax.nodes import location

if TYPE_CHECKING:  # runner models load only for projects with runner configuration
    from cilint.models.runner import Runner


def docker_network(job: Job, runner: Runner | None, executor: str, per_build: bool,
                   effects: ScriptEffects = ScriptEffects()) -> JobNetwork:
    mode = runner.docker.text("network_mode") if runner is not None else None
    upstream, search, extra = _runner_settings(runner)
    names = {s.name: service_names(job, s) for s in job.services}
    if mode == "host":
        base = Resolver(upstream, search, (), extra, "unknown", Source(""))
        network = "`network_mode = \"host\"`: every container uses the host's network; no service names"
        embedded: frozenset[str] = frozenset()
    elif per_build or (mode and mode not in ("bridge", "default")):
        embedded = frozenset({"build", *(n for ns in names.values() for n in ns)})
        forwards = ", ".join(line.value for line in upstream)
        base = Resolver((Line(EMBEDDED_DNS, Source(f"Docker's embedded resolver on a user-defined network: it answers "
                                                    f"the containers' names and forwards the rest to {forwards}")),),
                        search, (), extra, "unknown", Source(""), embedded=embedded)
        network = (f"the network `{mode}`" if mode and not per_build else "a per-build network (FF_NETWORK_PER_BUILD)") + \
            ": every container reaches the others by name through 127.0.0.11"
    else:
        base = Resolver(upstream, search, (), extra, "unknown", Source(""))
        network = "Docker's default bridge with legacy links: only the job container has the services' names"
        embedded = frozenset()
    return JobNetwork(job, runner, executor if executor != "unknown" else "shown as GitLab's Docker executor",
                      network, tuple(_containers(job, runner, base, names, legacy=not embedded and mode != "host",
                                                 effects=effects)), invalid_aliases=invalid_aliases(job))


def _runner_settings(runner: Runner | None) -> tuple[tuple[Line, ...], tuple[Line, ...], tuple[HostsEntry, ...]]:
    if runner is None:
        return (Line("the runner host's nameservers", Source("Docker copies the host's resolv.conf"), False),), (), ()
    docker = runner.docker
    dns, search, hosts = docker.setting("dns"), docker.setting("dns_search"), docker.setting("extra_hosts")
    where = f"runner `{runner.name}`: [runners.docker]"
    upstream = tuple(Line(s, Source(f"{where} dns", location(dns.node))) for s in docker.strings("dns")) if dns else ()
    if not upstream:
        upstream = (Line("the runner host's nameservers", Source("Docker copies the host's resolv.conf "
                                                                 "(no `dns` in [runners.docker])"), False),)
    searches = tuple(Line(s, Source(f"{where} dns_search", location(search.node))) for s in docker.strings("dns_search")) \
        if search else ()
    extra = tuple(HostsEntry(name, address, Source(f"{where} extra_hosts", location(hosts.node)))
                  for name, address in runner.docker_dns().extra_hosts.items()) if hosts else ()
    return upstream, searches, extra


def _containers(job: Job, runner: Runner | None, base: Resolver, names: dict[str, tuple[str, ...]], legacy: bool,
                effects: ScriptEffects) -> list[Container]:
    image, library, source = build_library(job, runner)
    links = tuple(HostsEntry(n, f"the service container `{ns[0]}`",
                             Source("a legacy link to the service (GitLab Runner 18.7+: extra_hosts of the job container)"))
                  for service, ns in names.items() for n in ns) if legacy else ()
    build = effects.applied(Resolver(base.nameservers, base.search, base.options, (*base.hosts, *links), library, source,
                                     base.embedded, base.cluster))
    containers = [Container("build", "build", image, replace(build, old_musl=old_musl_of(image, job)), ("build",))]
    helper, helper_source = helper_library(runner)
    containers.append(Container("helper", "helper", None, Resolver(
        base.nameservers, base.search, base.options, base.hosts, helper, helper_source, base.embedded, base.cluster,
        old_musl=helper_old_musl(runner))))
    for service in job.services:
        library, source = image_library(service.name, "the service's image")
        resolver = Resolver(base.nameservers, base.search, base.options, base.hosts, library, source, base.embedded,
                            base.cluster, old_musl=old_musl_of(service.name, job))
        containers.append(Container("service", service_container(job, service), service.name, resolver,
                                    names.get(service.name, ()),
                                    dind_notes(service, resolver)))
    for service in dind_services(job):
        name = service_container(job, service)
        parent = next(c.resolver for c in containers if c.name == name)
        containers.append(Container("dind-run", name.replace("service:", "dind-run:", 1), None,
                                    dind_run_resolver(service, parent)))
    return containers
