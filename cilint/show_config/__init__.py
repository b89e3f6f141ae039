"""`cilint show-config`: the pipeline as GitLab would run it, offline, each value with its file:line.

What GitLab's pipeline editor shows as "Full configuration", from the working tree and without a
token: includes merged, `extends`, `!reference` and `default:` applied, each job with its effective
variables, `parallel:matrix` instances, and one document per variant where `rules:` give different
pipelines (models/variants).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from cilint.filesystem import write_stdout
from cilint.loading.load import load_config, load_project
from cilint.loading.roots import group_by_root
from cilint.loading.workspace import Workspace
from cilint.models.pipeline import Job, Pipeline
from cilint.redact import Redactor
from cilint.results import UsageError
from cilint.spelling import closest
from cilint.show_config.render import json_text, yaml_text
from cilint.show_config.tree import Positions, ShownPipeline, shown_pipeline

FORMATS = ("yaml", "json")


def run_show_config(path: Path, job: str | None, variant: int | None, output_format: str) -> int:
    """Print the resolved configuration; 0, or 2 with a message for a usage error."""
    notes: list[str] = []
    try:
        shown = resolved(path, job, variant, notes)
    except UsageError as exc:
        sys.stderr.writelines(notes)
        sys.stderr.write(f"cilint: error: {exc}\n")
        return 2
    sys.stderr.writelines(notes)
    write_stdout(json_text(shown) if output_format == "json" else yaml_text(shown))
    return 0


def resolved(path: Path, job: str | None = None, variant: int | None = None,
             notes: list[str] | None = None) -> list[ShownPipeline]:
    """The pipelines under `path` (a project directory, or one pipeline file), each variant (or the
    one asked for), with every job (or the one asked for). `notes` gets what reading the
    configuration met (unresolved includes, errors GitLab would report), one line each."""
    groups = group_by_root([path])
    root, scope = next(iter(groups.items()))
    ws = Workspace(root)
    project = load_project(root, None if scope.whole else list(scope.files), load_config(ws), [], ws)
    files = ws.files()
    positions = Positions(files)
    redactor = Redactor.from_environment(os.environ)
    for finding in project.findings if notes is not None else ():
        where = positions.at(finding.path, finding.location.span.start)
        notes.append(redactor.text(f"cilint: {finding.severity.label}: {where}: {finding.message} [{finding.rule_id}]\n"))
    if not project.pipelines:
        raise UsageError(f"no GitLab CI pipeline found under {path}")
    if variant is not None and variant < 1:
        raise UsageError("--variant counts from 1")
    shown: list[ShownPipeline] = []
    for pipeline in project.pipelines:
        variants = [pipeline, *pipeline.alternatives]
        for index, candidate in enumerate(variants, start=1):
            if variant is not None and index != variant:
                continue
            jobs = _selected(candidate, job)
            if job is None or jobs:
                shown.append(shown_pipeline(candidate, index, len(variants), jobs, positions, redactor))
    if not shown:
        raise UsageError(_nothing_shown(project.pipelines, job, variant))
    return shown


def _selected(pipeline: Pipeline, name: str | None) -> list[Job]:
    """Every job, or the job named (a `parallel:matrix` job's name selects all its instances)."""
    if name is None:
        return list(pipeline.jobs.values())
    return [job for job_name, job in pipeline.jobs.items() if job_name == name or job_name.startswith(f"{name}: [")]


def _nothing_shown(pipelines: tuple[Pipeline, ...], job: str | None, variant: int | None) -> str:
    if job is not None:
        names = sorted({n.split(": [")[0] for p in pipelines for v in (p, *p.alternatives) for n in v.jobs})
        close = closest(job, names)
        hint = f"; did you mean `{close}`?" if close else ""
        where = f" in variant {variant}" if variant is not None else ""
        return f"no job `{job}`{where}{hint}"
    most = max(1 + len(p.alternatives) for p in pipelines)
    return f"--variant {variant}: the pipelines here have at most {most} variant{'s' if most > 1 else ''}"
