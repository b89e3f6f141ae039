"""DNS008 musl-mixed-nameservers: Nameservers with different views, raced by musl's parallel resolver."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from cilint.checks.base import Check, CheckContext
from cilint.facts.images import dns_flags
from cilint.facts.lookup import is_public_name
from cilint.facts.resolution import service_container
from cilint.findings import Finding, Severity, Subject
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
                        f"with `dns_policy` {dns.policy} Kubernetes adds these servers after the cluster DNS, which "
                        "alone knows the cluster's names"))
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
                f"the internal ({', '.join(internal)}) and public ({', '.join(public)}) resolvers answer differently "
                "for internal names"))

    def _finding(self, rj: RunnerJobs, setting: Setting, servers: list[str], why: str) -> Finding:
        musl = bool(rj.musl_images)
        impact = (f"{_musl_note(rj)}: musl asks every nameserver at once and takes the first answer, so internal "
                  "names fail at random ('Could not resolve host', 'bad address') when a public resolver answers first"
                  if musl else "glibc images try them in order, but in any musl (Alpine) image internal names would "
                  "fail at random")
        return Finding(
            self.rule_id,
            f"runner `{rj.runner.name}` gives jobs nameservers with different views ({', '.join(servers)})",
            location(setting.node), Severity.MAJOR if musl else Severity.MINOR,
            route=("mixed-nameservers", rj.runner.name), why=f"{why}; {impact}",
            remedy="list only resolvers with the same view (one forwarder that knows the internal zones)",
            subjects=rj.subjects(sorted(h for h in rj.hosts if _internal_name(h))),
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
                    f"dind service `{service.name}` of job `{job.name}` mixes internal and public resolvers "
                    f"({', '.join(f.value for f in flags)})",
                    location(flags[0].node), Severity.MINOR, route=("mixed-dind-dns", job.name, service.name),
                    why=("in Alpine-based build steps musl asks them in parallel, and internal names fail at random "
                         "when a public resolver answers first"),
                    remedy="list resolvers with one view (one forwarder that knows the internal zones)",
                    subjects=tuple(Subject(job.name, r.host, service_container(job, service).replace(
                        "service:", "dind-run:", 1)) for r in ctx.facts.references(job) if _internal_name(r.host)),
                )


def _internal_name(host: str) -> bool:
    """A name only internal resolvers know (what the mix of views breaks)."""
    return not is_public_name(host) and is_internal_address(host) is None and "." in host
