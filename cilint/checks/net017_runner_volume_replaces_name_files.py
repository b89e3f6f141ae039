"""NET017 runner-volume-replaces-name-files: A runner volume mounts over /etc/hosts or /etc/resolv.conf of job containers."""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from typing import TYPE_CHECKING

from cilint.checks.base import Check, CheckContext
from cilint.facts.runners import DOCKER_EXECUTORS
from cilint.findings import Confidence, Finding, Severity
from cilint.syntax.nodes import location, scalar_text
from cilint.syntax.tree import Node, SeqNode

if TYPE_CHECKING:  # runner models load only for projects with runner configuration
    from cilint.models.runner import Runner

HOSTS, RESOLV_CONF = "/etc/hosts", "/etc/resolv.conf"
_KUBERNETES_VOLUMES = ("host_path", "config_map", "secret", "empty_dir", "pvc", "csi")
_REMEDY = {
    HOSTS: "remove the mount and map names with `extra_hosts` (Docker) or `[[runners.kubernetes.host_aliases]]`",
    RESOLV_CONF: "remove the mount and set resolvers with `dns`/`dns_search` (Docker) or `dns_config` (Kubernetes)",
}


def mounted_file(volume: str) -> str | None:
    """/etc/hosts or /etc/resolv.conf when a Docker volume (`src:dst[:mode]`, or `dst`) mounts over it."""
    parts = volume.split(":")
    target = parts[1] if len(parts) >= 2 else parts[0]
    if not target.startswith("/"):
        return None
    target = posixpath.normpath(target)
    return target if target in (HOSTS, RESOLV_CONF) else None


class RunnerVolumeReplacesNameFiles(Check):
    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        for _, runner in ctx.project.runners:
            executor = runner.executor or ""
            if executor == "kubernetes":
                yield from self._kubernetes(runner)
            elif executor in DOCKER_EXECUTORS or (not executor and runner.docker.node is not None):
                yield from self._docker(runner)

    def _docker(self, runner: Runner) -> Iterator[Finding]:
        setting = runner.docker.setting("volumes")
        if setting is None or not isinstance(setting.node, SeqNode):
            return
        for item in setting.node.items:
            target = mounted_file(scalar_text(item) or "")
            if target is not None:
                yield self._docker_finding(runner, target, item)

    def _docker_finding(self, runner: Runner, target: str, node: Node) -> Finding:
        per_build = runner.feature_flag("FF_NETWORK_PER_BUILD") is True
        statement = f"runner `{runner.name}` mounts a file over {target} in every job container"
        confidence = Confidence.HIGH
        if target == HOSTS and not per_build:
            severity = Severity.MAJOR
            why = ("without `FF_NETWORK_PER_BUILD` service names are entries Docker writes into /etc/hosts (links, and "
                   "`extra_hosts` since Runner 18.7); the mounted file replaces them: 'lookup docker ... no such host'")
        elif target == HOSTS:
            severity = Severity.MAJOR if runner.docker.strings("extra_hosts") else Severity.MINOR
            why = ("the `extra_hosts` entries and the container's own name are written into /etc/hosts, which the "
                   "mounted file replaces; service names still resolve through the per-job network's DNS")
        elif per_build:
            severity = Severity.MAJOR
            why = (f"on the per-job network {RESOLV_CONF} names Docker's DNS (127.0.0.11), which resolves service "
                   "names; the mounted file replaces it: 'lookup docker ... no such host'")
        elif runner.docker.strings("dns") or runner.docker.strings("dns_search"):
            severity = Severity.MAJOR
            why = (f"Docker writes the runner's `dns`/`dns_search` into {RESOLV_CONF}; the mounted file replaces them, "
                   "so they never apply")
        else:
            severity, confidence = Severity.MINOR, Confidence.LOW  # depends on the host's resolv.conf
            why = ("Docker gives containers a copy of the host's file without loopback resolvers such as "
                   "systemd-resolved's 127.0.0.53; the mounted file keeps them, and on such hosts every lookup fails")
        return Finding(self.rule_id, statement, location(node), severity, route=("mount", runner.name, target),
                       confidence=confidence, why=why, remedy=_REMEDY[target])

    def _kubernetes(self, runner: Runner) -> Iterator[Finding]:
        volumes = runner.kubernetes.table("volumes")
        for kind in _KUBERNETES_VOLUMES:
            for volume in volumes.tables(kind):
                mount = volume.setting("mount_path")
                written = scalar_text(mount.node) if mount is not None and not mount.is_template else None
                if mount is None or not written or not written.startswith("/"):
                    continue
                target = posixpath.normpath(written)
                if target not in (HOSTS, RESOLV_CONF):
                    continue
                why = ("the runner maps every service name to 127.0.0.1 in the pod's /etc/hosts (host aliases); "
                       "the mounted file replaces it, so services are unreachable by name ('no such host')"
                       if target == HOSTS else
                       f"the pod's {RESOLV_CONF} holds its DNS policy (the cluster DNS and search list, `dns_config`); "
                       "the mounted file replaces it, so cluster names stop resolving")
                yield Finding(
                    self.rule_id, f"runner `{runner.name}` mounts a `{kind}` volume over {target} in job pods",
                    location(mount.node), Severity.MAJOR, route=("mount", runner.name, target),
                    why=why, remedy=_REMEDY[target])
