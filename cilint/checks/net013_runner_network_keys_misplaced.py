"""NET013 runner-network-keys-misplaced: Runner network settings in a place the runner does not read for jobs."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from cilint.checks.base import Check, CheckContext
from cilint.facts.resolv_conf import RESOLV_CONF
from cilint.facts.runners import DOCKER_EXECUTORS
from cilint.findings import Finding, Severity
from cilint.syntax.nodes import location, scalar_text
from cilint.syntax.tree import MapNode, SeqNode

if TYPE_CHECKING:  # runner models load only for projects with runner configuration
    from cilint.models.runner import Runner, RunnerConfig


_DOCKER_ONLY = ("dns", "dns_search", "extra_hosts", "network_mode", "network_mtu", "links", "enable_ipv6")
_KUBERNETES_ONLY = ("dns_policy", "dns_config", "host_aliases")


# Keys whose loss changes how jobs reach the network (a misspelling of these is major).
_NETWORK_KEYS = frozenset({
    *_DOCKER_ONLY, *_KUBERNETES_ONLY, "url", "clone_url", "environment", "docker", "kubernetes", "feature_flags",
    "privileged", "services_privileged", "volumes", "services", "wait_for_services_timeout", "host", "tls_verify",
})


_JOB_ENV = re.compile(r"^(HTTPS?_PROXY|NO_PROXY|ALL_PROXY|FF_[A-Z0-9_]+|DOCKER_HOST|DOCKER_TLS_CERTDIR)$", re.IGNORECASE)


class RunnerNetworkKeysMisplaced(Check):
    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        for config in ctx.project.runner_configs:
            if config.kind == "helm" and config.helm_values is not None:
                yield from self._helm(config)
            for runner in config.runners:
                yield from self._executor_tables(runner)
                yield from self._unknown(ctx, runner)

    def _helm(self, config: RunnerConfig) -> Iterator[Finding]:
        values = config.helm_values
        assert values is not None
        runners = config.runners
        host_aliases = values.get("hostAliases")
        if isinstance(host_aliases, SeqNode) and host_aliases.items and not any(r.host_aliases() for r in runners):
            yield Finding(
                self.rule_id,
                "the chart's `hostAliases` reach the runner manager, not job pods",
                location(values.key_node("hostAliases") or host_aliases), Severity.MAJOR,
                why="the chart renders them into the manager's Deployment, so jobs cannot resolve these names",
                remedy="add `[[runners.kubernetes.host_aliases]]` (ip, hostnames) to `runners.config`",
                route=("helm-host-aliases",),
            )
        environment = {name.upper() for r in runners for name in r.environment}
        for name, node in self._manager_env(values):
            if _JOB_ENV.match(name) and name.upper() not in environment:
                yield Finding(
                    self.rule_id,
                    f"`{name}` in the chart's `envVars`/`extraEnv` reaches the runner manager, not job pods",
                    location(node), Severity.MAJOR, route=("helm-manager-env", name),
                    why="the manager environment is the runner container's own: jobs run without it",
                    remedy="add it to `environment` of `[[runners]]` in `runners.config`",
                )

    @staticmethod
    def _manager_env(values: MapNode) -> Iterator[tuple[str, object]]:
        env_vars = values.get("envVars")
        if isinstance(env_vars, SeqNode):
            for item in env_vars.items:
                if isinstance(item, MapNode):
                    name = scalar_text(item.get("name"))
                    if name:
                        yield name, item.get("name")
        extra = values.get("extraEnv")
        if isinstance(extra, MapNode):
            for name, (key, _) in extra.entries.items():
                yield name, key

    def _executor_tables(self, runner: Runner) -> Iterator[Finding]:
        executor = runner.executor or ""
        if executor == "kubernetes":
            wrong, table, right = _DOCKER_ONLY, runner.docker, "[runners.kubernetes]"
        elif executor in DOCKER_EXECUTORS:
            wrong, table, right = _KUBERNETES_ONLY, runner.kubernetes, "[runners.docker]"
        else:
            return
        for key in wrong:
            setting = table.setting(key)
            if setting is None:
                continue
            hint = {"dns_policy": "`dns`", "dns_config": "`dns`/`dns_search`", "host_aliases": "`extra_hosts`",
                    "extra_hosts": "`[[runners.kubernetes.host_aliases]]`", "dns": "`dns_config.nameservers`",
                    "dns_search": "`dns_config.searches`"}.get(key, "the executor's own setting")
            yield Finding(
                self.rule_id,
                f"runner `{runner.name}`'s `{executor}` executor ignores `{key}` of `[{table.name}]`",
                location(setting.key_node), Severity.MAJOR, route=("wrong-executor-table", runner.name, key),
                why="the setting belongs to another executor and has no effect on jobs",
                remedy=f"use {hint} in `{right}`",
            )

    def _unknown(self, ctx: CheckContext, runner: Runner) -> Iterator[Finding]:
        rewrites = {id(w.setting.key_node) for w in ctx.facts.resolv_conf_writes if w.setting is not None and w.runner is runner}
        for unknown in runner.unknown_keys:
            if unknown.removed_in:
                message = (f"`{unknown.key}` in `[{unknown.table}]` of runner `{runner.name}` was removed in GitLab "
                           f"Runner {unknown.removed_in}")
                why, remedy = "the runner ignores it: what it did no longer happens", f"remove `{unknown.key}`"
                if id(unknown.node) in rewrites:  # one problem, one finding (DNS005 leaves this key to NET013)
                    why += (f"; the {RESOLV_CONF} it rewrites would not hold anyway (the container runtime "
                            "regenerates the file)")
                    remedy = f"remove `{unknown.key}` and set the resolver with the executor's DNS settings"
                severity = Severity.MINOR
            else:
                suggestion = f"; did you mean `{unknown.suggestion}`?" if unknown.suggestion else ""
                whole = isinstance(runner.table.node, MapNode) and _is_table(runner, unknown.table, unknown.key)
                message = f"`{unknown.key}` is not a setting of `[{unknown.table}]` (runner `{runner.name}`){suggestion}"
                why = f"the runner ignores {'the whole table' if whole else 'it'}"
                remedy = (f"rename it to `{unknown.suggestion}`" if unknown.suggestion
                          else "remove it, or move it to the table that has this setting")
                severity = Severity.MAJOR if whole or unknown.suggestion in _NETWORK_KEYS else Severity.MINOR
            yield Finding(self.rule_id, message, location(unknown.node), severity,
                          route=("unknown-key", runner.name, unknown.table, unknown.key), why=why, remedy=remedy)


def _is_table(runner: Runner, table: str, key: str) -> bool:
    parts = table.split(".")[1:]
    node = runner.table.node
    for part in parts:
        node = node.get(part) if isinstance(node, MapNode) else None
    value = node.get(key) if isinstance(node, MapNode) else None
    return isinstance(value, MapNode) or isinstance(value, SeqNode) and any(isinstance(i, MapNode) for i in value.items)
