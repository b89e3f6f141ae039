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


def test_pagination_of_projects_and_trees(tmp_path: Path):
    projects = _generated(230)
    big = projects[0]
    big.files.update({f"ci/extra/{n:03d}.yml": f"job{n}:\n  script: [make]\n" for n in range(150)})
    big.files[".gitlab-ci.yml"] = "include:\n  - local: 'ci/extra/*.yml'\n  - local: ci/jobs.yml\n"
    with FakeScanGitLab(projects) as fake:
        outcome = _scan(fake, tmp_path / "out")
        pages = [r for r in fake.requests if "/groups/platform/projects" in r]
    records = outcome.records  # type: ignore[attr-defined]
    assert len(pages) == 3 and len(records) == 230  # 100 + 100 + 30
    assert {r.project["status"] for r in records} == {"scanned"}
    assert sum(1 for r in records if any(f["rule"] == "DNS001" for f in r.findings)) == 77  # every third
    (first,) = [r for r in records if r.id == big.id]
    assert first.project["fetched"] == 152  # the CI file, its 150 wildcard includes and ci/jobs.yml: no README


def test_only_what_the_analysis_reads_is_fetched(tmp_path: Path):
    (project,) = _generated(1)
    project.files["docs/k8s/deployment.yaml"] = "kind: Deployment\n"
    project.files["ci/unused.yml"] = "unused:\n  script: [x]\n"
    with FakeScanGitLab([project]) as fake:
        _scan(fake, tmp_path / "out")
        blobs = [r for r in fake.requests if "/blobs/" in r]
    assert len(blobs) == 2  # .gitlab-ci.yml and the include ci/jobs.yml


def test_rate_limits_and_transient_errors_are_waited_out(tmp_path: Path):
    projects = _generated(6)
    with FakeScanGitLab(projects) as fake:
        fake.faults.rate_limited = 3
        fake.faults.errors["/api/v4/projects/1002/repository/tree"] = 2
        outcome = _scan(fake, tmp_path / "out", concurrency=2)
        requests = len(fake.requests)
        waited = fake.times[3] - fake.times[2]  # after the third 429 (Retry-After: 1), the listing again
    assert {r.project["status"] for r in outcome.records} == {"scanned"}  # type: ignore[attr-defined]
    assert requests == outcome.requests  # type: ignore[attr-defined]
    assert requests == 1 + 6 * 4 + 3 + 2  # listing, head/tree/2 blobs each, the 429s and 500s again
    assert waited >= 0.9, waited


def test_no_request_is_sent_while_gitlab_says_none_is_left(tmp_path: Path):
    """`RateLimit-Remaining: 0` stops every worker until `RateLimit-Reset` (an epoch second)."""
    projects = _generated(3)
    with FakeScanGitLab(projects) as fake:
        fake.faults.exhausted = 1  # the listing's answer
        outcome = _scan(fake, tmp_path / "out", concurrency=3)
        gap = fake.times[1] - fake.times[0]
    assert {r.project["status"] for r in outcome.records} == {"scanned"}  # type: ignore[attr-defined]
    assert gap >= 0.9, gap


def test_project_includes_are_read_under_the_same_waits(tmp_path: Path):
    """An include of another project is read through the API as `check --gitlab-url` reads it; a 429 there
    is waited out like any request of the scan, not the end of the scan."""
    shared = FakeProject(1, "platform/ci-templates", {"k8s.yml": DESKTOP})
    app = FakeProject(2, "platform/app", {".gitlab-ci.yml": "include:\n  - project: platform/ci-templates\n"
                                                          "    file: k8s.yml\nbuild:\n  script: [make]\n"})
    with FakeScanGitLab([shared, app]) as fake:
        fake.faults.limited["/api/v4/projects/platform%2Fci-templates/repository/files"] = 1
        outcome = _scan(fake, tmp_path / "out")
    by_id = {r.id: r for r in outcome.records}  # type: ignore[attr-defined]
    assert by_id[2].project["status"] == "scanned"
    assert [(f["rule"], f["path"], f["url"]) for f in by_id[2].findings] == [
        ("DNS001", "platform/app/gitlab:platform/ci-templates/k8s.yml@HEAD", None)]


def test_a_project_that_keeps_failing_is_reported_and_the_scan_goes_on(tmp_path: Path):
    projects = _generated(4)
    with FakeScanGitLab(projects) as fake:
        fake.faults.always_failing.add(1001)
        fake.faults.slow[1002] = 3.0
        outcome = _scan(fake, tmp_path / "out", timeout=1.0)
    by_id = {r.id: r for r in outcome.records}  # type: ignore[attr-defined]
    assert by_id[1001].project["status"] == "failed" and "500" in by_id[1001].project["reason"]
    assert by_id[1002].project["status"] == "failed" and "did not answer" in by_id[1002].project["reason"]
    assert by_id[1000].project["status"] == by_id[1003].project["status"] == "scanned"
    summary = (tmp_path / "out" / "summary.md").read_text(encoding="utf-8")
    assert "2 failed" in summary and "generated/p0001: failed" in summary


def test_archived_and_empty_projects_are_skipped_unless_asked(tmp_path: Path):
    projects = _generated(3)
    projects[0].archived = True
    projects[1].files = {}
    with FakeScanGitLab(projects) as fake:
        skipped = {r.id: r.project["status"] for r in _scan(fake, tmp_path / "a").records}  # type: ignore[attr-defined]
        included = {r.id: r.project["status"] for r in _scan(fake, tmp_path / "b", include_archived=True).records}  # type: ignore[attr-defined]
    assert skipped == {1000: "skipped", 1001: "skipped", 1002: "scanned"}
    assert included[1000] == "scanned"


def test_a_second_scan_with_the_cache_asks_once_per_unchanged_project(tmp_path: Path):
    projects = _generated(20)
    with FakeScanGitLab(projects) as fake:
        first = _scan(fake, tmp_path / "a", cache_dir=tmp_path / "cache")
        projects[5].files["ci/jobs.yml"] = DESKTOP + "  image: alpine\n"
        fake.requests.clear()
        second = _scan(fake, tmp_path / "b", cache_dir=tmp_path / "cache")
        per_project = fake.per_project()
    assert _findings(first.records) != _findings(second.records)  # type: ignore[attr-defined]
    assert per_project[1005] == 3  # its head, its new tree, the changed file
    assert all(count == 1 for project_id, count in per_project.items() if project_id != 1005), per_project
    assert len(per_project) == 20


def test_shards_cover_every_project_once_and_merge_into_the_whole_report(tmp_path: Path):
    projects = _generated(40)
    with FakeScanGitLab(projects) as fake:
        whole = _scan(fake, tmp_path / "whole")
        shards = [_scan(fake, tmp_path / f"shard{i}", shard=(i, 4)) for i in range(1, 5)]
    ids = [r.id for s in shards for r in s.records]  # type: ignore[attr-defined]
    assert sorted(ids) == sorted(p.id for p in projects) and all(s.records for s in shards)  # type: ignore[attr-defined]
    assert all(in_shard(r.id, (i + 1, 4)) for i, s in enumerate(shards) for r in s.records)  # type: ignore[attr-defined]
    merged = tmp_path / "merged"
    result = _cli("scan", "merge", *[str(tmp_path / f"shard{i}" / "scan.jsonl") for i in range(1, 5)], "--output", str(merged))
    assert result.returncode == 0, result.stderr
    for name in ("summary.md", "summary.html", "codequality.json", "sarif.json", "scan.jsonl"):
        assert (merged / name).read_text(encoding="utf-8") == (tmp_path / "whole" / name).read_text(encoding="utf-8"), name


def test_an_interrupted_scan_resumes_where_it_stopped(tmp_path: Path):
    projects = _generated(12)
    with FakeScanGitLab(projects) as fake:
        whole = _scan(fake, tmp_path / "whole")
        jsonl = (tmp_path / "whole" / "scan.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
        # the first five projects written, then the sixth cut after its findings, before its own line
        cut = [i for i, line in enumerate(jsonl) if '"type": "project"' in line][4] + 1
        sixth = [line for line in jsonl[cut:] if '"type": "finding"' in line][:1]
        (tmp_path / "again").mkdir()
        (tmp_path / "again" / "scan.jsonl").write_text("".join(jsonl[:cut] + sixth), encoding="utf-8")
        fake.requests.clear()
        resumed = _scan(fake, tmp_path / "again", resume=True)
        asked = fake.per_project()
    assert len(asked) == 7  # the five finished projects are not asked again
    assert _findings(resumed.records) == _findings(whole.records)  # type: ignore[attr-defined]
    assert (tmp_path / "again" / "summary.md").read_text() == (tmp_path / "whole" / "summary.md").read_text()


def _cli(*arguments: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cilint", *arguments], capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})})


def test_the_command_line_writes_the_reports_and_never_the_token(tmp_path: Path):
    projects = _generated(5)
    with FakeScanGitLab(projects) as fake:
        result = _cli("scan", "--gitlab-url", fake.url, "--group", "platform", "--output", str(tmp_path / "out"))
        refused = _cli("scan", "--gitlab-url", fake.url, "--all", "--output", str(tmp_path / "x"),
                       env={"GITLAB_TOKEN": "glpat-wrong-token-0000"})
        assert fake.tokens_seen == {TOKEN, "glpat-wrong-token-0000"}
    assert result.returncode == 0, result.stderr
    assert "5/5 projects" in result.stderr and "scan.jsonl" in result.stdout
    written = "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "out").iterdir())
    assert TOKEN not in written + result.stdout + result.stderr
    assert refused.returncode == 2 and "401" in refused.stderr and "glpat-wrong" not in refused.stderr
    records = list(read_records([tmp_path / "out" / "scan.jsonl"]))
    finding = next(f for r in records for f in r.findings)
    assert finding["url"].startswith(f"{fake.url}/generated/p0000/-/blob/") and finding["url"].endswith("#L3")
    quality = json.loads((tmp_path / "out" / "codequality.json").read_text(encoding="utf-8"))
    assert quality and all(e["location"]["path"].startswith("generated/") for e in quality)
    sarif = json.loads((tmp_path / "out" / "sarif.json").read_text(encoding="utf-8"))
    assert {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].split("/")[0]
            for r in sarif["runs"][0]["results"]} == {"generated"}


@pytest.mark.parametrize("arguments, message", [
    (["--group", "g", "--all"], "exactly one of"),
    (["--all", "--shard", "5/4"], "between 1 and N"),
    (["--all", "--shard", "x"], "I/N"),
])
def test_usage_problems_exit_2(arguments: list[str], message: str):
    result = _cli("scan", "--gitlab-url", "http://127.0.0.1:9", *arguments)
    assert result.returncode == 2 and message in result.stderr


def test_progress_on_a_terminal_and_in_a_log():
    from cilint.scan.records import ProjectRecord

    shown = io.StringIO()
    progress = Progress(shown, terminal=True)
    progress.start(4, 0, 0)
    progress.advance(ProjectRecord({"project": "a", "project_id": 1, "status": "scanned"}, [{"rule": "DNS001"}]))
    assert shown.getvalue().startswith("\r\033[K1/4 projects, 1 findings, 0 failed, ")
    assert shown.getvalue().endswith(" left")
    progress.advance(ProjectRecord({"project": "b", "project_id": 2, "status": "scanned"}, []))  # within 0.1 s: not redrawn
    progress.advance(ProjectRecord({"project": "c", "project_id": 3, "status": "failed", "reason": "boom"}, []))
    assert shown.getvalue().count("\r\033[K") == 3  # the first line, the failure above, the line again
    assert "\r\033[Kcilint scan: c: boom\n\r\033[K3/4 projects, 1 findings, 1 failed" in shown.getvalue()
    logged = io.StringIO()
    progress = Progress(logged, terminal=False)
    progress.start(2, 0, 0)
    progress.advance(ProjectRecord({"project": "a", "project_id": 1, "status": "failed", "reason": "boom"}, []))
    progress.advance(ProjectRecord({"project": "b", "project_id": 2, "status": "scanned"}, []))
    assert logged.getvalue().splitlines() == [
        "cilint scan: scanning 2 projects", "cilint scan: a: boom", logged.getvalue().splitlines()[2]]
    assert logged.getvalue().splitlines()[2].startswith("cilint scan: 2/2 projects, 0 findings, 1 failed")
