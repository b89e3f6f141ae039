"""One analysed project: its pipelines, runner configuration files and the findings of reading them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from cilint.findings import Finding
from cilint.loading.workspace import Workspace
from cilint.models.pipeline import Job, Pipeline
from cilint.models.settings import ProjectConfig

if TYPE_CHECKING:  # runner models load only for projects with runner configuration
    from cilint.models.runner import Runner, RunnerConfig


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

    def jobs(self) -> Iterator[Job]:
        """Every job of every pipeline, in pipeline and file order."""
        for pipeline in self.pipelines:
            yield from pipeline.jobs.values()

    @property
    def runners(self) -> tuple[tuple[RunnerConfig, Runner], ...]:
        return tuple((config, runner) for config in self.runner_configs for runner in config.runners)
