"""DNS010 musl-ignored-resolv-options: resolv.conf options that musl ignores."""

from __future__ import annotations

from collections.abc import Iterator

from cilint.checks.base import Check, CheckContext
from cilint.facts.lookup import MUSL_OPTIONS
from cilint.facts.runner_jobs import _musl_note
from cilint.findings import Finding, Severity
from cilint.syntax.nodes import location



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
                    f"runner `{rj.runner.name}` sets the resolv.conf option `{name}`, which musl (Alpine) ignores",
                    location(setting.node), Severity.MINOR, route=("musl-ignored-option", rj.runner.name, name),
                    why=(f"{_musl_note(rj)}; musl reads only ndots, timeout and attempts, so those containers keep the "
                         "lookup timeouts or truncated answers the option was meant to fix"),
                    remedy="use NodeLocal DNSCache, or glibc-based images for the jobs that need the option",
                    confidence=rj.musl_confidence,
                )
