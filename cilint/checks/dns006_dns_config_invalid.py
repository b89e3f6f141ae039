"""DNS006 dns-config-invalid: Runner DNS settings that GitLab Runner or Kubernetes reject."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from cilint.checks.base import Check, CheckContext
from cilint.edits.scalars import replace_scalar
from cilint.facts.hosts import is_ip
from cilint.facts.runner_jobs import lost_cluster_names
from cilint.findings import Applicability, Finding, Fix, Location, Severity
from cilint.syntax.nodes import location
from cilint.syntax.tree import SeqNode

if TYPE_CHECKING:  # runner models load only for projects with runner configuration
    from cilint.models.runner import Runner, Setting


# Kubernetes (dns-pod-service.md "Pod's DNS Config"; KEP-2595 expanded limits, stable since 1.28).
MAX_NAMESERVERS = 3
MAX_SEARCHES = 32
MAX_SEARCH_CHARS = 2048


def _respellings() -> dict[str, str]:
    """Kubernetes-style spellings the runner rejects, and the spelling it accepts."""
    from cilint.models.runner import (
        K8S_DNS_POLICIES,  # runner models (~20M instructions): only with runners
    )

    return {k.replace("-", ""): k for k in K8S_DNS_POLICIES if k} | {
        "clusterfirst": "cluster-first", "clusterfirstwithhostnet": "cluster-first-with-host-net"}


class InvalidDnsConfig(Check):
    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        for config, runner in ctx.project.runners:
            yield from self._kubernetes(ctx, runner)
            yield from self._docker(runner)

    def _finding(self, runner: Runner, node_location: Location, statement: str, why: str, remedy: str, key: str,
                 fix: Fix | None = None, severity: Severity = Severity.BLOCKER) -> Finding:
        return Finding(self.rule_id, f"runner `{runner.name}`: {statement}", node_location, severity,
                       fix=fix, route=("runner", runner.name, key), why=why, remedy=remedy)

    def _kubernetes(self, ctx: CheckContext, runner: Runner) -> Iterator[Finding]:
        k8s = runner.kubernetes
        if not k8s:
            return
        policy = k8s.setting("dns_policy")
        dns = runner.kubernetes_dns()
        if policy is not None and dns.policy_rejected and not policy.is_template:
            yield self._policy(ctx, runner, policy)
        dns_config = k8s.table("dns_config")
        nameservers = dns_config.setting("nameservers")
        if dns.written_policy == "none" and not dns.nameservers and not (nameservers and nameservers.is_template):
            where = location(nameservers.node) if nameservers else location(policy.node)  # type: ignore[union-attr]
            yield self._finding(runner, where, 'dns_policy = "none" without any `dns_config.nameservers`',
                                "Kubernetes rejects the pod: every job fails ('must provide at least one DNS nameserver')",
                                "add the resolvers' IP addresses to `nameservers` in `[runners.kubernetes.dns_config]`",
                                "none-without-nameservers")
        if nameservers is not None and isinstance(nameservers.node, SeqNode):
            if len(dns.nameservers) > MAX_NAMESERVERS:
                yield self._finding(runner, location(nameservers.node),
                                    f"{len(dns.nameservers)} nameservers; Kubernetes allows at most {MAX_NAMESERVERS}",
                                    "Kubernetes rejects the pod: every job of the runner fails before it starts",
                                    f"keep at most {MAX_NAMESERVERS} nameservers", "too-many-nameservers")
            for item in nameservers.node.items:
                value = item.value if hasattr(item, "value") else None
                if isinstance(value, str) and not is_ip(value) and item.tag != "helm-template":
                    yield self._finding(runner, location(item), f"nameserver `{value}` is not an IP address",
                                        "Kubernetes rejects the pod: every job fails ('must be valid IP address')",
                                        "write the resolver's IP address", f"nameserver:{value}")
        searches = dns_config.setting("searches")
        if searches is not None and (len(dns.searches) > MAX_SEARCHES or len(" ".join(dns.searches)) > MAX_SEARCH_CHARS):
            yield self._finding(runner, location(searches.node),
                                f"{len(dns.searches)} search domains ({len(' '.join(dns.searches))} characters) is "
                                "more than Kubernetes allows",
                                "Kubernetes rejects the pod: every job of the runner fails before it starts",
                                f"keep at most {MAX_SEARCHES} search domains and {MAX_SEARCH_CHARS} characters",
                                "too-many-searches")
        for option in dns_config.tables("options"):
            if not option.text("name") and option.node is not None:
                yield self._finding(runner, location(option.node), "a `dns_config.options` entry has no `name`",
                                    "Kubernetes rejects the pod: every job of the runner fails before it starts",
                                    "give the option a `name` (`ndots`, `timeout`, `attempts` ...)", "option-without-name")

    def _policy(self, ctx: CheckContext, runner: Runner, policy: Setting) -> Finding:
        """A policy the runner rejects: it falls back to ClusterFirst. Severity follows the effect: none
        when ClusterFirst was meant; the meant DNS never applying otherwise."""
        written = str(policy.value)
        accepted = _respellings().get(written.replace("-", "").replace("_", "").lower())
        if accepted == "cluster-first":
            fix = Fix('Write dns_policy = "cluster-first"', (replace_scalar(policy.node, '"cluster-first"'),),
                      Applicability.SAFE)  # the runner's fallback is this very policy: resolution is unchanged
            return self._finding(
                runner, location(policy.node),
                f'dns_policy = "{written}" is the Kubernetes spelling, which GitLab Runner rejects',
                "every job log shows a warning ('unsupported kubernetes-dns-policy'); the fallback is ClusterFirst, "
                "the policy meant, so resolution does not change", 'write "cluster-first"', "dns_policy", fix, Severity.INFO)
        fix = None
        remedy = (f'write "{accepted}"' if accepted
                  else "write one of none, default, cluster-first, cluster-first-with-host-net")
        if accepted is not None:
            # the fix changes how every job of the runner resolves names: never safe
            applicability = Applicability.UNSAFE
            lost = self._lost_names(ctx, runner, accepted)
            if lost:  # today's fallback keeps cluster DNS; the written policy would drop it (DNS011)
                applicability = Applicability.DISPLAY_ONLY
                remedy += (f", but then the cluster names the jobs use ({', '.join(f'`{h}`' for h in lost[:3])}) stop "
                           "resolving: list the cluster DNS first and add the cluster search domains in the same change")
            fix = Fix(f'Write dns_policy = "{accepted}"', (replace_scalar(policy.node, f'"{accepted}"'),), applicability)
        return self._finding(
            runner, location(policy.node),
            f'dns_policy = "{written}" is rejected by GitLab Runner: the DNS it names never applies',
            "the runner falls back to ClusterFirst with only a warning in the job log ('unsupported "
            "kubernetes-dns-policy'), so jobs resolve through the cluster DNS", remedy,
            "dns_policy", fix, Severity.MAJOR,
        )

    @staticmethod
    def _lost_names(ctx: CheckContext, runner: Runner, accepted: str) -> list[str]:
        from cilint.models.runner import K8S_DNS_POLICIES

        rj = ctx.facts.runner_jobs_of(runner)
        dns = runner.kubernetes_dns()
        policy = K8S_DNS_POLICIES[accepted]
        return lost_cluster_names(rj, policy, dns.nameservers, dns.searches) if rj else []

    def _docker(self, runner: Runner) -> Iterator[Finding]:
        dns = runner.docker.setting("dns")
        if dns is None or not isinstance(dns.node, SeqNode):
            return
        for item in dns.node.items:
            value = getattr(item, "value", None)
            if isinstance(value, str) and not is_ip(value) and item.tag != "helm-template":
                yield self._finding(runner, location(item), f"`[runners.docker] dns` entry `{value}` is not an IP address",
                                    "since Runner 19.2 every job fails in the prepare stage (host names and ports are "
                                    "not accepted)", "write the resolver's IP address", f"docker-dns:{value}")
