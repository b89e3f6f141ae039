"""DNS013 mdns-local-name: A `.local` (mDNS) hostname used in a container."""

from __future__ import annotations

from collections.abc import Iterator

from cilint.checks.base import Check, CheckContext
from cilint.facts.local_hosts import classify
from cilint.findings import Finding, Severity, Subject
from cilint.models.pipeline import Job
from cilint.shell.network import hosts_in_text
from cilint.syntax.nodes import location, scalar_text
from cilint.syntax.tree import Node


def _mentions(job: Job, text: str) -> bool:
    """The text appears in the job's scripts or variable values (a cheap filter before parsing)."""
    return any(text in line.text for line in (*job.hooks, *job.script_lines())) or any(
        text in (v.value or "") for v in job.variables.values())


class MdnsLocalName(Check):
    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        reported: set[tuple[str, int]] = set()
        for job in ctx.jobs():
            if not _mentions(job, ".local"):  # analyse only the jobs that can matter
                continue
            for host, node in ctx.facts.hosts(job):
                if _candidate(host) and (host, id(node)) not in reported and any(
                        f.cause == "mdns" for f in ctx.facts.lookups(job, host)):  # as `cilint trace` shows it
                    reported.add((host, id(node)))
                    yield self._finding(host, f"job `{job.name}`", node, (Subject(job.name, host),))
        for _, runner in ctx.project.runners:
            searches = [*runner.docker.strings("dns_search"), *runner.kubernetes_dns().searches]
            for key in ("url", "clone_url"):
                setting = runner.table.setting(key)
                for host in hosts_in_text(scalar_text(setting.node) or "") if setting is not None else ():
                    if _candidate(host) and host not in runner.mapped_hosts() and not _searched(host, searches) \
                            and (host, id(setting.node)) not in reported:
                        reported.add((host, id(setting.node)))
                        yield self._finding(host, f"runner `{runner.name}`", setting.node,
                                            (Subject("", host, "helper", runner.name),))

    def _finding(self, host: str, where: str, node: Node, subjects: tuple[Subject, ...]) -> Finding:
        return Finding(
            self.rule_id, f"`{host}` ({where}) is a `.local` name, which containers cannot resolve by mDNS",
            location(node), Severity.INFO, route=("mdns", host), subjects=subjects,
            why=("on a developer machine mDNS (Bonjour/Avahi) resolves it; in a job it resolves only if a DNS "
                 "server of the runner serves that zone (an Active Directory domain does)"),
            remedy="map it with `extra_hosts`/`host_aliases`, or use a unicast DNS name",
        )


def _candidate(host: str) -> bool:
    return host.endswith(".local") and not host.endswith("cluster.local") and classify(host) is None


def _searched(host: str, searches: list[str]) -> bool:
    zone = host.split(".", 1)[1] if host.count(".") > 1 else "local"
    return any(s.strip(".") in (zone, "local") or host.endswith("." + s.strip(".")) for s in searches)
