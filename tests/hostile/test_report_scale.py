"""Reports stay linear in their input: many findings with fixes, one very long line, many roots."""

from __future__ import annotations

import json

import pytest

from tests.hostile.measure import run_bounded

FORMATS = ["text", "json", "codequality", "sarif"]


def dind_jobs(count: int) -> str:
    job = "job{n}:\n  image: docker:27\n  services:\n    - docker:27-dind\n  script:\n    - docker info\n"
    return "".join(job.format(n=n) for n in range(count))


@pytest.mark.parametrize("fmt", FORMATS)
def test_many_findings_with_fixes(tmp_path, fmt):
    """Each dind job has findings with fixes; the Code Quality report diffed the whole file once
    for each of them (1,000 jobs: about a minute), and fingerprints searched for a free salt."""
    (tmp_path / ".gitlab-ci.yml").write_text(dind_jobs(1000))
    measured = run_bounded(["check", "--format", fmt, "--exit-zero", "--confidence", "low"], tmp_path, seconds=4)
    assert measured.returncode == 0
    if fmt == "codequality":
        entries = json.loads(measured.stdout)
        assert len(entries) >= 1000
        assert len({e["fingerprint"] for e in entries}) == len(entries)
        with_diff = [e for e in entries if "```diff" in e["content"]["body"]]
        assert with_diff and all(len(e["content"]["body"]) < 5000 for e in with_diff)


def test_identical_findings_get_distinct_fingerprints_in_linear_time(tmp_path):
    """The same text many times in one job: one basis, thousands of findings."""
    lines = "".join("    - curl http://host.docker.internal:8080\n" for _ in range(3000))
    (tmp_path / ".gitlab-ci.yml").write_text(f"job:\n  script:\n{lines}")
    measured = run_bounded(["check", "--format", "json", "--exit-zero"], tmp_path, seconds=4)
    prints = [f["fingerprint"] for f in json.loads(measured.stdout)["findings"]]
    assert len(prints) >= 3000 and len(set(prints)) == len(prints)


@pytest.mark.parametrize("fmt", FORMATS)
def test_one_very_long_line(tmp_path, fmt):
    """A whole pipeline on one line: the text report held that line once per finding (199 KB: 7.4 GB)."""
    jobs = ", ".join(f"j{n}: {{script: [curl http://host.docker.internal:{1000 + n % 9000}/x]}}" for n in range(3000))
    (tmp_path / ".gitlab-ci.yml").write_text("{" + jobs + "}\n")
    assert (tmp_path / ".gitlab-ci.yml").stat().st_size > 150_000
    measured = run_bounded(["check", "--format", fmt, "--exit-zero"], tmp_path, seconds=4, megabytes=200)
    assert len(measured.stdout) < 3000 * 4000  # the rationale per finding, not the 200 KB line
    if fmt == "text":
        shown = [line for line in measured.stdout.splitlines() if line.startswith("  1 | ")]
        assert len(shown) >= 3000 and max(len(line) for line in shown) < 200
        assert all(line.startswith("  1 | …") for line in shown[1:])


def test_two_roots_get_their_own_paths_and_fingerprints(tmp_path):
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / ".gitlab-ci.yml").write_text("job:\n  script:\n    - curl http://host.docker.internal\n")
    for fmt in ("json", "codequality", "sarif"):
        measured = run_bounded(["check", "--format", fmt, "--exit-zero", "a", "b"], tmp_path, seconds=4)
        data = json.loads(measured.stdout)
        if fmt == "json":
            rows = [(f["path"], f["fingerprint"]) for f in data["findings"]]
        elif fmt == "codequality":
            rows = [(e["location"]["path"], e["fingerprint"]) for e in data]
        else:
            rows = [(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
                     r["partialFingerprints"]["cilint/v1"]) for r in data["runs"][0]["results"]]
        assert sorted(path for path, _ in rows) == ["a/.gitlab-ci.yml", "b/.gitlab-ci.yml"], fmt
        assert len({fp for _, fp in rows}) == 2, fmt
    text = run_bounded(["check", "--exit-zero", "a", "b"], tmp_path, seconds=4).stdout
    assert "a/.gitlab-ci.yml:3:" in text and "b/.gitlab-ci.yml:3:" in text
