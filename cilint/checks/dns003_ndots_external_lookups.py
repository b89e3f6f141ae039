"""DNS003 ndots-external-lookups: ndots makes external names walk the cluster search list first."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from cilint.checks.base import Check, CheckContext
from cilint.edits.runner import add_toml_table_after, runner_config_file
from cilint.edits.scalars import replace_scalar
from cilint.facts.hosts import is_ip, is_partial_name
from cilint.facts.images import is_musl_image
from cilint.facts.runner_jobs import default_image
from cilint.findings import Applicability, Confidence, Finding, Fix, Severity
from cilint.syntax.nodes import location, scalar_text
from cilint.syntax.tree import Node

if TYPE_CHECKING:  # runner models load only for projects with runner configuration
    from cilint.models.runner import Runner, RunnerConfig


_CLUSTER_SUFFIXES = (".svc", ".cluster.local", ".svc.cluster.local", ".local", ".internal")


def dots(host: str) -> int:
    return host.count(".")


def is_external(host: str) -> bool:
    return bool(host) and "." in host and not host.endswith(".") and not is_ip(host) and not host.endswith(
        _CLUSTER_SUFFIXES) and "$" not in host


def is_partial_cluster_name(host: str) -> bool:
    """A name that needs the search list: `svc.namespace`, `svc.namespace.svc`."""
    return "." in host and not host.endswith(".") and (host.endswith(".svc") or host.endswith(".svc.cluster"))


class NdotsExternalLookups(Check):
    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        for config, runner in ctx.project.runners:
            if runner.executor != "kubernetes":
                continue
            dns = runner.kubernetes_dns()
            ndots = dns.ndots
            if ndots is None or ndots <= 1 or not dns.cluster_dns and not dns.searches:
                continue
            hosts, musl = self._hosts(ctx, runner)
            unmapped = not ctx.project.config.runners and bool(ctx.project.pipelines)
            slow = sorted({h for h in hosts if is_external(h) and not is_partial_name(h) and dots(h) < ndots},
                          key=lambda h: (dots(h), h))
            if not slow:
                continue
            # Names that need the search list; on musl a lower ndots must stay above their dot count (DNS009).
            partial = [h for h in hosts if is_partial_cluster_name(h) or is_partial_name(h)]
            wanted = max([1] + [dots(h) + 1 for h in partial])
            if wanted >= ndots:
                continue  # the jobs' partial names need this ndots: it cannot be lowered (DNS009)
            quoted = [f"`{h}`" for h in slow[:3]]
            shown = (", ".join(quoted[:-1]) + " and " + quoted[-1] if len(slow) <= 3 else
                     f"{quoted[0]}, {quoted[1]} and {len(slow) - 2} more names") if len(slow) > 1 else quoted[0]
            node, fix = self._where_and_fix(ctx, config, runner, wanted)
            statement = f"runner `{runner.name}`'s ndots:{ndots} makes {shown} walk the cluster search list first"
            why = ("each external name costs several failed lookups before the real one; jobs see slow or intermittent "
                   "'Could not resolve host' errors")
            if musl:
                why += ", more often with musl (Alpine) images, which query every search domain and server in parallel"
            remedy = (f"add an `ndots` option of {wanted} in `[runners.kubernetes.dns_config]` (above the dot count "
                      "of any `service.namespace` name the jobs use)")
            if unmapped:
                remedy += "; every job of the project is counted for this runner: map runners to tags in [[tool.cilint.runners]]"
            rj = ctx.facts.runner_jobs_of(runner)
            confidence = rj.confidence_for(slow) if rj else Confidence.HIGH
            yield Finding(self.rule_id, statement, location(node), Severity.MAJOR if musl else Severity.MINOR,
                          fix=fix, route=("ndots", runner.name), confidence=confidence, why=why, remedy=remedy,
                          subjects=rj.subjects(slow) if rj else ())

    @staticmethod
    def _hosts(ctx: CheckContext, runner: Runner) -> tuple[set[str], bool]:
        """The names the runner and its jobs use (shared with the resolver rules), and whether an
        Alpine image is written for them (the helper flavour set to `alpine`, or a job image)."""
        rj = ctx.facts.runner_jobs_of(runner)
        hosts = set(rj.hosts) if rj else set()
        default = default_image(runner)
        musl = (runner.kubernetes.text("helper_image_flavor") or "") == "alpine" or any(
            job.image is not None and is_musl_image(job.image.name) for job in (rj.jobs if rj else ())) or (
            default is not None and rj is not None and bool(rj.jobs_on_default_image)
            and is_musl_image(scalar_text(default.node) or ""))
        return hosts, musl

    @staticmethod
    def _where_and_fix(ctx: CheckContext, config: RunnerConfig, runner: Runner, wanted: int) -> tuple[Node, Fix | None]:
        k8s = runner.kubernetes
        dns_config = k8s.table("dns_config")
        for option in dns_config.tables("options"):
            if option.text("name") == "ndots":
                value = option.setting("value")
                if value is not None:
                    fix = Fix(f'Set ndots to "{wanted}"', (replace_scalar(value.node, f'"{wanted}"'),),  # type: ignore[arg-type]
                              Applicability.UNSAFE)
                    return value.node, fix
                return option.node, None  # type: ignore[return-value]
        anchor = k8s.node or runner.table.node
        assert anchor is not None
        source = runner_config_file(ctx.source(runner.path), config)
        if source is None:
            return anchor, None
        # under [runners.kubernetes], or (none yet) indented like the runner's own keys
        edit = add_toml_table_after(source, anchor, ["[[runners.kubernetes.dns_config.options]]", '  name = "ndots"',
                                                     f'  value = "{wanted}"'], nested=k8s.node is not None)
        return anchor, Fix(f'Add the dns_config option ndots = "{wanted}"', (edit,), Applicability.UNSAFE)
