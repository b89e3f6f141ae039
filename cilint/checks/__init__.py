"""Checks: the behaviour behind each rule of the catalog, one module per rule named by its id and
name. `ALL_CHECKS` is the explicit registry, sorted by rule id."""

from __future__ import annotations

from cilint.checks.base import Check
from cilint.checks.dns001_desktop_only_hostname import DesktopOnlyHostname
from cilint.checks.dns002_dind_dns_flag import DindDnsFlag
from cilint.checks.dns003_ndots_external_lookups import NdotsExternalLookups
from cilint.checks.dns004_probe_blocks_agent_context import ProbeBlocksAgentContext
from cilint.checks.dns005_resolv_conf_rewrite import ResolvConfRewrite
from cilint.checks.dns006_dns_config_invalid import InvalidDnsConfig
from cilint.checks.dns007_docker_embedded_dns_misuse import EmbeddedDnsMisuse
from cilint.checks.dns008_musl_mixed_nameservers import MuslMixedNameservers
from cilint.checks.dns009_ndots_breaks_partial_names import NdotsBreaksPartialNames
from cilint.checks.dns010_musl_ignored_resolv_options import MuslIgnoredResolvOptions
from cilint.checks.dns011_cluster_names_lost import ClusterNamesLost
from cilint.checks.dns012_musl_no_tcp_fallback import MuslNoTcpFallback
from cilint.checks.dns013_mdns_local_name import MdnsLocalName
from cilint.checks.glc001_schema_violation import SchemaViolation
from cilint.checks.glc002_duplicate_key import DuplicateKey
from cilint.checks.glc003_undefined_stage import UndefinedStage
from cilint.checks.glc004_job_without_script import JobWithoutScript
from cilint.checks.glc005_needed_job_undefined import NeededJobUndefined
from cilint.checks.glc006_needed_job_in_later_stage import NeededJobInLaterStage
from cilint.checks.glc007_stop_job_invalid import StopJobInvalid
from cilint.checks.glc008_job_never_runs import JobNeverRuns
from cilint.checks.glc009_reserved_job_name import ReservedJobName
from cilint.checks.glc010_over_gitlab_limit import OverGitlabLimit
from cilint.checks.glc011_runner_value_rejected import RunnerValueRejected
from cilint.checks.net001_dind_tls_port_mismatch import DindTlsPortMismatch
from cilint.checks.net002_dind_tls_client_certs import DindTlsClientCerts
from cilint.checks.net003_service_hostname_from_registry_path import (
    ServiceHostnameFromRegistryPath,
)
from cilint.checks.net004_service_alias_not_dns_safe import ServiceAliasNotDnsSafe
from cilint.checks.net005_service_to_service_without_network_per_build import (
    ServiceToServiceWithoutNetworkPerBuild,
)
from cilint.checks.net006_network_per_build_ineffective import (
    NetworkPerBuildIneffective,
)
from cilint.checks.net007_dind_mtu_not_set import DindMtuNotSet
from cilint.checks.net008_dind_not_ready_on_kubernetes import DindNotReadyOnKubernetes
from cilint.checks.net009_docker_endpoint_unset_or_localhost import (
    DockerEndpointUnsetOrLocalhost,
)
from cilint.checks.net010_service_port_collision import ServicePortCollision
from cilint.checks.net011_host_network_with_services import HostNetworkWithServices
from cilint.checks.net012_no_proxy_gaps import NoProxyGaps
from cilint.checks.net013_runner_network_keys_misplaced import (
    RunnerNetworkKeysMisplaced,
)
from cilint.checks.net014_runner_url_unreachable_from_job import (
    RunnerUrlUnreachableFromJob,
)
from cilint.checks.net015_duplicate_service_without_alias import (
    DuplicateServiceWithoutAlias,
)
from cilint.checks.net016_dind_unpinned_or_unprivileged import (
    DindUnpinnedOrUnprivileged,
)
from cilint.checks.net017_runner_volume_replaces_name_files import (
    RunnerVolumeReplacesNameFiles,
)
from cilint.checks.net018_legacy_link_variables import LegacyLinkVariables

ALL_CHECKS: tuple[Check, ...] = (
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
    SchemaViolation(),
    DuplicateKey(),
    UndefinedStage(),
    JobWithoutScript(),
    NeededJobUndefined(),
    NeededJobInLaterStage(),
    StopJobInvalid(),
    JobNeverRuns(),
    ReservedJobName(),
    OverGitlabLimit(),
    RunnerValueRejected(),
    DindTlsPortMismatch(),
    DindTlsClientCerts(),
    ServiceHostnameFromRegistryPath(),
    ServiceAliasNotDnsSafe(),
    ServiceToServiceWithoutNetworkPerBuild(),
    NetworkPerBuildIneffective(),
    DindMtuNotSet(),
    DindNotReadyOnKubernetes(),
    DockerEndpointUnsetOrLocalhost(),
    ServicePortCollision(),
    HostNetworkWithServices(),
    NoProxyGaps(),
    RunnerNetworkKeysMisplaced(),
    RunnerUrlUnreachableFromJob(),
    DuplicateServiceWithoutAlias(),
    DindUnpinnedOrUnprivileged(),
    RunnerVolumeReplacesNameFiles(),
    LegacyLinkVariables(),
)
