"""Checks: the behaviour behind each rule of the catalog. `ALL_CHECKS` is the explicit registry."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from cilint.findings import Finding
from cilint.loading.project import Project


class Check(Protocol):
    rule_id: str

    def run(self, project: Project) -> Iterator[Finding]: ...


def _registry() -> tuple[Check, ...]:
    from cilint.checks.dind import (
        DindMtuNotSet, DindNotReadyOnKubernetes, DindTlsClientCerts, DindTlsPortMismatch, DockerEndpointUnsetOrLocalhost,
    )
    from cilint.checks.dind_dns import DindDnsFlag
    from cilint.checks.local_hosts import DesktopOnlyHostname
    from cilint.checks.ndots import NdotsExternalLookups
    from cilint.checks.probes import ProbeBlocksAgentContext
    from cilint.checks.resolver import (
        ClusterNamesLost, MdnsLocalName, MuslIgnoredResolvOptions, MuslMixedNameservers, MuslNoTcpFallback, NdotsBreaksPartialNames,
    )
    from cilint.checks.resolv_conf import EmbeddedDnsMisuse, ResolvConfRewrite
    from cilint.checks.runner_dns import InvalidDnsConfig
    from cilint.checks.service_network import (
        HostNetworkWithServices, ServiceHostnameFromRegistryPath, ServicePortCollision, ServiceToServiceWithoutNetworkPerBuild,
    )
    from cilint.checks.proxy import NoProxyGaps
    from cilint.checks.runner_network import NetworkPerBuildIneffective, RunnerNetworkKeysMisplaced, RunnerUrlUnreachableFromJob
    from cilint.checks.services import DindUnpinnedOrUnprivileged, DuplicateServiceWithoutAlias, ServiceAliasNotDnsSafe

    return (
        DesktopOnlyHostname(),
        DindDnsFlag(),
        NdotsExternalLookups(),
        ProbeBlocksAgentContext(),
        ResolvConfRewrite(),
        InvalidDnsConfig(),
        EmbeddedDnsMisuse(),
        MuslMixedNameservers(),
        NdotsBreaksPartialNames(),
        MuslIgnoredResolvOptions(),
        ClusterNamesLost(),
        MuslNoTcpFallback(),
        MdnsLocalName(),
        ServiceAliasNotDnsSafe(),
        DuplicateServiceWithoutAlias(),
        DindUnpinnedOrUnprivileged(),
        DindTlsPortMismatch(),
        DindTlsClientCerts(),
        DindMtuNotSet(),
        DindNotReadyOnKubernetes(),
        DockerEndpointUnsetOrLocalhost(),
        ServiceHostnameFromRegistryPath(),
        ServiceToServiceWithoutNetworkPerBuild(),
        ServicePortCollision(),
        HostNetworkWithServices(),
        NetworkPerBuildIneffective(),
        RunnerNetworkKeysMisplaced(),
        RunnerUrlUnreachableFromJob(),
        NoProxyGaps(),
    )


ALL_CHECKS: tuple[Check, ...] = _registry()
