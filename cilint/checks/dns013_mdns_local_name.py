"""DNS013 mdns-local-name: A `.local` (mDNS) hostname used in a container."""

from __future__ import annotations

from collections.abc import Iterator

from cilint.checks.base import Check, CheckContext
from cilint.facts.local_hosts import classify
from cilint.findings import Finding, Severity
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
        for rj_or_job, hosts, mapped, searches in self._sources(ctx):
            for host, node in hosts:
                if not host.endswith(".local") or host.endswith("cluster.local") or classify(host) is not None:
                    continue
                zone = host.split(".", 1)[1] if host.count(".") > 1 else "local"
                if host in mapped or any(s.strip(".") in (zone, "local") or host.endswith("." + s.strip(".")) for s in searches):
                    continue
                if (host, id(node)) in reported:
                    continue
                reported.add((host, id(node)))
                yield Finding(
                    self.rule_id,
                    f"`{host}` ({rj_or_job}) is a `.local` name, which containers cannot resolve by mDNS",
                    location(node), Severity.INFO, route=("mdns", host),
                    why=("on a developer machine mDNS (Bonjour/Avahi) resolves it; in a job it resolves only if a DNS "
                         "server of the runner serves that zone (an Active Directory domain does)"),
                    remedy="map it with `extra_hosts`/`host_aliases`, or use a unicast DNS name",
                )

    @staticmethod
    def _sources(ctx: CheckContext) -> Iterator[tuple[str, list[tuple[str, Node]], set[str], list[str]]]:
        for job in ctx.jobs():
            if not _mentions(job, ".local"):  # analyse only the jobs that can matter
                continue
            runners = ctx.facts.confirmed_runners(job)
            mapped = {h for c in runners for h in c.runner.mapped_hosts()}
            searches = [s for c in runners for s in (*c.runner.docker.strings("dns_search"),
                                                     *c.runner.kubernetes_dns().searches)]
            mapped |= {a for s in job.services for a in s.aliases}
            yield f"job `{job.name}`", list(ctx.facts.hosts(job)), mapped, searches
        for config, runner in ctx.project.runners:
            hosts = []
            for key in ("url", "clone_url"):
                setting = runner.table.setting(key)
                if setting is not None:
                    hosts += [(h, setting.node) for h in hosts_in_text(scalar_text(setting.node) or "")]
            searches = [*runner.docker.strings("dns_search"), *runner.kubernetes_dns().searches]
            yield f"runner `{runner.name}`", hosts, set(runner.mapped_hosts()), searches
