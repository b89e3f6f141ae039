"""DNS001 desktop-only-hostname: A hostname that only resolves on a developer machine is used by a CI job."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache, lru_cache

from cilint.checks.base import Check, CheckContext
from cilint.edits.entries import add_toml_key, append_to_array
from cilint.facts.local_hosts import LocalOnlyHost, classify, local_only_hosts
from cilint.facts.positions import Positions
from cilint.facts.resolv_conf import writes_etc_hosts
from cilint.facts.scripts import ScriptCommand, expander
from cilint.findings import Applicability, Finding, Fix, Location, Related, Severity, Subject
from cilint.models.pipeline import Job, Pipeline
from cilint.models.variables import Variable
from cilint.shell.network import command_targets, value_hosts
from cilint.source import SourceFile
from cilint.syntax.nodes import location


_DISCARD = re.compile(r"\s*\|\|\s*(?:true|:|exit 0)\s*(?:$|[;&#)])")


def _discarded(item: ScriptCommand) -> bool:
    """`command || true` (or `|| :`): its failure is thrown away, it guards nothing."""
    return bool(_DISCARD.match(item.line.text, item.command.end))


@cache
def _needles() -> tuple[tuple[str, ...], tuple[str, ...]]:
    names = tuple(e.pattern.lstrip("*").lower() for e in local_only_hosts())
    last_labels = tuple(sorted({name.rsplit(".", 1)[-1] for name in names}))
    return last_labels, names


@lru_cache(maxsize=16384)  # jobs share most lines and values (default:, extends, global variables)
def might_name_local_host(text: str) -> bool:
    """Cheap pre-filter: only text containing one of the names (or suffixes) is analysed."""
    labels, names = _needles()
    lowered = text.lower()
    return any(label in lowered for label in labels) and any(name in lowered for name in names)


def _message(host: str, entry: LocalOnlyHost, where: str) -> tuple[str, str, str]:
    """(statement, why, remedy) for a desktop-only `host` used at `where`."""
    if host == "kubernetes.docker.internal":
        remedy = ("use the GitLab agent's context from $KUBECONFIG (`kubectl config use-context "
                  "<agent-project-path>:<agent-name>`) or the cluster's real API endpoint")
    elif host == "host.docker.internal":
        remedy = ('on a Docker runner add `extra_hosts = ["host.docker.internal:host-gateway"]` to '
                  "`[runners.docker]`, or use the address of the service the job needs")
    else:
        remedy = "use an address the runner can reach, or map the name in the runner's `extra_hosts` / `host_aliases`"
    provider, _, also = entry.provider.partition(" (")
    others = also.rstrip(")").removeprefix("also ")
    return (f"`{host}` {where} resolves only on {provider}",
            f"{entry.note}{f'; {others} define it too' if others else ''}; on a GitLab runner the lookup fails "
            f"('Could not resolve host: {host}')", remedy)


class DesktopOnlyHostname(Check):
    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        positions = ctx.facts.positions
        for pipeline in ctx.project.pipelines:
            yield from self._pipeline(ctx, pipeline, positions)

    def _pipeline(self, ctx: CheckContext, pipeline: Pipeline, positions: Positions) -> Iterator[Finding]:
        reported: set[tuple[str, int]] = set()
        for job in pipeline.jobs.values():
            mapped = _Mapped(ctx, job)
            for variable in self._variables(job):
                if variable.value is None or not might_name_local_host(variable.value):
                    continue
                key = (variable.node.path, variable.node.start)
                if key in reported:
                    continue
                host = next((h for h in value_hosts(variable.value) if classify(h) and h not in mapped), None)
                if host is None:
                    continue
                reported.add(key)
                statement, why, remedy = _message(host, classify(host), f"in variable `{variable.name}`")  # type: ignore[arg-type]
                yield Finding(
                    self.rule_id, statement, location(variable.node), Severity.MAJOR,
                    fix=self._fix(ctx, job, host), route=("variable", variable.origin, variable.name, host),
                    why=why, remedy=remedy, subjects=(Subject(job.name, host),),
                )
            yield from self._scripts(ctx, job, mapped, reported, positions)

    def _scripts(self, ctx: CheckContext, job: Job, mapped: _Mapped, reported: set[tuple[str, int]],
                 positions: Positions) -> Iterator[Finding]:
        added: set[str] = set()  # names a script line writes into /etc/hosts before a later use
        probed: dict[int, set[str]] = {}  # per script line: names a tolerated command checks first
        expand = expander(job)
        if not any(might_name_local_host(line.text) for line in (*job.hooks, *job.script_lines())):
            return
        commands = ctx.facts.commands(job)
        for item in commands:
            if not item.command.fatal and might_name_local_host(item.line.text) and not _discarded(item):
                probed.setdefault(id(item.line), set()).update(t.host for t in command_targets(item.command, expand))
        for item in commands:
            command = item.command
            if writes_etc_hosts(command):
                added.update(word.lower() for a in command.args for word in a.text.split())
                continue
            if not might_name_local_host(item.line.text):
                continue
            discarded = _discarded(item)  # `probe || true`: the failure is hidden, the lookup still fails
            if not (command.fatal or discarded):
                continue
            checked = probed.get(id(item.line), set())
            for target in command_targets(command, expand):
                entry = classify(target.host)
                if entry is None or not target.word.literal or target.host in mapped or target.host in added | checked:
                    continue  # a $VAR target is reported where the variable is defined
                where = positions.inside(item.line.node, target.word.start, target.word.end)
                key = (where.path, where.span.start)
                if key in reported:
                    continue
                reported.add(key)
                statement, why, remedy = _message(
                    target.host, entry, f"in `{target.tool}` (`{item.line.section}` of job `{job.name}`)")
                if discarded:
                    why += "; `|| true` hides the failure, but the lookup never succeeds"
                    remedy = "remove the command"
                yield Finding(
                    self.rule_id, statement, where, Severity.MAJOR if command.fatal else Severity.MINOR,
                    fix=self._fix(ctx, job, target.host), why=why, remedy=remedy,
                    route=("script", job.name, item.line.section, target.host),
                    related=_defined_in(job, where), subjects=(Subject(job.name, target.host),),
                )

    @staticmethod
    def _variables(job: Job) -> Iterator[Variable]:
        yield from job.variables.values()
        for service in job.services:
            yield from service.variables.values()

    @staticmethod
    def _fix(ctx: CheckContext, job: Job, host: str) -> Fix | None:
        """For host.docker.internal on Docker runners: map it to the host gateway in config.toml."""
        if host != "host.docker.internal":
            return None
        edits = []
        for choice in ctx.facts.possible_runners(job):
            if choice.runner.executor not in ("docker", "docker+machine", "docker-autoscaler", "docker-windows"):
                continue
            docker = choice.runner.docker
            source = ctx.source(choice.runner.path)
            if docker.node is None or not isinstance(source, SourceFile) or choice.config.kind != "toml":
                continue
            existing = docker.setting("extra_hosts")
            entry = "host.docker.internal:host-gateway"
            edit = (append_to_array(source, existing.node, entry) if existing
                    else add_toml_key(source, docker.node, "extra_hosts", [entry]))
            if edit is not None:
                edits.append(edit)
        if not edits:
            return None
        return Fix("Map host.docker.internal to the host gateway in the runner's extra_hosts",
                   tuple(edits), Applicability.DISPLAY_ONLY)


class _Mapped:
    """Names the job's own container resolves on every runner that may run it, as `cilint trace` shows:
    its services' names, the runners' extra_hosts or host_aliases (a name its scripts write into
    /etc/hosts counts only after that line: `_scripts` follows the order)."""

    __slots__ = ("ctx", "job")

    def __init__(self, ctx: CheckContext, job: Job) -> None:
        self.ctx = ctx
        self.job = job

    def __contains__(self, host: object) -> bool:
        found = self.ctx.facts.lookups(self.job, str(host))
        return bool(found) and all(f.outcome == "resolves" and not (f.entry and f.entry.from_script) for f in found)


def _defined_in(job: Job, where: Location) -> tuple[Related, ...]:
    if where.path == job.key.path:
        return ()
    return (Related(Location(job.key.path, job.key.span), f"used by job `{job.name}`"),)
