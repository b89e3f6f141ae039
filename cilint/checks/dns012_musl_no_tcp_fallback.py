"""DNS012 musl-no-tcp-fallback: Old Alpine (musl before 1.2.4) cannot fall back to TCP for large DNS answers."""

from __future__ import annotations

import re
from collections.abc import Iterator

from cilint.checks.base import Check, CheckContext
from cilint.facts.hosts import resolver_facts
from cilint.facts.images import image_facts
from cilint.facts.runner_jobs import default_image
from cilint.findings import Finding, Severity
from cilint.models.images import parse_image
from cilint.syntax.nodes import location, scalar_text
from cilint.syntax.tree import Node

_ALPINE_TAG = re.compile(r"(?:^|[-_])alpine(\d+)\.(\d+)")
_VERSION_TAG = re.compile(r"^v?(\d+)\.(\d+)")


def _before_tcp_fallback(major: int, minor: int) -> bool:
    since = tuple(int(p) for p in image_facts()["musl_tcp_fallback_since"].split("."))
    return (major, minor) < since


def old_alpine(reference: str) -> str | None:
    """The Alpine release of an image when it predates musl's TCP fallback, else None."""
    image = parse_image(reference.lower())
    tag = image.tag or ""
    match = _ALPINE_TAG.search(tag)
    if match and _before_tcp_fallback(int(match.group(1)), int(match.group(2))):
        return f"{match.group(1)}.{match.group(2)}"
    if image.short_name == "alpine":
        match = _VERSION_TAG.match(tag)
        if match and _before_tcp_fallback(int(match.group(1)), int(match.group(2))):
            return f"{match.group(1)}.{match.group(2)}"
    return None


def _large_answers(hosts: set[str]) -> list[str]:
    suffixes = tuple(resolver_facts()["large_answer_suffixes"])
    return sorted(h for h in hosts if h.endswith(suffixes) or h in suffixes)


class MuslNoTcpFallback(Check):
    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        seen: set[int] = set()
        for job in ctx.jobs():
            images = ([(job.image.name, job.image.node)] if job.image else []) + [
                (s.name, s.name_node) for s in job.services]
            for name, node in images:
                release = old_alpine(job.expand(name).text)
                if release is None or id(node) in seen:
                    continue
                seen.add(id(node))
                hosts = {h for h, _ in ctx.facts.hosts(job)}
                yield self._finding(f"image `{name}` of job `{job.name}`", release, _large_answers(hosts), node)
        for rj in ctx.facts.runner_jobs:
            default = default_image(rj.runner)
            release = old_alpine(scalar_text(default.node) or "") if default is not None else None
            on_default = rj.jobs_on_default_image
            if default is not None and release is not None and on_default and id(default.node) not in seen:
                seen.add(id(default.node))
                hosts = {h for job in on_default for h, _ in ctx.facts.hosts(job)}
                shown = ", ".join(f"`{j.name}`" for j in on_default[:3]) + (" ..." if len(on_default) > 3 else "")
                yield self._finding(f"runner `{rj.runner.name}`'s default image `{scalar_text(default.node)}`", release,
                                    _large_answers(hosts), default.node, f"jobs {shown} set no `image:` and run it; ")
            table = rj.runner.kubernetes if rj.runner.executor == "kubernetes" else rj.runner.docker
            flavor = table.setting("helper_image_flavor")
            text = scalar_text(flavor.node) if flavor else None
            match = re.fullmatch(r"alpine(\d+)\.(\d+)", text or "")
            if flavor is not None and match and _before_tcp_fallback(int(match.group(1)), int(match.group(2))):
                release = f"{match.group(1)}.{match.group(2)}"
                yield self._finding(f"runner `{rj.runner.name}`'s helper image (flavor `{text}`)", release,
                                    _large_answers(set(rj.hosts)), flavor.node)

    def _finding(self, what: str, release: str, large: list[str], node: Node, context: str = "") -> Finding:
        since = image_facts()["musl_tcp_fallback_since"]
        detail = (f"; the job uses names with large answers ({', '.join(f'`{h}`' for h in large[:3])})" if large else "")
        return Finding(
            self.rule_id,
            f"{what} is Alpine {release}, whose DNS resolver never retries over TCP",
            location(node), Severity.MINOR if large else Severity.INFO, route=("old-musl", release),
            why=(f"{context}musl before 1.2.4 (Alpine {since}) cannot retry a truncated answer, so names with long answers "
                 f"(CNAME chains, many addresses) fail with 'bad address' or 'Could not resolve host'{detail}"),
            remedy=f"use Alpine {since} or later, or a glibc-based image",
        )
