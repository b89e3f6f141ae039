"""Issue 24: `cilint scan` over HTTP against a fake GitLab (tests/support/fake_scan_gitlab.py)."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cilint.engine import run
from cilint.gitlab_api import GitLabSource
from cilint.report import json_report
from cilint.results import Options
from cilint.scan.api import ScanApi
from cilint.scan.progress import Progress
from cilint.scan.records import read_records
from cilint.scan.run import ScanRequest, in_shard, scan
from tests.support.fake_scan_gitlab import TOKEN, FakeProject, FakeScanGitLab

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
DESKTOP = "probe:\n  script:\n    - curl http://host.docker.internal:8080\n"


def _corpus_projects(every: int = 1) -> list[FakeProject]:
    directories = sorted(d for d in CORPUS.iterdir() if d.is_dir())
    chosen = [*directories[::every], CORPUS / "gitlabhq__gitlabhq"]
    return [FakeProject.of_directory(index, "corpus/" + d.name.lower().replace("__", "-").replace(".", "-"), d)
            for index, d in enumerate(dict.fromkeys(chosen), start=1)]


def _generated(count: int, start: int = 1000) -> list[FakeProject]:
    projects = []
    for n in range(count):
        files = {".gitlab-ci.yml": "include:\n  - local: ci/jobs.yml\nbuild:\n  script: [make]\n",
                 "ci/jobs.yml": DESKTOP if n % 3 == 0 else "test:\n  script: [make test]\n",
                 "README.md": "# project\n", "src/app.py": "print('hi')\n"}
        projects.append(FakeProject(start + n, f"generated/p{n:04d}", files))
    return projects


def _scan(fake: FakeScanGitLab, output: Path, **fields: object) -> object:
    request = ScanRequest(gitlab_url=fake.url, output=output, **{"group": "platform", **fields})  # type: ignore[arg-type]
    api = ScanApi(fake.url, TOKEN, timeout=float(fields.get("timeout", 30.0)), backoff=0.01)  # type: ignore[arg-type]
    return scan(request, TOKEN, Progress(io.StringIO(), terminal=False), api)


def _findings(records: list) -> list[tuple[object, ...]]:  # type: ignore[type-arg]
    return sorted((f["project"], f["rule"], f["path"], f["start"]["line"], f["start"]["column"], f["message"])
                  for r in records for f in r.findings)


@pytest.fixture(autouse=True)
def token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITLAB_TOKEN", TOKEN)


def test_a_scan_reports_what_check_reports_on_the_same_files_checked_out(tmp_path: Path):
    projects = _corpus_projects()
    with FakeScanGitLab(projects) as fake:
        outcome = _scan(fake, tmp_path / "out")
        expected = []
        for project in projects:
            checkout = tmp_path / "checkouts" / str(project.id)
            for name, text in project.files.items():
                (checkout / name).parent.mkdir(parents=True, exist_ok=True)
                (checkout / name).write_text(text, encoding="utf-8")
            source = GitLabSource(fake.url, project.path, ref=project.commit)
            (result,) = run(Options(paths=(checkout,), gitlab=source)).projects
            for item in json.loads(json_report.render([result]))["findings"]:
                inside = _inside(item["path"], checkout)
                expected.append((project.path, item["rule"], f"{project.path}/{inside}", item["start"]["line"],
                                 item["start"]["column"], item["message"]))
    records = outcome.records  # type: ignore[attr-defined]
    assert {r.project["status"] for r in records} == {"scanned"}
    assert len(records) == len(projects) >= 180
    got = _findings(records)
    assert set(got) - set(expected) == set() and set(expected) - set(got) == set()
    assert got == sorted(expected)
    assert len(expected) > 300


def _inside(shown: str, checkout: Path) -> str:
    """A path `cilint check` printed (relative to the working directory) as a path in the project."""
    return (Path.cwd() / shown).resolve().relative_to(checkout.resolve()).as_posix()
