"""DNS008 musl-mixed-nameservers: Nameservers with different views, raced by musl's parallel resolver."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from cilint.checks.base import Check, CheckContext
from cilint.facts.images import dns_flags
from cilint.findings import Finding, Severity
from cilint.syntax.nodes import location

if TYPE_CHECKING:  # runner models load only for projects with runner configuration
    from cilint.models.runner import Setting
from cilint.facts.hosts import is_internal_address, mixed_views
from cilint.facts.runner_jobs import RunnerJobs, _musl_note


class MuslMixedNameservers(Check):
    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        for rj in ctx.facts.runner_jobs:
            runner = rj.runner
            if runner.executor == "kubernetes":
                dns = runner.kubernetes_dns()
                setting = runner.kubernetes.table("dns_config").setting("nameservers")
                if setting is None or not dns.nameservers:
                    continue
                if dns.cluster_dns:
                    yield self._finding(rj, setting, list(dns.nameservers), (
                        f"with `dns_policy` {dns.policy} Kubernetes adds these servers after the cluster DNS, so "
                        "pods get resolvers with different views"))
                    continue
                yield from self._mixed(rj, setting, list(dns.nameservers))
            elif runner.docker.strings("dns"):
                setting = runner.docker.setting("dns")
                assert setting is not None
                yield from self._mixed(rj, setting, list(runner.docker.strings("dns")))
        yield from self._dind_flags(ctx)

    def _mixed(self, rj: RunnerJobs, setting: Setting, servers: list[str]) -> Iterator[Finding]:
        if mixed_views(servers):
            internal = [s for s in servers if is_internal_address(s)]
            public = [s for s in servers if is_internal_address(s) is False]
            yield self._finding(rj, setting, servers, (
                f"internal ({', '.join(internal)}) and public ({', '.join(public)}) resolvers answer differently "
                "for internal names"))

    def _finding(self, rj: RunnerJobs, setting: Setting, servers: list[str], why: str) -> Finding:
        musl = bool(rj.musl_images)
        impact = (f"{_musl_note(rj)}: musl queries every nameserver at once and takes the first answer, so a "
                  "public NXDOMAIN wins the race for internal names and lookups fail at random"
                  if musl else "glibc images try them in order, but any musl (Alpine) image would fail at random")
        return Finding(
            self.rule_id,
            f"runner `{rj.runner.name}` gives jobs the nameservers {', '.join(servers)}: {why}; {impact}. List only "
            "resolvers with the same view (one forwarder that knows the internal zones)",
            location(setting.node), Severity.MAJOR if musl else Severity.MINOR,
            route=("mixed-nameservers", rj.runner.name),
        )

    def _dind_flags(self, ctx: CheckContext) -> Iterator[Finding]:
        seen: set[int] = set()
        for job in ctx.jobs():
            for service in job.services:
                flags = [f for f in dns_flags(service) if is_internal_address(f.value) is not None]
                views = {is_internal_address(f.value) for f in flags}
                if views != {True, False} or id(flags[0].node) in seen:
                    continue
                seen.add(id(flags[0].node))
                yield Finding(
                    self.rule_id,
                    f"the dind service `{service.name}` of job `{job.name}` gives the containers it starts both "
                    f"internal and public resolvers ({', '.join(f.value for f in flags)}): in Alpine-based "
                    "build steps musl queries them in parallel, and a public NXDOMAIN for an internal name wins; "
                    "list resolvers with one view",
                    location(flags[0].node), Severity.MINOR, route=("mixed-dind-dns", job.name, service.name),
                )
