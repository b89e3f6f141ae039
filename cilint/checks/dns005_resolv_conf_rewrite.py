"""DNS005 resolv-conf-rewrite: A script rewrites /etc/resolv.conf."""

from __future__ import annotations

from collections.abc import Iterator

from cilint.checks.base import Check, CheckContext
from cilint.facts.resolv_conf import RESOLV_CONF
from cilint.facts.runners import DOCKER_EXECUTORS
from cilint.findings import Finding, Severity


class ResolvConfRewrite(Check):
    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        for write in ctx.facts.resolv_conf_writes:
            if write.setting is not None and write.setting.key == "pre_clone_script":
                continue  # removed in Runner 17.0, so it never runs: NET013 reports the key, and says it rewrites the file
            executor = write.runner.executor if write.runner else next(iter(sorted(write.job_executors)), None)
            proper = {
                "kubernetes": "`[runners.kubernetes] dns_policy` with `[runners.kubernetes.dns_config]`",
            }.get(executor or "", "`[runners.docker] dns` / `dns_search` (Docker) or `[runners.kubernetes.dns_config]` (Kubernetes)")
            if executor in DOCKER_EXECUTORS:
                proper = "`[runners.docker] dns` and `dns_search`"
            yield Finding(self.rule_id, f"{write.where} rewrites {RESOLV_CONF}", write.location, Severity.MINOR,
                          route=("resolv.conf", write.where),
                          why=("it changes one container only (services, dind's containers and the next job keep "
                               "the old resolvers) and the container runtime may regenerate the file"),
                          remedy=f"set the resolver in the runner configuration with {proper}")
