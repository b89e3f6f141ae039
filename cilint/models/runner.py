"""GitLab Runner configuration: `config.toml`, or the TOML of a gitlab-runner Helm chart's values.

Every setting keeps the node it was written as (in values.yaml for the chart), so a finding lands on
the line to change. Facts: gitlab-facts.md sections 4 and 5; keys: `cilint/data/runner_keys.toml`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from cilint.data import load
from cilint.models.variables import Variable
from cilint.syntax.nodes import plain, scalar_text
from cilint.syntax.tree import MapNode, Node, ScalarNode, SeqNode

HELM_TEMPLATE_TAG = "helm-template"
# Runner `KubernetesDNSPolicy.Get()`: only these spellings; anything else falls back to ClusterFirst.
K8S_DNS_POLICIES = {
    "": "ClusterFirst",
    "none": "None",
    "default": "Default",
    "cluster-first": "ClusterFirst",
    "cluster-first-with-host-net": "ClusterFirstWithHostNet",
}
K8S_DEFAULT_NDOTS = 5  # kubelet writes `options ndots:5` for ClusterFirst pods


def _known_keys() -> dict[str, Any]:
    return load("runner_keys.toml")


@dataclass(frozen=True, slots=True, eq=False)
class Setting:
    """A key of a runner config, with the nodes of its key and value."""

    key: str
    key_node: Node
    node: Node

    @property
    def value(self) -> Any:
        return plain(self.node)

    @property
    def is_template(self) -> bool:
        return any(n.tag == HELM_TEMPLATE_TAG for n in _scalars(self.node))


@dataclass(frozen=True, slots=True, eq=False)
class UnknownKey:
    """A runner config key GitLab Runner does not read."""

    table: str  # dotted path of the table, e.g. "runners.docker"
    key: str
    node: Node  # the key as written
    suggestion: str | None  # the known key it most likely means
    removed_in: str | None = None  # for keys GitLab Runner used to read


def _scalars(node: Node) -> Iterator[ScalarNode]:
    if isinstance(node, ScalarNode):
        yield node
    elif isinstance(node, SeqNode):
        for item in node.items:
            yield from _scalars(item)
    elif isinstance(node, MapNode):
        for _, value in node.items():
            yield from _scalars(value)


class Table:
    """A TOML table of a runner config, read by key; missing keys give None or empty values."""

    def __init__(self, name: str, node: MapNode | None) -> None:
        self.name = name
        self.node = node

    def setting(self, key: str) -> Setting | None:
        if self.node is None:
            return None
        entry = self.node.entries.get(key)
        return Setting(key, entry[0], entry[1]) if entry else None

    def text(self, key: str) -> str | None:
        setting = self.setting(key)
        return scalar_text(setting.node) if setting else None

    def flag(self, key: str) -> bool | None:
        setting = self.setting(key)
        value = setting.value if setting else None
        return value if isinstance(value, bool) else None

    def number(self, key: str) -> int | None:
        setting = self.setting(key)
        value = setting.value if setting else None
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    def strings(self, key: str) -> tuple[str, ...]:
        setting = self.setting(key)
        if setting is None:
            return ()
        value = setting.value
        if isinstance(value, str):
            return (value,)
        if isinstance(value, list):
            return tuple(v for v in value if isinstance(v, str))
        return ()

    def table(self, key: str) -> Table:
        setting = self.setting(key)
        node = setting.node if setting and isinstance(setting.node, MapNode) else None
        return Table(f"{self.name}.{key}", node)

    def tables(self, key: str) -> tuple[Table, ...]:
        """An array of tables (`[[a.b]]`), or a single table written as `[a.b]`."""
        setting = self.setting(key)
        if setting is None:
            return ()
        if isinstance(setting.node, SeqNode):
            return tuple(Table(f"{self.name}.{key}", i) for i in setting.node.items if isinstance(i, MapNode))
        if isinstance(setting.node, MapNode):
            return (Table(f"{self.name}.{key}", setting.node),)
        return ()

    def __bool__(self) -> bool:
        return self.node is not None


@dataclass(frozen=True, slots=True, eq=False)
class KubernetesDNS:
    """The DNS a Kubernetes job pod gets from `[runners.kubernetes]`.

    `policy` is what Kubernetes applies: an unsupported spelling (`None`, `ClusterFirst`) is rejected
    by the runner, which then falls back to ClusterFirst (`policy_rejected`). With ClusterFirst the
    cluster's search list and `ndots:5` apply unless `dns_config.options` overrides them.
    """

    written_policy: str | None
    policy: str
    policy_rejected: bool
    nameservers: tuple[str, ...]
    searches: tuple[str, ...]
    options: Mapping[str, str | None]

    @property
    def cluster_dns(self) -> bool:
        """The cluster's DNS service (and so `*.svc.cluster.local` names) is the first resolver."""
        return self.policy in ("ClusterFirst", "ClusterFirstWithHostNet")

    @property
    def ndots(self) -> int | None:
        written = self.options.get("ndots")
        if written is not None:
            try:
                return int(written)
            except ValueError:
                return None
        return K8S_DEFAULT_NDOTS if self.cluster_dns else None


@dataclass(frozen=True, slots=True, eq=False)
class DockerDNS:
    """The DNS settings of a Docker executor (`dns`, `dns_search`, `extra_hosts`)."""

    nameservers: tuple[str, ...]
    searches: tuple[str, ...]
    extra_hosts: Mapping[str, str]  # host -> address (the runner passes them to job and services)


@dataclass(frozen=True, eq=False)
class Runner:
    """One `[[runners]]` entry of a runner config."""

    path: str  # the file the runner is configured in
    index: int  # position among the file's [[runners]]
    table: Table
    environment: Mapping[str, Variable]
    unknown_keys: tuple[UnknownKey, ...]
    default_executor: str | None = None  # from outside the TOML (Helm `runners.executor`)

    @property
    def name(self) -> str:
        return self.table.text("name") or f"runner #{self.index + 1}"

    @property
    def url(self) -> str | None:
        return self.table.text("url")

    @property
    def clone_url(self) -> str | None:
        return self.table.text("clone_url")

    @property
    def executor(self) -> str | None:
        return self.table.text("executor") or self.default_executor

    @property
    def docker(self) -> Table:
        return self.table.table("docker")

    @property
    def kubernetes(self) -> Table:
        return self.table.table("kubernetes")

    @property
    def feature_flags(self) -> Mapping[str, Setting]:
        flags = self.table.table("feature_flags")
        if flags.node is None:
            return {}
        return {key: Setting(key, k, v) for key, (k, v) in flags.node.entries.items()}

    def feature_flag(self, name: str) -> bool | None:
        """A feature flag as the runner sets it: `[runners.feature_flags]` (locked) or `environment`."""
        locked = self.feature_flags.get(name)
        if locked is not None and isinstance(locked.value, bool):
            return locked.value
        variable = self.environment.get(name)
        if variable is not None and variable.value is not None:
            return variable.value.strip().lower() in ("1", "true", "t", "yes")
        return None

    def scripts(self) -> Iterator[Setting]:
        for key in ("pre_get_sources_script", "post_get_sources_script", "pre_build_script",
                    "post_build_script", "pre_clone_script", "post_clone_script"):
            setting = self.table.setting(key)
            if setting is not None:
                yield setting

    def kubernetes_dns(self) -> KubernetesDNS:
        k8s = self.kubernetes
        written = k8s.text("dns_policy")
        policy = K8S_DNS_POLICIES.get(written or "")
        dns_config = k8s.table("dns_config")
        options: dict[str, str | None] = {}
        for option in dns_config.tables("options"):
            name = option.text("name")
            if name:
                options[name] = option.text("value")
        return KubernetesDNS(
            written_policy=written,
            policy=policy or "ClusterFirst",
            policy_rejected=written is not None and policy is None,
            nameservers=dns_config.strings("nameservers"),
            searches=dns_config.strings("searches"),
            options=options,
        )

    def docker_dns(self) -> DockerDNS:
        docker = self.docker
        hosts: dict[str, str] = {}
        for entry in docker.strings("extra_hosts"):
            host, sep, address = entry.partition(":")
            if not sep:
                host, sep, address = entry.partition("=")
            if sep:
                hosts[host.strip().lower()] = address.strip()
        return DockerDNS(docker.strings("dns"), docker.strings("dns_search"), hosts)

    def host_aliases(self) -> Mapping[str, str]:
        """`[[runners.kubernetes.host_aliases]]` as host -> address."""
        hosts: dict[str, str] = {}
        for alias in self.kubernetes.tables("host_aliases"):
            address = alias.text("ip") or ""
            for name in alias.strings("hostnames"):
                hosts[name.lower()] = address
        return hosts

    def mapped_hosts(self) -> Mapping[str, str]:
        """Names this runner makes resolvable in job containers (extra_hosts, host_aliases)."""
        return {**self.docker_dns().extra_hosts, **self.host_aliases()}


@dataclass(frozen=True, eq=False)
class RunnerConfig:
    """A runner config.toml, or the `runners.config` TOML of a Helm values file."""

    path: str
    kind: str  # "toml" (config.toml) or "helm" (values.yaml with runners.config)
    root: MapNode | None  # the TOML document
    runners: tuple[Runner, ...]
    unknown_keys: tuple[UnknownKey, ...] = ()  # outside [[runners]]
    helm_values: MapNode | None = None  # the whole values.yaml, for chart-level settings
    config_node: Node | None = None  # the `runners.config` scalar of a Helm values file
    templated: bool = False  # the TOML holds Helm template expressions
    extra: Mapping[str, Any] = field(default_factory=dict)


def build_runner_config(
    path: str,
    kind: str,
    root: MapNode,
    helm_values: MapNode | None = None,
    config_node: Node | None = None,
    templated: bool = False,
    default_executor: str | None = None,
) -> RunnerConfig:
    known = _known_keys()
    unknown = list(_unknown(Table("", root), known["global"], "", known))
    runners: list[Runner] = []
    runners_node = root.get("runners")
    items = runners_node.items if isinstance(runners_node, SeqNode) else (
        [runners_node] if isinstance(runners_node, MapNode) else []
    )
    for index, node in enumerate(items):
        if not isinstance(node, MapNode):
            continue
        table = Table("runners", node)
        runners.append(
            Runner(
                path=path,
                index=index,
                table=table,
                environment=_environment(table),
                unknown_keys=tuple(_runner_unknown_keys(table, known)),
                default_executor=default_executor,
            )
        )
    return RunnerConfig(
        path=path,
        kind=kind,
        root=root,
        runners=tuple(runners),
        unknown_keys=tuple(unknown),
        helm_values=helm_values,
        config_node=config_node,
        templated=templated,
    )


def _environment(table: Table) -> dict[str, Variable]:
    setting = table.setting("environment")
    if setting is None or not isinstance(setting.node, SeqNode):
        return {}
    result: dict[str, Variable] = {}
    for item in setting.node.items:
        text = scalar_text(item)
        if text is None or "=" not in text:
            continue
        name, value = text.split("=", 1)
        result[name] = Variable(name, value, True, item, item, "runner")
    return result


def _runner_unknown_keys(table: Table, known: dict[str, Any]) -> Iterator[UnknownKey]:
    yield from _unknown(table, known["runner"], "runners", known)
    docker = table.table("docker")
    yield from _unknown(docker, known["docker"], "runners.docker", known)
    k8s = table.table("kubernetes")
    patterns = [re.compile(p) for p in known["kubernetes_patterns"]]
    yield from _unknown(k8s, known["kubernetes"], "runners.kubernetes", known, patterns)
    dns_config = k8s.table("dns_config")
    yield from _unknown(dns_config, known["dns_config"], "runners.kubernetes.dns_config", known)
    for option in dns_config.tables("options"):
        yield from _unknown(option, known["dns_option"], "runners.kubernetes.dns_config.options", known)
    for alias in k8s.tables("host_aliases"):
        yield from _unknown(alias, known["host_alias"], "runners.kubernetes.host_aliases", known)


def _unknown(
    table: Table,
    allowed: list[str],
    name: str,
    known: dict[str, Any],
    patterns: list[re.Pattern[str]] | None = None,
) -> Iterator[UnknownKey]:
    if table.node is None:
        return
    removed: dict[str, str] = known["removed"]
    for key, (key_node, _) in table.node.entries.items():
        if key in allowed or any(p.match(key) for p in patterns or ()):
            continue
        if name == "runners" and key in removed:
            yield UnknownKey(name, key, key_node, None, removed[key])
            continue
        import difflib  # only for unknown keys

        close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.8)
        if not close and patterns:  # `cpu_requests` for the pattern-named `cpu_request`
            close = [k for k in (key[:-1], key.replace("-", "_"), key.lower()) if any(p.match(k) for p in patterns)][:1]
        yield UnknownKey(name, key, key_node, close[0] if close else None)
