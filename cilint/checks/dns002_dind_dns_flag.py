"""DNS002 dind-dns-flag: --dns on a dind service does not change dockerd's own lookups."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from cilint.checks.base import Check, CheckContext
from cilint.edits.entries import insert_after_table_keys, remove_seq_items, toml_value
from cilint.edits.runner import runner_config_file
from cilint.edits.scalars import replace_scalar
from cilint.facts.hosts import EMBEDDED_DNS, is_ip, mixed_views
from cilint.facts.images import DnsFlag, dns_flags, is_dind, uses_docker_images
from cilint.facts.runner_jobs import lost_cluster_names
from cilint.facts.runners import DOCKER_EXECUTORS, RunnerChoice, network_per_build
from cilint.findings import Applicability, Finding, Fix, Related, Severity
from cilint.models.pipeline import Job, Service
from cilint.source import SourceFile
from cilint.syntax.nodes import location
from cilint.syntax.tree import MapNode, ScalarNode


@dataclass(frozen=True, slots=True, eq=False)
class _Verdict:
    """How bad a `--dns` flag on a dind service is, and why."""

    severity: Severity | None  # None: the flag is legitimate here
    why: str  # what the runner adds to the symptom ("" when nothing)
    remedy: str
    choice: RunnerChoice | None = None


class DindDnsFlag(Check):
    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        for job in ctx.jobs():
            for service in job.services:
                if not is_dind(service):
                    continue
                flags = [f for f in dns_flags(service) if f.value != EMBEDDED_DNS]  # DNS007 handles 127.0.0.11
                if flags:
                    finding = self._finding(ctx, job, service, flags)
                    if finding is not None:
                        yield finding

    def _finding(self, ctx: CheckContext, job: Job, service: Service, flags: list[DnsFlag]) -> Finding | None:
        verdict = self._verdict(ctx, job)
        if verdict.severity is None:
            return None
        servers = ", ".join(f.value for f in flags)
        statement = f"`--dns {servers}` on dind service `{service.name}` (job `{job.name}`) does not change dockerd's DNS"
        why = ("it sets only the resolv.conf of the containers dockerd starts (RUN steps); dockerd's own lookups "
               "(pulling FROM images, login, push) keep the dind container's DNS" + verdict.why)
        related = ()
        if verdict.choice is not None:
            node = verdict.choice.runner.kubernetes.node or verdict.choice.runner.table.node
            if node is not None:
                related = (Related(location(node), f"runner `{verdict.choice.runner.name}`"),)
        return Finding(
            self.rule_id, statement, location(flags[0].node), verdict.severity, why=why, remedy=verdict.remedy,
            fix=self._fix(ctx, service, flags, verdict.choice), related=related,
            route=("dind-dns", job.name, service.name),
        )

    @staticmethod
    def _verdict(ctx: CheckContext, job: Job) -> _Verdict:
        choices = ctx.facts.possible_runners(job)
        if not choices:
            return _Verdict(Severity.MINOR, (
                "; on a Kubernetes runner whose pods get cluster DNS without `dns_config` nameservers, image pulls "
                "fail on names only these servers know (no runner configuration was found for this job)"),
                "set the resolvers in the runner's configuration (`[runners.kubernetes.dns_config]` or "
                "`[runners.docker] dns`); pass it with --runner-config to check it")
        worst = _Verdict(None, "", "")
        for choice in choices:
            runner = choice.runner
            executor = runner.executor or ""
            if executor == "kubernetes":
                dns = runner.kubernetes_dns()
                if dns.nameservers:
                    continue  # the pod already gets the intended resolvers: the flag is for RUN steps only
                if dns.cluster_dns and uses_docker_images(ctx.facts.commands(job)):
                    return _Verdict(Severity.MAJOR, (
                        f"; runner `{runner.name}` gives the pod cluster DNS with no `dns_config` nameservers, so image "
                        "pulls in dind resolve through the cluster, not through these servers"),
                        f"set the servers in runner `{runner.name}`'s `[runners.kubernetes.dns_config]` instead", choice)
                worst = _Verdict(Severity.MINOR, "", f"to change dockerd's resolvers, set them in runner "
                                 f"`{runner.name}`'s `[runners.kubernetes.dns_config]`", choice)
            elif executor in DOCKER_EXECUTORS:
                if runner.docker.strings("dns") or network_per_build(job, runner):
                    continue
                worst = _Verdict(Severity.MINOR, "", f"to change dockerd's resolvers, set `dns` in runner "
                                 f"`{runner.name}`'s `[runners.docker]`", choice)
        return worst

    def _fix(self, ctx: CheckContext, service: Service, flags: list[DnsFlag], choice: RunnerChoice | None) -> Fix | None:
        owner = service.node
        source = ctx.source(owner.path)
        if not isinstance(owner, MapNode) or not isinstance(source, SourceFile):
            return None
        items = [f.node for f in flags]
        # `--dns X` (two items) removes the value item too.
        command = owner.get("command")
        if command is not None and hasattr(command, "items"):
            for flag in flags:
                index = command.items.index(flag.node)
                if isinstance(flag.node, ScalarNode) and flag.node.value == "--dns" and index + 1 < len(command.items):
                    items.append(command.items[index + 1])
        ci_edits = remove_seq_items(source, owner, "command", items)
        if ci_edits is None:
            return None
        servers = [f.value for f in flags if is_ip(f.value)][:3]
        runner_edits = None
        if choice and servers and self._keeps_resolution(ctx, choice, servers):
            runner_edits = self._runner_edits(ctx, choice, servers)
        # Shown, never applied: the runner's pod DNS is every job's (other projects' too), and with
        # `none` a cluster name resolves only if the servers listed know the cluster's zone.
        if runner_edits:
            return Fix("Move the --dns servers from the dind service to the runner's pod DNS configuration (every "
                       "job of the runner then resolves through them: only with servers that know the cluster's names)",
                       tuple(ci_edits + runner_edits), Applicability.DISPLAY_ONLY)
        return Fix("Remove --dns from the dind service and set the resolvers in the runner configuration",
                   tuple(ci_edits), Applicability.DISPLAY_ONLY)

    @staticmethod
    def _keeps_resolution(ctx: CheckContext, choice: RunnerChoice, servers: list[str]) -> bool:
        """Moving the servers into a `none` policy must not mix resolver views (DNS008) or lose the
        cluster names the runner's jobs use (DNS011); otherwise only the advice is shown."""
        if mixed_views(servers):
            return False
        rj = ctx.facts.runner_jobs_of(choice.runner)
        return rj is None or not lost_cluster_names(rj, "None", tuple(servers), ())

    @staticmethod
    def _runner_edits(ctx: CheckContext, choice: RunnerChoice, servers: list[str]) -> list | None:
        runner = choice.runner
        k8s = runner.kubernetes
        source = runner_config_file(ctx.source(runner.path), choice.config)
        if runner.executor != "kubernetes" or k8s.node is None or source is None:
            return None
        if k8s.table("dns_config").node is not None:
            return None
        namespace = k8s.text("namespace")
        searches = ([f"{namespace}.svc.cluster.local"] if namespace and "{{" not in namespace else []) + [
            "svc.cluster.local", "cluster.local"]
        lines: list[str] = []
        policy = k8s.setting("dns_policy")
        edits = []
        if policy is None:
            lines.append('dns_policy = "none"')
        elif isinstance(policy.node, ScalarNode):
            edits.append(replace_scalar(policy.node, '"none"'))
        lines += ["[runners.kubernetes.dns_config]", f"  nameservers = {toml_value(servers)}",
                  f"  searches = {toml_value(searches)}"]
        insert = insert_after_table_keys(source, k8s.node, lines)
        if insert is None:
            return None
        return edits + [insert]
