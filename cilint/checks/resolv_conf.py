"""DNS005 resolv-conf-rewrite and DNS007 docker-embedded-dns-misuse."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cilint.checks.common import DOCKER_EXECUTORS, dns_flags, is_dind, network_per_build
from cilint.checks.context import Positions, job_commands
from cilint.findings import Finding, Location, Severity
from cilint.loading.project import Project
from cilint.shell.bash import Command, analyse
from cilint.syntax.nodes import location
from cilint.syntax.yaml import YScalar, YSeq

if TYPE_CHECKING:  # runner models load only for projects with runner configuration
    from cilint.models.runner import Runner, Setting

RESOLV_CONF = "/etc/resolv.conf"
EMBEDDED_DNS = "127.0.0.11"
_WRITERS = {"tee", "cp", "mv", "ln", "install", "dd"}


def writes_resolv_conf(command: Command) -> bool:
    if any(r.target.text == RESOLV_CONF and r.operator.lstrip("0123456789&").startswith(">") for r in command.redirects):
        return True
    args = [a.text for a in command.args]
    if command.name == "sed" and any(a.startswith("-i") or a == "--in-place" for a in args):
        return RESOLV_CONF in args
    if command.name in _WRITERS:
        return bool(args) and (args[-1] == RESOLV_CONF or f"of={RESOLV_CONF}" in args)
    return False


@dataclass(frozen=True, slots=True, eq=False)
class Write:
    """A command that rewrites /etc/resolv.conf, and where it runs."""

    command: Command
    location: Location
    where: str  # "job `x` (before_script)" or "runner `r` pre_get_sources_script"
    setting: Setting | None = None  # the runner script setting, when in a runner config
    runner: Runner | None = None
    job_executors: frozenset[str] = frozenset()


def resolv_conf_writes(project: Project, positions: Positions) -> Iterator[Write]:
    for pipeline in project.pipelines:
        for job in pipeline.jobs.values():
            if not any(RESOLV_CONF in line.text for line in (*job.hooks, *job.script_lines())):
                continue
            for item in job_commands(job, project):
                if writes_resolv_conf(item.command):
                    yield Write(item.command, positions.inside(item.line.node, item.command.start, item.command.end),
                                f"job `{job.name}` ({item.line.section})", job_executors=project.executors_for(job))
    for _, runner in project.runners:
        for setting in runner.scripts():
            if not isinstance(setting.node, YScalar) or not isinstance(setting.value, str):
                continue
            if RESOLV_CONF not in setting.value:
                continue
            for command in analyse(setting.value).commands:
                if writes_resolv_conf(command):
                    yield Write(command, positions.inside(setting.node, command.start, command.end),
                                f"runner `{runner.name}` {setting.key}", setting, runner)


class ResolvConfRewrite:
    rule_id = "DNS005"

    def run(self, project: Project) -> Iterator[Finding]:
        for write in resolv_conf_writes(project, Positions(project)):
            executor = write.runner.executor if write.runner else next(iter(sorted(write.job_executors)), None)
            proper = {
                "kubernetes": "`[runners.kubernetes] dns_policy` with `[runners.kubernetes.dns_config]`",
            }.get(executor or "", "`[runners.docker] dns` / `dns_search` (Docker) or `[runners.kubernetes.dns_config]` (Kubernetes)")
            if executor in DOCKER_EXECUTORS:
                proper = "`[runners.docker] dns` and `dns_search`"
            message = (f"{write.where} rewrites {RESOLV_CONF}: it changes one container only and the container "
                       f"runtime regenerates the file; set the resolver in the runner configuration with {proper}")
            if write.setting is not None and write.setting.key == "pre_clone_script":
                message += "; besides, `pre_clone_script` no longer runs at all since GitLab Runner 17.0"
            yield Finding(self.rule_id, message, write.location, Severity.MINOR,
                          route=("resolv.conf", write.where))


class EmbeddedDnsMisuse:
    rule_id = "DNS007"

    def run(self, project: Project) -> Iterator[Finding]:
        positions = Positions(project)
        for _, runner in project.runners:
            if runner.executor != "kubernetes":
                continue
            nameservers = runner.kubernetes.table("dns_config").setting("nameservers")
            if nameservers is not None and isinstance(nameservers.node, YSeq):
                for item in nameservers.node.items:
                    if getattr(item, "value", None) == EMBEDDED_DNS:
                        yield self._finding(location(item), f"runner `{runner.name}` lists {EMBEDDED_DNS} as a pod "
                                            "nameserver", ("k8s-nameserver", runner.name))
        for write in resolv_conf_writes(project, positions):
            executors = {write.runner.executor} if write.runner else set(write.job_executors)
            if "kubernetes" in executors and any(EMBEDDED_DNS in a.text for a in write.command.args):
                yield self._finding(write.location, f"{write.where} writes {EMBEDDED_DNS} into a pod's resolv.conf",
                                    ("resolv.conf", write.where))
        for pipeline in project.pipelines:
            for job in pipeline.jobs.values():
                for service in job.services:
                    if not is_dind(service):
                        continue
                    for flag in dns_flags(service):
                        if flag.value != EMBEDDED_DNS:
                            continue
                        for choice in project.runners_for(job):
                            executor = choice.runner.executor or ""
                            if executor == "kubernetes" or (
                                executor in DOCKER_EXECUTORS and not network_per_build(job, choice.runner)
                            ):
                                where = ("Kubernetes executor" if executor == "kubernetes"
                                         else "Docker executor without a per-build network: FF_NETWORK_PER_BUILD is off")
                                yield self._finding(location(flag.node),
                                                    f"`--dns={EMBEDDED_DNS}` on the dind service of job `{job.name}` "
                                                    f"(runner `{choice.runner.name}`, {where})", ("dind", job.name, choice.runner.name))
                                break

    def _finding(self, where: Location, context: str, route: tuple[str, ...]) -> Finding:
        return Finding(
            self.rule_id,
            f"{context}: {EMBEDDED_DNS} is Docker's embedded resolver, which exists only inside containers on a "
            "user-defined Docker network; there nothing answers on it and every lookup fails. Use the address of a "
            "real resolver (the cluster DNS or your network's)",
            where, Severity.MAJOR, route=route,
        )
