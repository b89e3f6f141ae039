"""Small helpers for tests: run the engine on a tree and read findings as (path, line, col, id)."""

from __future__ import annotations

from pathlib import Path

from cilint.models.settings import ProjectConfig
from cilint.engine import run
from cilint.findings import Confidence
from cilint.results import Options, Result
from cilint.loading.load import load_config, load_project
from cilint.loading.workspace import Workspace
from cilint.models.pipeline import Pipeline
from cilint.report.common import placed


def lint(root: Path, *paths: Path) -> Result:
    """Every finding, whatever its confidence (the command line hides low ones by default)."""
    return run(Options(paths=paths or (root,), confidence=Confidence.LOW))


def rows(result: Result) -> list[tuple[str, int, int, str]]:
    return [
        (p.finding.path, p.start.line, p.start.column, p.finding.rule_id)
        for p in placed(result.projects)
    ]


def pipeline(root: Path, path: str = ".gitlab-ci.yml") -> Pipeline:
    project = load_project(root, None, load_config(Workspace(root)), [])
    return next(p for p in project.pipelines if p.path == path)


def findings_of(root: Path) -> list:
    return list(load_project(root, None, ProjectConfig(), []).findings)
