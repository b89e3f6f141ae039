"""NET018 legacy-link-variables: A job reads Docker's legacy link variables, which recent runners no longer set."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from cilint.checks.base import Check, CheckContext
from cilint.edits.scalars import replace_in_scalar
from cilint.facts.environment import variable_seen
from cilint.facts.references import service_names
from cilint.facts.runners import job_flag
from cilint.findings import Applicability, Confidence, Finding, Fix, Location, Severity
from cilint.models.pipeline import Job
from cilint.source import SourceFile
from cilint.syntax.tree import Node

_REFERENCE = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?")
# What Docker sets in a container for each link `--link name:ALIAS` (docs "Legacy container links").
_LINK_SUFFIX = re.compile(r"_(?:PORT(?:_(?P<port>\d+)_(?:TCP|UDP|SCTP)(?:_(?P<part>ADDR|PORT|PROTO))?)?|NAME|ENV_\w+)$")


@dataclass(frozen=True, slots=True)
class _Use:
    """`$NAME` at `where`, a link variable of the service reached as `host`."""

    name: str
    host: str
    port: str | None  # the port in the name (`_PORT_5432_TCP_ADDR`)
    part: str | None  # ADDR, PORT, PROTO, or None
    written: str  # as written: `$X` or `${X}`
    node: Node
    start: int
    end: int


def link_prefixes(job: Job) -> dict[str, str]:
    """Link variable prefix (`POSTGRES`, `DOCKER`) -> the service hostname it stands for."""
    prefixes: dict[str, str] = {}
    for service in job.services:
        for name in sorted(service_names(job, service)):
            prefixes.setdefault(re.sub(r"[^A-Za-z0-9]", "_", name).upper(), name)
    return prefixes


class LegacyLinkVariables(Check):
    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        reported: set[tuple[str, int, str]] = set()
        positions = ctx.facts.positions
        for job in ctx.jobs():
            if not job.services:
                continue
            prefixes = link_prefixes(job)
            for use in self._uses(job, prefixes):
                where = positions.inside(use.node, use.start, use.end)
                key = (where.path, where.span.start, use.name)
                if key in reported or self._defined(ctx, job, use.name):
                    continue
                reported.add(key)
                yield self._finding(ctx, job, use, where)

    @staticmethod
    def _uses(job: Job, prefixes: dict[str, str]) -> Iterator[_Use]:
        texts = [(line.text, line.node) for line in job.script_lines()]
        texts += [(v.value, v.node) for v in job.variables.values() if v.value and "$" in v.value]
        for text, node in texts:
            if "$" not in text or "_" not in text:
                continue
            for match in _REFERENCE.finditer(text):
                name = match.group(1)
                suffix = _LINK_SUFFIX.search(name)
                if suffix is None or name[: suffix.start()] not in prefixes:
                    continue
                yield _Use(name, prefixes[name[: suffix.start()]], suffix.group("port"), suffix.group("part"),
                           match.group(0), node, match.start(), match.end())

    @staticmethod
    def _defined(ctx: CheckContext, job: Job, name: str) -> bool:
        """The job, the pipeline, a script or the runner sets the variable: it is the user's own."""
        return variable_seen(job, name, ctx.facts.runners.presumed(job), ctx.facts.jobs) is not None

    def _finding(self, ctx: CheckContext, job: Job, use: _Use, where: Location) -> Finding:
        runners = ctx.facts.runners.presumed(job)
        executors = ctx.facts.runners.presumed_executors(job)
        # `POSTGRES_PORT` or `POSTGRES_NAME` alone may be a variable of the project's CI/CD settings.
        confidence = Confidence.HIGH if use.port or "_ENV_" in use.name else Confidence.MEDIUM
        if executors == {"kubernetes"}:
            unset = "Kubernetes never sets"
            why = "on Kubernetes services are containers of the job's pod, not Docker links"
            if runners:  # a presumed runner file, not the project's own `executor` setting
                confidence = min(confidence, ctx.facts.runners.runner_confidence(job))
        elif job_flag(job, runners, "FF_NETWORK_PER_BUILD"):
            unset = "the per-job network does not set"
            why = "with `FF_NETWORK_PER_BUILD` services join a per-job network instead of links"
        else:
            unset = "GitLab Runner 18.7+ no longer sets"
            why = ("GitLab Runner 18.7 and later emulate links with /etc/hosts entries and set no link variables "
                   "(Docker 28.4 deprecated them)")
            confidence = min(confidence, Confidence.MEDIUM)  # the runner's version is not in the files
        replacement = self._replacement(use)
        remedy = (f"write `{replacement}` instead" if replacement else
                  f"write the service's hostname and port (`tcp://{use.host}:<port>`, `{use.host}`), or set the "
                  "value in `variables:`")
        return Finding(
            self.rule_id, f"job `{job.name}` reads `${use.name}`, a Docker link variable {unset}",
            where, Severity.MAJOR, fix=self._fix(ctx, use, replacement), confidence=confidence,
            route=("link-variable", job.name, use.name),
            why=f"{why}: `${use.name}` expands to nothing, so what uses it connects to the wrong place or fails",
            remedy=remedy,
        )

    @staticmethod
    def _replacement(use: _Use) -> str | None:
        """What the variable held, written with the service's name: its hostname, its port, its URL."""
        if use.port is None or use.part == "PROTO":
            return None
        return {"ADDR": use.host, "PORT": use.port, None: f"tcp://{use.host}:{use.port}"}[use.part]

    @staticmethod
    def _fix(ctx: CheckContext, use: _Use, replacement: str | None) -> Fix | None:
        source = ctx.source_of(use.node)
        if replacement is None or not isinstance(source, SourceFile):
            return None
        edit = replace_in_scalar(source, use.node, use.written, replacement)
        return Fix(f"Write `{replacement}` for `{use.written}`", (edit,), Applicability.UNSAFE) if edit else None
