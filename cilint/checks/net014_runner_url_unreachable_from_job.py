"""NET014 runner-url-unreachable-from-job: The runner reaches GitLab at a loopback address or a single-label name jobs cannot resolve."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from cilint.checks.base import Check, CheckContext
from cilint.facts.runners import DOCKER_EXECUTORS
from cilint.findings import Finding, Severity
from cilint.syntax.nodes import location, scalar_text
from cilint.syntax.tree import SeqNode

if TYPE_CHECKING:  # runner models load only for projects with runner configuration
    from cilint.models.runner import Runner, RunnerConfig, Setting


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


class RunnerUrlUnreachableFromJob(Check):
    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        for config in ctx.project.runner_configs:
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
        symptom = (f"'Failed to connect to {host} ... Connection refused'" if kind == "loopback"
                   else f"'Could not resolve host: {host}'")
        yield Finding(
            self.rule_id,
            f"runner `{runner.name}` reaches GitLab at `{url}`, which job containers cannot reach",
            location(node), Severity.BLOCKER if kind == "loopback" else Severity.MAJOR,
            why=f"`{host}` is {what}: cloning, artifacts and cache fail ({symptom})",
            remedy=("register the runner with a URL jobs can reach (a routable name), or map the name with "
                    "`extra_hosts`/`host_aliases`" + ("; `clone_url` alone does not fix artifact uploads"
                                                       if kind == "loopback" else "")),
            route=("gitlab-url", runner.name, kind),
        )

    def _loopback_hosts(self, runner: Runner) -> Iterator[Finding]:
        setting = runner.docker.setting("extra_hosts")
        if setting is None or not isinstance(setting.node, SeqNode):
            return
        for item in setting.node.items:
            text = scalar_text(item) or ""
            host, _, address = text.partition(":")
            if _unreachable(address.strip()) == "loopback":
                yield Finding(
                    self.rule_id,
                    f"`extra_hosts` of runner `{runner.name}` maps `{host}` to the loopback {address.strip()}",
                    location(item), Severity.MAJOR, route=("extra-hosts-loopback", runner.name, host),
                    why="inside job and service containers that is the container itself, not the runner host",
                    remedy="use the host's routable address (or `host-gateway`)",
                )
