"""NET004 service-alias-not-dns-safe: A service alias that is not a valid DNS-1123 name."""

from __future__ import annotations

import re
from collections.abc import Iterator

from cilint.checks.base import Check, CheckContext
from cilint.edits.entries import double_quoted
from cilint.edits.scalars import replace_scalar
from cilint.facts.hosts import is_dns1123_subdomain
from cilint.facts.scripts import expander
from cilint.findings import Applicability, Finding, Fix, Severity
from cilint.models.pipeline import Job, Service
from cilint.shell.network import command_targets, value_hosts
from cilint.syntax.nodes import location
from cilint.syntax.tree import ScalarNode, resolve_plain


def _dns_safe(alias: str) -> str | None:
    """`alias` made a DNS-1123 subdomain label by label (invalid characters to `-`, no `-` at a label's
    ends, empty labels dropped); None when nothing valid is left."""
    labels = (re.sub(r"[^a-z0-9-]+", "-", label).strip("-")[:63].strip("-") for label in alias.lower().split("."))
    safe = ".".join(label for label in labels if label)
    return safe if safe and is_dns1123_subdomain(safe) else None


class ServiceAliasNotDnsSafe(Check):
    """NET004: explicit aliases that are not DNS-1123 subdomains, and uses of `__` derived hostnames."""

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        reported: set[int] = set()
        for job in ctx.jobs():
            executors = ctx.facts.possible_executors(job)
            for service in job.services:
                for alias in service.aliases:
                    node = service.alias_node
                    if is_dns1123_subdomain(alias) or node is None or id(node) in reported:
                        continue
                    reported.add(id(node))
                    yield self._alias(job, service, alias, executors)
            yield from self._script_uses(ctx, job, executors, reported)
            for variable in job.variables.values():
                node = variable.node
                if variable.value is None or "__" not in variable.value or id(node) in reported:
                    continue
                derived = {a for s in job.services for a in (s.derived_aliases(job.variables) or ()) if "__" in a}
                used = sorted(h for h in value_hosts(variable.value) if h in derived)
                if used and "kubernetes" in executors:
                    reported.add(id(node))
                    yield Finding(
                        self.rule_id,
                        f"`{variable.name}` of job `{job.name}` uses service hostname `{used[0]}`, which Kubernetes drops",
                        location(node), Severity.BLOCKER, route=("derived-alias", job.name, variable.name),
                        why=("a derived name with `__` is not a valid DNS name, so the Kubernetes executor does not "
                             "create it and the lookup fails with 'no such host'"),
                        remedy="give the service an `alias:` and use that",
                    )

    def _script_uses(self, ctx: CheckContext, job: Job, executors: frozenset[str], reported: set[int]) -> Iterator[Finding]:
        """`__` derived hostnames named in the job's commands (`psql -h group__postgres`, a curl URL)."""
        if "kubernetes" not in executors or not job.services:
            return
        derived = {a for s in job.services for a in (s.derived_aliases(job.variables) or ()) if "__" in a}
        if not derived:
            return
        expand = expander(job)
        for item in ctx.facts.commands(job):
            for target in command_targets(item.command, expand):
                if target.host in derived and id(item.line.node) not in reported:
                    reported.add(id(item.line.node))
                    yield Finding(
                        self.rule_id,
                        f"`{target.tool}` in job `{job.name}` connects to `{target.host}`, which Kubernetes drops",
                        location(item.line.node), Severity.BLOCKER, route=("derived-alias-script", job.name, target.host),
                        why=("a derived service name with `__` is not a valid DNS name, so the Kubernetes executor does "
                             "not create it and the lookup fails with 'no such host'"),
                        remedy="give the service an `alias:` and use that",
                    )

    def _alias(self, job: Job, service: Service, alias: str, executors: frozenset[str]) -> Finding:
        node = service.alias_node
        assert node is not None
        safe = _dns_safe(alias)
        if "kubernetes" in executors:
            severity, effect = Severity.BLOCKER, ("the Kubernetes executor refuses to create the pod ('provided host "
                                                  f"alias {alias} ... is invalid DNS')")
        else:
            severity, effect = Severity.MINOR, ("on the Docker executor it works, but names that are not RFC 1123 "
                                                "can fail in clients, and on Kubernetes the job would not start")
        fix = None
        if safe and isinstance(node, ScalarNode) and node.value == alias and node.style in ("", "'", '"'):
            written = safe if isinstance(resolve_plain(safe), str) else double_quoted(safe)  # `0.0` is a float
            fix = Fix(f"Use the alias `{safe}`", (replace_scalar(node, written),), Applicability.UNSAFE)
        return Finding(
            self.rule_id,
            f"alias `{alias}` of service `{service.name}` (job `{job.name}`) is not a valid DNS name",
            location(node), severity, fix=fix, route=("alias", service.name, alias),
            why=f"a DNS-1123 name has only lowercase letters, digits, '-' and '.'; {effect}",
            remedy="use " + (f"`{safe}`" if safe else "such a name"),
        )
