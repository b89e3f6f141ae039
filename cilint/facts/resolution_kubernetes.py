"""The containers of a job on the Kubernetes executor: one pod, one resolver (facts/resolution)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cilint.facts.resolution import (
    CLUSTER_DOMAIN,
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
from cilint.facts.hosts import is_dns1123_subdomain, looks_like_cluster_dns
from cilint.findings import Location
from cilint.models.pipeline import Job
from cilint.syntax.nodes import location

if TYPE_CHECKING:  # runner models load only for projects with runner configuration
    from cilint.models.runner import Runner

_KUBELET = "the kubelet (ClusterFirst)"


def kubernetes_network(job: Job, runner: Runner | None, effects: ScriptEffects = ScriptEffects()) -> JobNetwork:
    pod = _pod_resolver(job, runner)
    containers = []
    image, library, source = build_library(job, runner)
    build = effects.applied(_with(pod, library, source, old_musl_of(image, job)))
    containers.append(Container("build", "build", image, build, ("build",)))
    helper, helper_source = helper_library(runner)
    containers.append(Container("helper", "helper", None, _with(pod, helper, helper_source, helper_old_musl(runner))))
    for service in job.services:
        names = service_names(job, service)
        library, source = image_library(service.name, "the service's image")
        resolver = _with(pod, library, source, old_musl_of(service.name, job))
        containers.append(Container("service", service_container(job, service), service.name, resolver, names,
                                    dind_notes(service, resolver)))
    for service in dind_services(job):
        containers.append(Container("dind-run", service_container(job, service).replace("service:", "dind-run:", 1), None,
                                    dind_run_resolver(service, pod)))
    policy = runner.kubernetes_dns().policy if runner is not None else "ClusterFirst"
    invalid = invalid_aliases(job)
    refused = (f"the runner refuses to create the pod: the service alias {', '.join(sorted(invalid))} is not a "
               "DNS-1123 name" if invalid else "")
    dropped = frozenset(n for s in job.services for n in service_names(job, s)
                        if n not in s.aliases and not is_dns1123_subdomain(n))
    return JobNetwork(job, runner, "kubernetes", f"one pod (dns_policy {policy}): its containers share one resolv.conf "
                      "and /etc/hosts, and reach the services on 127.0.0.1", tuple(containers), refused, dropped, invalid)


def _with(pod: Resolver, library: str, source: Source, old_musl: str | None = None) -> Resolver:
    return Resolver(pod.nameservers, pod.search, pod.options, pod.hosts, library, source, pod.embedded, pod.cluster,
                    old_musl=old_musl)


def _pod_resolver(job: Job, runner: Runner | None) -> Resolver:
    dns = runner.kubernetes_dns() if runner is not None else None
    policy = dns.policy if dns is not None else "ClusterFirst"
    table = runner.kubernetes if runner is not None else None
    where = f"runner `{runner.name}`: [runners.kubernetes]" if runner is not None else ""
    config = table.table("dns_config") if table is not None else None
    at = location(config.node) if config is not None and config.node is not None else None
    servers: list[Line] = []
    search: list[Line] = []
    options: list[Line] = []
    if policy in ("ClusterFirst", "ClusterFirstWithHostNet"):
        namespace = (table.text("namespace") if table is not None else None) or "default"
        servers.append(Line("the cluster DNS service (kube-dns)", Source(_KUBELET), False))
        if "{{" in namespace or "$" in namespace:  # a Helm template or a variable: the namespace is not known here
            search.append(Line(f"<the job's namespace>.svc.{CLUSTER_DOMAIN}", Source(_KUBELET), False))
        else:
            search.append(Line(f"{namespace}.svc.{CLUSTER_DOMAIN}", Source(_KUBELET)))
        search.extend(Line(s, Source(_KUBELET)) for s in (f"svc.{CLUSTER_DOMAIN}", CLUSTER_DOMAIN))
        search.append(Line("the node's search domains", Source(_KUBELET + " appends the node's"), False))
        options.append(Line("ndots:5", Source(_KUBELET)))
    elif policy == "Default":
        servers.append(Line("the node's nameservers", Source(f"{where} dns_policy = \"default\": the node's resolv.conf",
                                                             _setting_location(runner, "dns_policy")), False))
        search.append(Line("the node's search domains", Source("the node's resolv.conf"), False))
    if dns is not None:
        servers.extend(Line(s, Source(f"{where} dns_config nameservers", at)) for s in dns.nameservers)
        search.extend(Line(s, Source(f"{where} dns_config searches", at)) for s in dns.searches)
        for name, value in dns.options.items():
            options = [o for o in options if not o.value.startswith(f"{name}:")]
            options.append(Line(f"{name}:{value}" if value is not None else name, Source(f"{where} dns_config options", at)))
    hosts = [HostsEntry(n, "127.0.0.1", Source("the runner maps each service name to the pod (hostAliases)"))
             for s in job.services for n in service_names(job, s) if is_dns1123_subdomain(n)]
    if runner is not None:
        for name, address in runner.host_aliases().items():
            hosts.append(HostsEntry(name, address, Source(f"{where} host_aliases", _setting_location(runner, "host_aliases"))))
    # with `none`, a listed server that looks like the cluster DNS (the .10 of a private range) is taken for it
    cluster = policy in ("ClusterFirst", "ClusterFirstWithHostNet") or (
        policy == "None" and bool(servers) and looks_like_cluster_dns(servers[0].value))
    return Resolver(tuple(servers), tuple(search), tuple(options), tuple(hosts), "unknown", Source(""), cluster=cluster)


def _setting_location(runner: Runner | None, key: str) -> Location | None:
    setting = runner.kubernetes.setting(key) if runner is not None else None
    return location(setting.node) if setting is not None else None
