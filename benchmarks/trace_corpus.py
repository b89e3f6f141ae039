"""Time `cilint trace` on every job of every corpus project with a runner configuration: per project,
loading it once and tracing each job in every format (issue 22: under 1 s per project).

    .venv/bin/python benchmarks/trace_corpus.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from cilint.loading.load import load_config, load_project  # noqa: E402
from cilint.loading.workspace import Workspace  # noqa: E402
from cilint.trace.model import Tracer, trace_job  # noqa: E402
from cilint.trace.render import json_text, mermaid_text, text  # noqa: E402

CORPUS = REPO / "tests" / "corpus"


def main() -> int:
    timings: list[tuple[float, str, int]] = []
    for root in sorted(p for p in CORPUS.iterdir() if p.is_dir()):
        start = time.perf_counter()
        ws = Workspace(root)
        project = load_project(root, None, load_config(ws), [], ws)
        if not project.runner_configs:
            continue
        tracer = Tracer.of(project)
        names = sorted({n for p in project.pipelines for n in p.jobs})
        for name in names:
            trace = trace_job(project, ws, name, [], tracer=tracer)
            text(trace), json_text(trace), mermaid_text(trace)
        timings.append((time.perf_counter() - start, root.name, len(names)))
    seconds = [t for t, _, _ in timings]
    print(f"{len(timings)} projects with a runner configuration, {sum(n for *_, n in timings)} jobs")
    print(f"per project: median {statistics.median(seconds) * 1000:.0f} ms, max {max(seconds) * 1000:.0f} ms")
    for spent, name, jobs in sorted(timings, reverse=True)[:5]:
        print(f"  {spent * 1000:6.0f} ms  {name} ({jobs} jobs)")
    return 0 if max(seconds) < 1.0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
