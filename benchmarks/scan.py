"""`cilint scan` of generated projects served by the fake GitLab of the tests (tests/support/
fake_scan_gitlab.py) with a simulated latency per request: wall time, requests per project, the speed-up of
8 workers over 1, and what a second scan with the cache asks. Used by `benchmarks/run.py --scan`."""

from __future__ import annotations

import io
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from cilint.scan.api import ScanApi  # noqa: E402
from cilint.scan.progress import Progress  # noqa: E402
from cilint.scan.run import ScanRequest, scan  # noqa: E402
from tests.support.fake_scan_gitlab import TOKEN, FakeProject, FakeScanGitLab  # noqa: E402

LATENCY = 0.020  # seconds before every answer of the fake GitLab


def generated(count: int) -> list[FakeProject]:
    """Projects like a platform team's: a CI file with a local include, a job probing a Docker Desktop name in
    a third of them, and files the analysis never reads."""
    projects = []
    for n in range(count):
        files = {".gitlab-ci.yml": "include:\n  - local: ci/jobs.yml\nbuild:\n  image: docker:27\n  script: [make]\n",
                 "ci/jobs.yml": ("probe:\n  script:\n    - curl http://host.docker.internal:8080\n" if n % 3 == 0
                                 else "test:\n  script: [make test]\n"),
                 "README.md": "# project\n", "src/main.go": "package main\n", "deploy/service.json": "{}\n"}
        projects.append(FakeProject(10_000 + n, f"platform/service-{n:04d}", files))
    return projects


def timed_scan(fake: FakeScanGitLab, output: Path, concurrency: int, cache: Path | None) -> tuple[float, int, int]:
    """(seconds, requests, projects) of one scan."""
    request = ScanRequest(gitlab_url=fake.url, output=output, group="platform", concurrency=concurrency, cache_dir=cache)
    started = time.perf_counter()
    outcome = scan(request, TOKEN, Progress(io.StringIO(), terminal=False), ScanApi(fake.url, TOKEN))
    return time.perf_counter() - started, outcome.requests, len(outcome.records)


def scan_rows(quick: bool = False) -> list[str]:
    count = 40 if quick else 1000
    os.environ["GITLAB_TOKEN"] = TOKEN  # the fake's: `project:` includes are read with it, as by the CLI
    rows = [f"| `cilint scan` of {count} generated projects, {LATENCY * 1000:.0f} ms per request | wall time | "
            "requests per project | note |", "|---|---|---|---|"]
    with FakeScanGitLab(generated(count)) as fake, tempfile.TemporaryDirectory() as directory:
        fake.faults.latency = LATENCY
        work = Path(directory)
        one = timed_scan(fake, work / "c1", 1, None)
        eight = timed_scan(fake, work / "c8", 8, None)
        timed_scan(fake, work / "fill", 8, work / "cache")
        fake.requests.clear()
        cached = timed_scan(fake, work / "cached", 8, work / "cache")
        per_project = fake.per_project()
    listing = -(-count // 100)
    rows.append(f"| `--concurrency 1` | {one[0]:.1f} s | {one[1] / count:.2f} | {listing} pages of projects included |")
    rows.append(f"| `--concurrency 8` | {eight[0]:.1f} s | {eight[1] / count:.2f} | {one[0] / eight[0]:.1f}x faster than 1 |")
    rows.append(f"| second scan, `--cache-dir`, nothing changed | {cached[0]:.1f} s | {cached[1] / count:.2f} | "
                f"per project at most {max(per_project.values())} (its head commit) besides the {listing} listing pages |")
    return rows


if __name__ == "__main__":
    print("\n".join(scan_rows("--quick" in sys.argv)))
