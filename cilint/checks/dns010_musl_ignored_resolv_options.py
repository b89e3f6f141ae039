"""DNS010 musl-ignored-resolv-options: resolv.conf options that musl ignores."""

from __future__ import annotations

from collections.abc import Iterator

from cilint.checks.base import Check, CheckContext
from cilint.facts.runner_jobs import _musl_note
from cilint.findings import Finding, Severity
from cilint.syntax.nodes import location

MUSL_OPTIONS = frozenset({"ndots", "timeout", "attempts"})  # musl src/network/resolvconf.c


class MuslIgnoredResolvOptions(Check):
    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        for rj in ctx.facts.runner_jobs:
            if rj.runner.executor != "kubernetes" or not rj.musl_images:
                continue
            for option in rj.runner.kubernetes.table("dns_config").tables("options"):
                name = option.text("name")
                setting = option.setting("name")
                if not name or name in MUSL_OPTIONS or setting is None:
                    continue
                yield Finding(
                    self.rule_id,
                    f"runner `{rj.runner.name}` sets the resolv.conf option `{name}`, which musl ignores (it reads only "
                    f"ndots, timeout and attempts), and {_musl_note(rj)}: those containers keep the behaviour the "
                    "option was meant to fix (the conntrack-race timeouts, UDP-only answers); use NodeLocal DNSCache "
                    "or glibc-based images",
                    location(setting.node), Severity.MINOR, route=("musl-ignored-option", rj.runner.name, name),
                    confidence=rj.musl_confidence,
                )
