"""One analysed project: its pipelines, runner configuration files and the findings of reading them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cilint.findings import Finding
from cilint.models.pipeline import Pipeline
from cilint.workspace import Workspace


@dataclass(frozen=True, slots=True)
class RunnerFile:
    """A runner configuration file found in the project (modelled in detail by the runner model)."""

    path: str
    kind: str  # "toml" (config.toml) or "helm" (gitlab-runner chart values with runners.config)


@dataclass(frozen=True)
class Project:
    root: Path
    workspace: Workspace
    pipelines: tuple[Pipeline, ...]
    runner_files: tuple[RunnerFile, ...]
    findings: tuple[Finding, ...]  # problems met while reading (CIL001-CIL003)
