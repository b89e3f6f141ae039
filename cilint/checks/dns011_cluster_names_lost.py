"""DNS011 cluster-names-lost: "`dns_policy` none/default loses the cluster names the runner or its jobs use"."""

from __future__ import annotations

from collections.abc import Iterator

from cilint.checks.base import Check, CheckContext
from cilint.facts.runner_jobs import lost_cluster_names
from cilint.findings import Finding, Related, Severity
from cilint.syntax.nodes import location


class ClusterNamesLost(Check):
    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        for rj in ctx.facts.runner_jobs:
            runner = rj.runner
            if runner.executor != "kubernetes":
                continue
            dns = runner.kubernetes_dns()
            names = lost_cluster_names(rj, dns.policy, dns.nameservers, dns.searches)
            if not names:
                continue
            setting = runner.kubernetes.setting("dns_policy")
            assert setting is not None
            why = ("inherits the node's resolv.conf" if dns.policy == "Default" else
                   f"uses only {', '.join(dns.nameservers) or 'no nameserver'}")
            yield Finding(
                self.rule_id,
                f"runner `{runner.name}`'s `dns_policy = \"{dns.written_policy}\"` loses the cluster names "
                f"{', '.join(f'`{h}`' for h in names[:4])}{' ...' if len(names) > 4 else ''}",
                location(setting.node), Severity.MAJOR,
                why=(f"the policy {why}: without the cluster DNS and its search list these names fail to resolve "
                     "('Could not resolve host')"),
                remedy=("keep `cluster-first` and tune `ndots`, or with `none` list the cluster DNS first and add "
                        "`searches = [\"<namespace>.svc.cluster.local\", \"svc.cluster.local\", \"cluster.local\"]`"),
                related=(Related(location(rj.hosts[names[0]]), f"`{names[0]}` is used here"),),
                route=("cluster-names-lost", runner.name), confidence=rj.confidence_for(names),
                subjects=rj.subjects(names),
            )
