"""Issue 22 on real projects: `cilint trace` for every job of every corpus project that has a runner
configuration, in every format, without an error (its time per project: benchmarks/trace_corpus.py)."""

from __future__ import annotations

from cilint.loading.load import load_config, load_project
from cilint.loading.workspace import Workspace
from cilint.trace.model import Tracer, trace_job
from cilint.trace.render import json_text, mermaid_text, text
from tests.conftest import CORPUS


def test_every_job_of_every_project_with_a_runner_configuration_is_traced():
    traced_jobs = projects = containers = 0
    for root in sorted(p for p in CORPUS.iterdir() if p.is_dir()):
        ws = Workspace(root)
        project = load_project(root, None, load_config(ws), [], ws)
        if not project.runner_configs:
            continue
        projects += 1
        tracer = Tracer.of(project)
        for name in sorted({n for p in project.pipelines for n in p.jobs}):
            trace = trace_job(project, ws, name, [], tracer=tracer)
            assert text(trace) and json_text(trace) and mermaid_text(trace).startswith("```mermaid")
            traced_jobs += 1
            containers += sum(len(n.containers) for n in trace.networks)
    assert projects >= 20 and traced_jobs >= 100, (projects, traced_jobs)
