"""One analysed project: its pipelines, runner configuration files and the findings of reading them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from pathlib import Path

from cilint.models.settings import ProjectConfig
from cilint.findings import Finding
from cilint.models.pipeline import Job, Pipeline
from cilint.loading.workspace import Workspace

if TYPE_CHECKING:  # runner models load only for projects with runner configuration
    from cilint.models.runner import Runner, RunnerConfig


@dataclass(frozen=True, slots=True, eq=False)
class RunnerChoice:
    """A runner that may run a job, and why cilint thinks so (for the finding's message)."""

    runner: Runner
    config: RunnerConfig
    reason: str  # "tags" (mapped in [tool.cilint]) or "unmapped" (every runner is considered)


@dataclass(frozen=True, eq=False)
class Project:
    """Everything read from one project root: pipelines, runner configs, settings."""

    root: Path
    workspace: Workspace
    pipelines: tuple[Pipeline, ...]
    runner_configs: tuple[RunnerConfig, ...]
    findings: tuple[Finding, ...]  # problems met while reading (CIL001-CIL004)
    config: ProjectConfig = field(default_factory=ProjectConfig)
    given_runner_configs: frozenset[str] = frozenset()  # paths given with --runner-config
    # Results several checks derive from the same job (its analysed commands...), kept for one run.
    memo: dict[tuple[str, Any], Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def runners(self) -> tuple[tuple[RunnerConfig, Runner], ...]:
        return tuple((config, runner) for config in self.runner_configs for runner in config.runners)

    def runners_for(self, job: Job) -> tuple[RunnerChoice, ...]:
        key = ("runners_for", id(job))
        found = self.memo.get(key)
        if found is None:
            found = self.memo[key] = self._runners_for(job)
        return found

    def _runners_for(self, job: Job) -> tuple[RunnerChoice, ...]:
        """The runners that may pick up `job`.

        `config.toml` holds no tags, so without a `[[tool.cilint.runners]]` mapping every runner found
        is considered. With one, GitLab's rule applies: a runner needs all of the job's tags, and an
        untagged job needs a runner that runs untagged jobs. Mapped names not found are ignored.
        """
        mapping = self.config.runners
        if not mapping:
            return tuple(RunnerChoice(r, c, "unmapped") for c, r in self.runners)
        chosen = []
        for config, runner in self.runners:
            entry = next((m for m in mapping if m.name == runner.name), None)
            if entry is None:
                continue
            if job.tags and set(job.tags) <= set(entry.tags):
                chosen.append(RunnerChoice(runner, config, "tags"))
            elif not job.tags and entry.run_untagged:
                chosen.append(RunnerChoice(runner, config, "tags"))
        return tuple(chosen)

    def executors_for(self, job: Job) -> frozenset[str]:
        """Executors that may run `job`: from its runners, else the `executor` setting, else empty."""
        found = {c.runner.executor for c in self.runners_for(job) if c.runner.executor}
        if found:
            return frozenset(found)
        return frozenset({self.config.executor}) if self.config.executor else frozenset()
