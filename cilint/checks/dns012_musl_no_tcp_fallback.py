"""DNS012 musl-no-tcp-fallback: Old Alpine (musl before 1.2.4) cannot fall back to TCP for large DNS answers."""

from __future__ import annotations

import re
from collections.abc import Iterator

from cilint.checks.base import Check, CheckContext
from cilint.facts.hosts import has_large_answers
from cilint.facts.images import before_tcp_fallback, image_facts, old_alpine
from cilint.facts.runner_jobs import default_image
from cilint.facts.resolution import service_container
from cilint.findings import Finding, Severity, Subject
from cilint.syntax.nodes import location, scalar_text
from cilint.syntax.tree import Node

def _large_answers(hosts: set[str]) -> list[str]:
    return sorted(h for h in hosts if has_large_answers(h))


class MuslNoTcpFallback(Check):
    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        seen: set[int] = set()
        for job in ctx.jobs():
            images = ([(job.image.name, job.image.node, "build")] if job.image else []) + [
                (s.name, s.name_node, service_container(job, s)) for s in job.services]
            for name, node, container in images:
                release = old_alpine(job.expand(name).text)
                if release is None or id(node) in seen:
                    continue
                seen.add(id(node))
                large = _large_answers({h for h, _ in ctx.facts.hosts(job)}) if container == "build" else []
                yield self._finding(f"image `{name}` of job `{job.name}`", release, large, node,
                                    subjects=tuple(Subject(job.name, h, container) for h in large))
        for rj in ctx.facts.runner_jobs:
            default = default_image(rj.runner)
            release = old_alpine(scalar_text(default.node) or "") if default is not None else None
            on_default = rj.jobs_on_default_image
            if default is not None and release is not None and on_default and id(default.node) not in seen:
                seen.add(id(default.node))
                uses = [(job, h) for job in on_default for h in _large_answers({h for h, _ in ctx.facts.hosts(job)})]
                shown = ", ".join(f"`{j.name}`" for j in on_default[:3]) + (" ..." if len(on_default) > 3 else "")
                yield self._finding(f"runner `{rj.runner.name}`'s default image `{scalar_text(default.node)}`", release,
                                    sorted({h for _, h in uses}), default.node, f"jobs {shown} set no `image:` and run it; ",
                                    tuple(Subject(job.name, h) for job, h in uses))
            table = rj.runner.kubernetes if rj.runner.executor == "kubernetes" else rj.runner.docker
            flavor = table.setting("helper_image_flavor")
            text = scalar_text(flavor.node) if flavor else None
            match = re.fullmatch(r"alpine(\d+)\.(\d+)", text or "")
            if flavor is not None and match and before_tcp_fallback(int(match.group(1)), int(match.group(2))):
                release = f"{match.group(1)}.{match.group(2)}"
                own = _large_answers(rj.own_hosts())  # the helper looks up the runner's own names (the clone)
                yield self._finding(f"runner `{rj.runner.name}`'s helper image (flavor `{text}`)", release, own,
                                    flavor.node, subjects=tuple(
                                        Subject(rj.jobs[0].name, h, "helper") if rj.jobs else
                                        Subject("", h, "helper", rj.runner.name) for h in own))

    def _finding(self, what: str, release: str, large: list[str], node: Node, context: str = "",
                 subjects: tuple[Subject, ...] = ()) -> Finding:
        since = image_facts()["musl_tcp_fallback_since"]
        detail = (f"; the job uses names with large answers ({', '.join(f'`{h}`' for h in large[:3])})" if large else "")
        return Finding(
            self.rule_id,
            f"{what} is Alpine {release}, whose DNS resolver never retries over TCP",
            location(node), Severity.MINOR if large else Severity.INFO, route=("old-musl", release),
            why=(f"{context}musl before 1.2.4 (Alpine {since}) cannot retry a truncated answer, so names with long answers "
                 f"(CNAME chains, many addresses) fail with 'bad address' or 'Could not resolve host'{detail}"),
            remedy=f"use Alpine {since} or later, or a glibc-based image", subjects=subjects,
        )
