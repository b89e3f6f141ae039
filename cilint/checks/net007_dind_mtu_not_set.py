"""NET007 dind-mtu-not-set: dind without `--mtu` where the outer network has a smaller MTU."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from cilint.checks.base import Check, CheckContext
from cilint.edits.entries import (
    append_seq_item,
    yaml_scalar,
)
from cilint.edits.pipeline import (
    add_service_entry,
)
from cilint.facts.dind import DindSetup, _jobs
from cilint.facts.runners import valid_mtu
from cilint.findings import Applicability, Confidence, Edit, Finding, Fix, Severity
from cilint.models.pipeline import Service
from cilint.source import SourceFile
from cilint.syntax.nodes import location
from cilint.syntax.tree import SeqNode

_SAAS_MTU = 1360  # GitLab-hosted runners (docs: runner/executors/docker "Docker-in-Docker MTU")
_MTU_FLAG = re.compile(r"^--mtu(?:=(\d+))?$")


def _mtu_flag(service: Service) -> tuple[int | None, bool]:
    """(value, present) of `--mtu` in a service's command."""
    command = list(service.command)
    for index, word in enumerate(command):
        match = _MTU_FLAG.match(word.strip())
        if match:
            value = match.group(1) or (command[index + 1] if index + 1 < len(command) else "")
            return (int(value) if str(value).isdigit() else None), True
    return None, False


@dataclass(frozen=True, slots=True)
class _MtuVerdict:
    """How serious a dind daemon's MTU is for one setup, why, and the MTU it should use (if known)."""

    severity: Severity
    reason: str  # completes the message
    mtu: int | None = None
    confidence: Confidence = Confidence.HIGH  # the outer MTU known from the files, or assumed


class DindMtuNotSet(Check):
    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        best: dict[int, tuple[_MtuVerdict, DindSetup, list[str]]] = {}
        for s in ctx.facts.dind_setups:
            value, present = _mtu_flag(s.service)
            verdict = self._verdict(s, value, present)
            if verdict is None:
                continue
            key = id(s.service.name_node)
            current = best.get(key)
            if current is None or (verdict.severity, verdict.confidence) > (current[0].severity, current[0].confidence):
                best[key] = (verdict, s, (current[2] if current else []))
            best[key][2].append(s.job.name)
        for verdict, s, jobs in best.values():
            severity, reason, mtu, confidence = verdict.severity, verdict.reason, verdict.mtu, verdict.confidence
            value, present = _mtu_flag(s.service)
            if present:
                yield Finding(self.rule_id, f"dind service `{s.service.name}` (jobs {_jobs(jobs)}) sets `--mtu={value}`, "
                              f"larger than {reason}", location(s.service.command_node or s.service.name_node), severity,
                              route=("mtu-too-large", s.service.name), confidence=confidence,
                              why=("larger packets of the containers dockerd starts are dropped: TLS handshakes and "
                                   "downloads in `docker build` hang"),
                              remedy=f"use `--mtu={mtu}`" if mtu else "use the MTU of the runner's network")
                continue
            shown = mtu or _SAAS_MTU
            statement = f"dind service `{s.service.name}` (jobs {_jobs(jobs)}) has no `--mtu`"
            why = (f"the inner dockerd uses MTU 1500 whatever the outer network's, {reason}, so TLS handshakes and "
                   "downloads in `docker build` hang")
            remedy = f"add `command: [\"--mtu={shown}\"]`" + ("" if mtu else " (the MTU of the runner's network)")
            edit = self._edit(ctx, s.service, shown)
            applicability = Applicability.UNSAFE if mtu is not None else Applicability.DISPLAY_ONLY
            fix = Fix(f"Start dind with --mtu={shown}", (edit,), applicability) if edit else None
            yield Finding(self.rule_id, statement, location(s.service.name_node), severity, fix=fix,
                          route=("mtu", s.service.name), confidence=confidence, why=why, remedy=remedy)
        yield from self._nested_networks(ctx)

    def _nested_networks(self, ctx: CheckContext) -> Iterator[Finding]:
        """`docker network create` inside dind: a user-defined network gets MTU 1500 even when dockerd
        runs with `--mtu`, unless the driver option is given."""
        seen: set[int] = set()
        for s in ctx.facts.dind_setups:
            verdict = self._verdict(s, None, False)
            if verdict is None or verdict.severity < Severity.MAJOR:
                continue
            if any("default-network-opt" in w and "mtu" in w for w in s.service.command):
                continue  # dockerd 24+: `--default-network-opt=bridge=com.docker.network.driver.mtu=N`
            for item in ctx.facts.commands(s.job):
                args = [w.text for w in item.command.args]
                if item.command.name != "docker" or args[:2] != ["network", "create"] or id(item.line.node) in seen:
                    continue
                if any("com.docker.network.driver.mtu" in a for a in args):
                    continue
                seen.add(id(item.line.node))
                yield Finding(
                    self.rule_id,
                    f"job `{s.job.name}` creates a Docker network inside dind without an MTU",
                    location(item.line.node), verdict.severity, route=("nested-network-mtu", s.job.name),
                    why=(f"containers on that network use MTU 1500 even when dockerd has `--mtu`, {verdict.reason}, "
                         "so TLS handshakes and downloads hang"),
                    remedy=f"add `-o com.docker.network.driver.mtu={verdict.mtu or _SAAS_MTU}`",
                    confidence=verdict.confidence,
                )

    @staticmethod
    def _verdict(s: DindSetup, value: int | None, present: bool) -> _MtuVerdict | None:
        network_mtus = [m for c in s.runners if valid_mtu(m := c.runner.docker.number("network_mtu"))]  # NET006: invalid
        if present:
            limit = min(network_mtus) if network_mtus else None
            if value is not None and limit is not None and value > limit:
                return _MtuVerdict(Severity.MAJOR, f"the runner's `network_mtu` ({limit})", limit, s.runner_confidence)
            return None
        if network_mtus and min(network_mtus) < 1500:
            return _MtuVerdict(Severity.MAJOR, f"and the runner's job network has MTU {min(network_mtus)}", min(network_mtus),
                               s.runner_confidence)
        if any(t.startswith("saas-linux-") for t in s.job.tags):
            return _MtuVerdict(Severity.MAJOR, f"and GitLab-hosted runners (tags `saas-linux-*`) use MTU {_SAAS_MTU}", _SAAS_MTU)
        if s.kubernetes:
            return _MtuVerdict(Severity.MAJOR, "and Kubernetes overlay networks usually have a smaller MTU (about 1450)",
                               confidence=min(Confidence.MEDIUM, s.runner_confidence))
        return _MtuVerdict(Severity.INFO, "which breaks when the runner's network has a smaller MTU (overlays, VPNs, "
                           "GitLab-hosted runners: 1360)", confidence=Confidence.LOW)

    @staticmethod
    def _edit(ctx: CheckContext, service: Service, mtu: int) -> Edit | None:
        flag = f"--mtu={mtu}"
        source = ctx.source(service.node.path)
        if service.command_node is not None:
            if not isinstance(source, SourceFile) or not isinstance(service.command_node, SeqNode):
                return None
            return append_seq_item(source, service.command_node, yaml_scalar(flag))
        return add_service_entry(ctx.source_of(service.node), service, "command", f"[{yaml_scalar(flag)}]")
