"""Runner configuration whose network settings do not do what they say: NET006 per-build network
settings that have no effect, NET013 keys in the wrong place, NET014 a GitLab URL jobs cannot reach
(dns-catalog.md R06, R21, R23; gitlab-facts.md sections 4 and 5)."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from cilint.checks.common import DOCKER_EXECUTORS, known_runners, truthy
from cilint.edits.entries import add_toml_key, insert_after_table_keys, remove_key_line
from cilint.findings import Applicability, Finding, Fix, Related, Severity
from cilint.loading.project import Project
from cilint.source import SourceFile
from cilint.syntax.nodes import location, scalar_text
from cilint.syntax.yaml import YMap, YSeq

if TYPE_CHECKING:  # runner models load only for projects with runner configuration
    from cilint.models.runner import Runner, RunnerConfig, Setting

FLAG = "FF_NETWORK_PER_BUILD"
_DOCKER_ONLY = ("dns", "dns_search", "extra_hosts", "network_mode", "network_mtu", "links", "enable_ipv6")
_KUBERNETES_ONLY = ("dns_policy", "dns_config", "host_aliases")
# Keys whose loss changes how jobs reach the network (a misspelling of these is major).
_NETWORK_KEYS = frozenset({
    *_DOCKER_ONLY, *_KUBERNETES_ONLY, "url", "clone_url", "environment", "docker", "kubernetes", "feature_flags",
    "privileged", "services_privileged", "volumes", "services", "wait_for_services_timeout", "host", "tls_verify",
})
_JOB_ENV = re.compile(r"^(HTTPS?_PROXY|NO_PROXY|ALL_PROXY|FF_[A-Z0-9_]+|DOCKER_HOST|DOCKER_TLS_CERTDIR)$", re.IGNORECASE)


def _editable(project: Project, config: RunnerConfig) -> SourceFile | None:
    """The file to splice into: config.toml, or a Helm values file whose TOML is a literal block."""
    source = project.workspace.source(config.path)
    if not isinstance(source, SourceFile):
        return None
    if config.kind == "helm" and getattr(config.config_node, "style", "") != "|":
        return None
    return source


def _is_docker(runner: Runner) -> bool:
    return (runner.executor or "") in DOCKER_EXECUTORS or (runner.executor is None and runner.docker.node is not None)


class NetworkPerBuildIneffective:
    rule_id = "NET006"

    def run(self, project: Project) -> Iterator[Finding]:
        for config in project.runner_configs:
            for runner in config.runners:
                if _is_docker(runner):
                    yield from self._runner(project, config, runner)
        yield from self._job_flags(project)

    def _runner(self, project: Project, config: RunnerConfig, runner: Runner) -> Iterator[Finding]:
        mode = runner.docker.setting("network_mode")
        flag = runner.feature_flag(FLAG)
        mode_set = mode is not None and bool(scalar_text(mode.node)) and not mode.is_template
        if mode_set and flag:
            assert mode is not None
            source = _editable(project, config)
            edit = remove_key_line(source, mode.key_node, mode.node) if source else None
            yield Finding(
                self.rule_id,
                f"runner `{runner.name}` turns on `{FLAG}` but also sets `network_mode = \"{mode.value}\"`: the runner "
                "creates a network per job only when `network_mode` is empty (even `\"bridge\"` disables it), so the "
                "flag has no effect and services still cannot resolve each other; remove `network_mode`",
                location(mode.node), Severity.MAJOR,
                fix=Fix("Remove network_mode", (edit,), Applicability.UNSAFE) if edit else None,
                route=("flag-with-network-mode", runner.name),
            )
        for key in ("network_mtu", "enable_ipv6"):
            setting = runner.docker.setting(key)
            if setting is None or setting.is_template or setting.value in (0, False, None):
                continue
            if mode_set:
                assert mode is not None
                yield Finding(
                    self.rule_id,
                    f"runner `{runner.name}` sets `{key}`, which applies only to the per-job network, but "
                    f"`network_mode = \"{mode.value}\"` turns that network off: `{key}` has no effect",
                    location(setting.node), Severity.MAJOR, route=(key, runner.name),
                )
            elif not flag:
                explicit_off = flag is False
                severity = Severity.MAJOR if explicit_off else Severity.MINOR
                caveat = "" if explicit_off else " (only jobs that set the flag themselves get it)"
                yield Finding(
                    self.rule_id,
                    f"runner `{runner.name}` sets `{key}`, which applies only to the per-job network created with "
                    f"`{FLAG}`, and the runner does not turn the flag on{caveat}; set `{FLAG} = true` in "
                    "`[runners.feature_flags]`",
                    location(setting.node), severity, fix=self._flag_fix(project, config, runner),
                    route=(key, runner.name),
                )

    @staticmethod
    def _flag_fix(project: Project, config: RunnerConfig, runner: Runner) -> Fix | None:
        source = _editable(project, config)
        if source is None or runner.table.node is None:
            return None
        flags = runner.table.table("feature_flags")
        if flags.node is not None:
            if FLAG in flags.node.entries:
                return None  # written false: turning it on is the owner's decision
            edit = add_toml_key(source, flags.node, FLAG, True)
        else:
            edit = insert_after_table_keys(source, runner.table.node, ["[runners.feature_flags]", f"  {FLAG} = true"])
        return Fix(f"Turn on {FLAG} for the runner", (edit,), Applicability.UNSAFE) if edit else None

    def _job_flags(self, project: Project) -> Iterator[Finding]:
        seen: set[tuple[int, str]] = set()
        for pipeline in project.pipelines:
            for job in pipeline.jobs.values():
                variable = job.variables.get(FLAG)
                if variable is None or not truthy(variable.value):
                    continue
                for choice in known_runners(project, job):
                    mode = choice.runner.docker.setting("network_mode")
                    if mode is None or not scalar_text(mode.node) or (id(variable.node), choice.runner.name) in seen:
                        continue
                    seen.add((id(variable.node), choice.runner.name))
                    yield Finding(
                        self.rule_id,
                        f"job `{job.name}` sets `{FLAG}`, but its runner `{choice.runner.name}` sets `network_mode = "
                        f"\"{mode.value}\"`, which turns per-job networks off: the flag has no effect",
                        location(variable.node), Severity.MAJOR,
                        related=(Related(location(mode.node), f"`network_mode` of runner `{choice.runner.name}`"),),
                        route=("job-flag-with-network-mode", job.name, choice.runner.name),
                    )


class RunnerNetworkKeysMisplaced:
    rule_id = "NET013"

    def run(self, project: Project) -> Iterator[Finding]:
        for config in project.runner_configs:
            if config.kind == "helm" and config.helm_values is not None:
                yield from self._helm(config)
            for runner in config.runners:
                yield from self._executor_tables(runner)
                yield from self._unknown(runner)

    def _helm(self, config: RunnerConfig) -> Iterator[Finding]:
        values = config.helm_values
        assert values is not None
        runners = config.runners
        host_aliases = values.get("hostAliases")
        if isinstance(host_aliases, YSeq) and host_aliases.items and not any(r.host_aliases() for r in runners):
            yield Finding(
                self.rule_id,
                "`hostAliases` of the gitlab-runner chart is rendered into the runner manager's Deployment, not into "
                "job pods: jobs do not get these names; add `[[runners.kubernetes.host_aliases]]` (ip, hostnames) to "
                "`runners.config`",
                location(values.key_node("hostAliases") or host_aliases), Severity.MAJOR,
                route=("helm-host-aliases",),
            )
        environment = {name.upper() for r in runners for name in r.environment}
        for name, node in self._manager_env(values):
            if _JOB_ENV.match(name) and name.upper() not in environment:
                yield Finding(
                    self.rule_id,
                    f"`{name}` is set in the chart's manager environment (`envVars`/`extraEnv`), which reaches only the "
                    "runner manager container, not job pods: jobs run without it; add it to `environment` of "
                    "`[[runners]]` in `runners.config`",
                    location(node), Severity.MAJOR, route=("helm-manager-env", name),
                )

    @staticmethod
    def _manager_env(values: YMap) -> Iterator[tuple[str, object]]:
        env_vars = values.get("envVars")
        if isinstance(env_vars, YSeq):
            for item in env_vars.items:
                if isinstance(item, YMap):
                    name = scalar_text(item.get("name"))
                    if name:
                        yield name, item.get("name")
        extra = values.get("extraEnv")
        if isinstance(extra, YMap):
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
                f"runner `{runner.name}` uses the `{executor}` executor, which ignores `{key}` of `[{table.name}]`: the "
                f"setting has no effect on jobs; use {hint} in `{right}`",
                location(setting.key_node), Severity.MAJOR, route=("wrong-executor-table", runner.name, key),
            )

    def _unknown(self, runner: Runner) -> Iterator[Finding]:
        for unknown in runner.unknown_keys:
            if unknown.removed_in:
                message = (f"`{unknown.key}` in `[{unknown.table}]` of runner `{runner.name}` was removed in GitLab "
                           f"Runner {unknown.removed_in} and is ignored")
                severity = Severity.MINOR
            else:
                suggestion = f"; did you mean `{unknown.suggestion}`?" if unknown.suggestion else ""
                whole = isinstance(runner.table.node, YMap) and _is_table(runner, unknown.table, unknown.key)
                message = (f"`{unknown.key}` is not a setting of `[{unknown.table}]` (runner `{runner.name}`): the runner "
                           f"ignores {'the whole table' if whole else 'it'}{suggestion}")
                severity = Severity.MAJOR if whole or unknown.suggestion in _NETWORK_KEYS else Severity.MINOR
            yield Finding(self.rule_id, message, location(unknown.node), severity,
                          route=("unknown-key", runner.name, unknown.table, unknown.key))


def _is_table(runner: Runner, table: str, key: str) -> bool:
    parts = table.split(".")[1:]
    node = runner.table.node
    for part in parts:
        node = node.get(part) if isinstance(node, YMap) else None
    value = node.get(key) if isinstance(node, YMap) else None
    return isinstance(value, YMap) or isinstance(value, YSeq) and any(isinstance(i, YMap) for i in value.items)


def _unreachable(host: str) -> str | None:
    """'loopback' or 'single-label' for a GitLab host job containers cannot reach, else None."""
    name = host.strip("[]").lower()
    if name in ("localhost", "0.0.0.0") or name.endswith(".localhost"):
        return "loopback"
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return "single-label" if "." not in name and re.fullmatch(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?", name) else None
    return "loopback" if address.is_loopback or address.is_unspecified else None


class RunnerUrlUnreachableFromJob:
    rule_id = "NET014"

    def run(self, project: Project) -> Iterator[Finding]:
        for config in project.runner_configs:
            for runner in config.runners:
                executor = runner.executor or ""
                if executor not in DOCKER_EXECUTORS and executor != "kubernetes":
                    continue
                yield from self._url(config, runner, executor)
                yield from self._loopback_hosts(runner)

    def _url(self, config: RunnerConfig, runner: Runner, executor: str) -> Iterator[Finding]:
        setting: Setting | None = runner.table.setting("url")
        node = setting.node if setting else None
        url = runner.url
        if url is None and config.helm_values is not None:
            node = config.helm_values.get("gitlabUrl")
            url = scalar_text(node)
        if not url or node is None or "{{" in url:
            return
        host = urlsplit(url if "://" in url else f"https://{url}").hostname or ""
        kind = _unreachable(host)
        if kind is None:
            return
        if executor in DOCKER_EXECUTORS and runner.docker.text("network_mode"):
            return  # the job joins a network the owner chose (host, or GitLab's compose network)
        if host.lower() in runner.mapped_hosts():
            return
        if kind == "single-label" and executor == "kubernetes" and runner.kubernetes_dns().cluster_dns:
            return  # a Service of the cluster: job pods resolve it through the namespace's search list
        clone_url = runner.clone_url
        if kind == "single-label" and clone_url and _unreachable(urlsplit(clone_url).hostname or "") is None:
            return
        what = ("a loopback address: in the job and helper containers it is the container itself"
                if kind == "loopback" else
                "a single-label name that job containers resolve through their own DNS, not the runner host's "
                "(/etc/hosts, a compose network)")
        yield Finding(
            self.rule_id,
            f"runner `{runner.name}` reaches GitLab at `{url}`, {what}: cloning, artifacts and cache fail ("
            + (f"'Failed to connect to {host} ... Connection refused'" if kind == "loopback" else f"'Could not resolve host: {host}'")
            + "); register the runner with a URL jobs can reach "
            "(a routable name), or map the name with `extra_hosts`/`host_aliases`"
            + ("; `clone_url` alone does not fix artifact uploads" if kind == "loopback" else ""),
            location(node), Severity.BLOCKER if kind == "loopback" else Severity.MAJOR,
            route=("gitlab-url", runner.name, kind),
        )

    def _loopback_hosts(self, runner: Runner) -> Iterator[Finding]:
        setting = runner.docker.setting("extra_hosts")
        if setting is None or not isinstance(setting.node, YSeq):
            return
        for item in setting.node.items:
            text = scalar_text(item) or ""
            host, _, address = text.partition(":")
            if _unreachable(address.strip()) == "loopback":
                yield Finding(
                    self.rule_id,
                    f"`extra_hosts` of runner `{runner.name}` maps `{host}` to {address.strip()}: inside job and service "
                    f"containers that is the container itself, not the runner host; use the host's routable address "
                    "(or `host-gateway`)",
                    location(item), Severity.MAJOR, route=("extra-hosts-loopback", runner.name, host),
                )
