"""DNS009 ndots-breaks-partial-names: A lowered `ndots` breaks partially qualified names in musl images."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from cilint.checks.base import Check, CheckContext
from cilint.edits.scalars import replace_scalar
from cilint.findings import Applicability, Finding, Fix, Related, Severity
from cilint.syntax.nodes import location, scalar_text
from cilint.syntax.tree import ScalarNode

if TYPE_CHECKING:  # runner models load only for projects with runner configuration
    from cilint.models.runner import Runner, Setting
from cilint.facts.hosts import is_partial_name
from cilint.facts.runner_jobs import _musl_note


class NdotsBreaksPartialNames(Check):
    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        for rj in ctx.facts.runner_jobs:
            if rj.runner.executor != "kubernetes" or not rj.musl_images:
                continue
            option = _ndots_option(rj.runner)
            if option is None:
                continue
            value_setting, ndots, written = option
            broken = sorted(h for h in rj.hosts if is_partial_name(h) and h.count(".") >= ndots)
            if not broken:
                continue
            wanted = max(h.count(".") for h in broken) + 1
            node = value_setting.node
            fix = None
            if written and isinstance(node, ScalarNode) and node.style in ('"', "'", "toml"):
                fix = Fix(f'Set ndots to "{wanted}"', (replace_scalar(node, f'"{wanted}"'),), Applicability.UNSAFE)
            first = rj.hosts[broken[0]]
            yield Finding(
                self.rule_id,
                (f"runner `{rj.runner.name}`'s `ndots` of {ndots}" if written else
                 f"runner `{rj.runner.name}`'s `none` policy (ndots:1)")
                + " breaks the partial cluster names "
                f"{', '.join(f'`{h}`' for h in broken[:4])}{' ...' if len(broken) > 4 else ''}",
                location(node), Severity.MAJOR, fix=fix,
                why=(f"{_musl_note(rj)}: musl never applies the search list to a name with at least ndots dots, so "
                     "these lookups fail ('bad address')"),
                remedy=f"use full names (`...svc.cluster.local`) or set ndots to {wanted}",
                related=(Related(location(first), f"`{broken[0]}` is used here"),),
                route=("partial-names", rj.runner.name),
                confidence=min(rj.confidence_for(broken), rj.musl_confidence), subjects=rj.subjects(broken),
            )


def _ndots_option(runner: Runner) -> tuple[Setting, int, bool] | None:
    """The ndots the pods get when it is below the kubelet's 5: the written option, or, with
    `dns_policy = "none"` and search domains but no option, resolv.conf's default of 1 (at the policy)."""
    for option in runner.kubernetes.table("dns_config").tables("options"):
        if option.text("name") == "ndots":
            value = option.setting("value")
            text = scalar_text(value.node) if value else None
            if value is not None and text is not None and text.strip().isdigit():
                return value, int(text), True
    policy = runner.kubernetes.setting("dns_policy")
    dns = runner.kubernetes_dns()
    if policy is not None and dns.policy == "None" and dns.searches and "ndots" not in dns.options:
        return policy, 1, False
    return None
