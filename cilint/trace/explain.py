"""The lookup of each finding's subjects (`Finding.subjects`), as lines to show under the finding
(`cilint check --trace`, merge request comments): the same model `cilint trace` prints."""

from __future__ import annotations

from collections.abc import Iterable

from cilint.findings import Subject
from cilint.loading.load import load_config, load_project
from cilint.loading.project import Project
from cilint.loading.workspace import Workspace
from cilint.results import ProjectResult, UsageError
from cilint.trace.model import Trace, Tracer, trace_job, trace_runner
from cilint.trace.render import mermaid_text


def add_traces(projects: Iterable[ProjectResult], mermaid: bool = False) -> None:
    """Fill `ProjectResult.traces` for the findings that have subjects (one load of each project): the
    text lines of each lookup, or with `mermaid`, one diagram of them (a merge request comment)."""
    for result in projects:
        about = [f for f in result.findings if f.subjects]
        if not about:
            continue
        ws = Workspace(result.root)
        project = load_project(result.root, None, load_config(ws), [], ws)
        tracer = Tracer.of(project)
        done: dict[Subject, list[str]] = {}
        for finding in about:
            lines = result.traces[id(finding)] = []
            for subject in finding.subjects:
                if subject not in done:
                    done[subject] = _lines(project, ws, tracer, subject, mermaid)
                lines.extend(done[subject])


def _lines(project: Project, ws: Workspace, tracer: Tracer, subject: Subject, mermaid: bool) -> list[str]:
    try:
        if subject.job:
            trace = trace_job(project, ws, subject.job, [subject.name], container=subject.container, tracer=tracer)
        else:
            trace = trace_runner(project, ws, subject.runner, [subject.name], subject.container, tracer)
    except UsageError:
        return []
    return mermaid_text(trace).splitlines() if mermaid else trace_lines(trace)


def trace_lines(trace: Trace) -> list[str]:
    """`trace: <name> in <container> on <runner>: <outcome> (<reason>)` and its queries, per runner."""
    out = []
    for network in trace.networks:
        runner = f"runner `{network.network.runner.name}`" if network.network.runner is not None else "an unknown runner"
        for traced in network.containers:
            for found in traced.lookups:
                out.append(f"trace: `{found.name}` in {traced.container.name} on {runner}: {found.outcome} ({found.reason})")
                out.extend(f"  {i}. {q.name} -> {q.server}: {q.expected}" for i, q in enumerate(found.queries, start=1))
    return out
