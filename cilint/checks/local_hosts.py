"""DNS001 desktop-only-hostname: names that resolve only on a developer machine, used by CI jobs."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources

from cilint.findings import Finding, Location, Related, Severity
from cilint.models.nodes import location
from cilint.models.pipeline import Job, Pipeline
from cilint.models.project import Project
from cilint.models.variables import Variable
from cilint.shell.targets import script_hosts, value_hosts


@dataclass(frozen=True, slots=True)
class LocalOnlyHost:
    pattern: str
    provider: str
    note: str

    def matches(self, host: str) -> bool:
        if self.pattern.startswith("*."):
            return host.endswith(self.pattern[1:])
        return host == self.pattern


@cache
def local_only_hosts() -> tuple[LocalOnlyHost, ...]:
    data = tomllib.loads(
        resources.files("cilint.data").joinpath("local_only_hosts.toml").read_text(encoding="utf-8")
    )
    return tuple(LocalOnlyHost(h["pattern"], h["provider"], h["note"]) for h in data["host"])


@cache
def _needles() -> tuple[str, ...]:
    return tuple(entry.pattern.lstrip("*").lower() for entry in local_only_hosts())


def might_name_local_host(text: str) -> bool:
    """Cheap pre-filter: only text containing one of the names (or suffixes) is analysed."""
    lowered = text.lower()
    return any(needle in lowered for needle in _needles())


def classify(host: str) -> LocalOnlyHost | None:
    return next((entry for entry in local_only_hosts() if entry.matches(host)), None)


def _message(host: str, entry: LocalOnlyHost, where: str) -> str:
    return (
        f"`{host}` {where} only resolves on {entry.provider} ({entry.note}); a GitLab runner "
        "cannot resolve it and the job fails with 'Could not resolve host'. Use an address the "
        "runner can reach (for Kubernetes, the GitLab agent context in $KUBECONFIG), or map the name "
        "in the runner's extra_hosts / host_aliases"
    )


class DesktopOnlyHostname:
    rule_id = "DNS001"

    def run(self, project: Project) -> Iterator[Finding]:
        for pipeline in project.pipelines:
            yield from self._pipeline(project, pipeline)

    @staticmethod
    def _runner_mapped(project: Project, pipeline: Pipeline) -> frozenset[str]:
        """Names every runner that may run the pipeline's jobs maps (extra_hosts, host_aliases)."""
        choices = [c for job in pipeline.jobs.values() for c in project.runners_for(job)]
        if not choices:
            return frozenset()
        mapped = [set(c.runner.mapped_hosts()) for c in choices]
        return frozenset(set.intersection(*mapped))

    def _pipeline(self, project: Project, pipeline: Pipeline) -> Iterator[Finding]:
        mapped = {alias.lower() for job in pipeline.jobs.values() for s in job.services for alias in s.aliases}
        mapped |= self._runner_mapped(project, pipeline)
        reported: set[tuple[str, int]] = set()
        for job in pipeline.jobs.values():
            for variable in self._variables(job):
                key = (variable.node.path, variable.node.span.start)
                if key in reported or variable.value is None or not might_name_local_host(variable.value):
                    continue
                for host in dict.fromkeys(value_hosts(variable.value)):
                    entry = classify(host)
                    if entry is None or host in mapped:
                        continue
                    reported.add(key)
                    yield Finding(
                        self.rule_id,
                        _message(host, entry, f"(in variable `{variable.name}`)"),
                        location(variable.node),
                        Severity.MAJOR,
                        route=("variable", variable.origin, variable.name, host),
                    )
                    break
            for line in job.script_lines():
                key = (line.node.path, line.node.span.start)
                if key in reported or not might_name_local_host(line.text):
                    continue
                for host in dict.fromkeys(script_hosts(line.text)):
                    entry = classify(host)
                    if entry is None or host in mapped:
                        continue
                    reported.add(key)
                    yield Finding(
                        self.rule_id,
                        _message(host, entry, f"(used by `{line.section}` of job `{job.name}`)"),
                        location(line.node),
                        Severity.MAJOR,
                        route=("script", job.name, line.section, host),
                        related=self._jobs_sharing(pipeline, line.node, job),
                    )
                    break

    @staticmethod
    def _variables(job: Job) -> Iterator[Variable]:
        yield from job.variables.values()
        for service in job.services:
            yield from service.variables.values()

    @staticmethod
    def _jobs_sharing(pipeline: Pipeline, node: object, job: Job) -> tuple[Related, ...]:
        others = [
            other.name for other in pipeline.jobs.values()
            if other is not job and any(l.node is node for l in other.script_lines())
        ]
        if not others:
            return ()
        return (Related(Location(job.key.path, job.key.span), f"also run by: {', '.join(others)}"),)
