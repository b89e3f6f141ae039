"""Integrations: the CI/CD component run for real, the project's own pipeline, the pre-commit hook."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import venv
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
from ruamel.yaml import YAML

from tests.conftest import REPO
from tests.support.gcl import ensure_rsync, gcl_binary, make_git_project

CQ_SCHEMA = json.loads(resources.files("cilint.schemas").joinpath("codequality.json").read_text())
BAD_PIPELINE = "bad:\n  image: alpine:3.20\n  script:\n    - curl -k https://kubernetes.docker.internal:6443\n"


def gitlab_ci_schema() -> dict:
    data = resources.files("check_jsonschema").joinpath("builtin_schemas/vendor/gitlab-ci.json").read_text()
    return json.loads(data)


@pytest.mark.parametrize("rel", [".gitlab-ci.yml", "templates/cilint.yml", "templates/cilint-scan.yml"])
def test_own_pipeline_and_component_match_gitlab_ci_schema(rel):
    text = (REPO / rel).read_text()
    if rel.startswith("templates/"):  # as GitLab reads a component: inputs interpolated (defaults, else a sample)
        spec = next(YAML(typ="safe", pure=True).load_all(text))["spec"]["inputs"]
        header, _, body = text.partition("\n---\n")
        for name, declared in spec.items():
            value = declared.get("default", "sample") if isinstance(declared, dict) else "sample"
            body = body.replace(f"$[[ inputs.{name} ]]", str(value).lower() if isinstance(value, bool) else str(value))
        text = header + "\n---\n" + body
    documents = list(YAML(typ="safe", pure=True).load_all(text))
    validator = jsonschema.Draft7Validator(gitlab_ci_schema())
    for document in documents:
        errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
        assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]


def test_own_pipeline_and_component_lint_clean():
    proc = subprocess.run([sys.executable, "-m", "cilint", "check", "--fail-on", "info", ".gitlab-ci.yml",
                           "templates/cilint.yml", "templates/cilint-scan.yml"], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "No findings." in proc.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(REPO)],
                   check=True, capture_output=True, timeout=600)
    return next(out.glob("cilint-*.whl"))


@pytest.fixture(scope="module")
def job_python(tmp_path_factory) -> Path:
    """A fresh virtual environment standing in for the component's `image` (python:3.12-slim)."""
    home = tmp_path_factory.mktemp("job-venv")
    venv.create(home, with_pip=True)
    return home / "bin"


@pytest.mark.slow
@pytest.mark.parametrize(("fail_on", "passes"), [("blocker", True), ("major", False)])
def test_component_job_runs_in_gitlab_ci_local(tmp_path, wheel, job_python, fail_on, passes):
    ensure_rsync()
    source = tmp_path / "source"
    (source / "ci").mkdir(parents=True)
    shutil.copy(REPO / "templates" / "cilint.yml", source / "ci" / "cilint.yml")
    (source / ".gitlab-ci.yml").write_text(
        f"include:\n  - local: ci/cilint.yml\n    inputs:\n      install: \"{wheel}\"\n"
        f"      fail-on: {fail_on}\n      report: cq.json\n" + BAD_PIPELINE
    )
    project = tmp_path / "project"
    make_git_project(source, project)
    env = {**os.environ, "PATH": f"{job_python}{os.pathsep}{os.environ['PATH']}", "HOME": str(tmp_path)}
    proc = subprocess.run([str(gcl_binary()), "--force-shell-executor", "cilint"], cwd=project,
                          capture_output=True, text=True, timeout=900, env=env)
    assert (proc.returncode == 0) is passes, proc.stdout[-3000:] + proc.stderr[-2000:]
    report = json.loads((project / "cq.json").read_text())  # uploaded whether the job passed or not
    jsonschema.Draft7Validator(CQ_SCHEMA).validate(report)
    assert [(e["check_name"], e["location"]["path"], e["location"]["lines"]["begin"]) for e in report] == [
        ("DNS001", ".gitlab-ci.yml", 10)]
    # Issue 20 point 16: the job log shows the findings, in colour, and the report file has no colour codes.
    assert "\x1b[33mDNS001\x1b[0m" in proc.stdout and "\x1b[" not in (project / "cq.json").read_text()


@pytest.mark.slow
def test_component_without_a_release_version_says_how_to_include_it(tmp_path, job_python):
    """Issue 20 point 15: by default the component installs the wheel of the release it is included at
    (`$[[ component.version ]]`); included at a commit (no version: gitlab-ci-local has no component
    context either) and without `install`, the job stops with what to do, before installing anything."""
    ensure_rsync()
    source = tmp_path / "source"
    (source / "ci").mkdir(parents=True)
    shutil.copy(REPO / "templates" / "cilint.yml", source / "ci" / "cilint.yml")
    (source / ".gitlab-ci.yml").write_text("include:\n  - local: ci/cilint.yml\n" + BAD_PIPELINE)
    project = tmp_path / "project"
    make_git_project(source, project)
    env = {**os.environ, "PATH": f"{job_python}{os.pathsep}{os.environ['PATH']}", "HOME": str(tmp_path)}
    proc = subprocess.run([str(gcl_binary()), "--force-shell-executor", "cilint"], cwd=project,
                          capture_output=True, text=True, timeout=900, env=env)
    assert proc.returncode != 0
    assert "include the component at a released version (@1.2.3), or set the install input" in proc.stdout + proc.stderr


def _git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout.strip()


@pytest.mark.slow
def test_pre_commit_hook_from_this_repository(tmp_path):
    head = _git(REPO, "rev-parse", "HEAD")
    if _git(REPO, "status", "--porcelain", "--", ".pre-commit-hooks.yaml", "pyproject.toml", "cilint", "rules"):
        pytest.fail("commit the hook and package files first: pre-commit installs the committed revision")
    work = tmp_path / "user-repo"
    (work / ".gitlab" / "ci").mkdir(parents=True)
    (work / ".gitlab-ci.yml").write_text("include:\n  - local: .gitlab/ci/deploy.yml\n")
    (work / ".gitlab" / "ci" / "deploy.yml").write_text("deploy:\n  script:\n    - make deploy\n")
    (work / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {REPO}\n    rev: {head}\n    hooks:\n      - id: cilint\n")
    _git(work, "init", "-q", "-b", "main")
    _git(work, "add", "-A")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    pre_commit = [sys.executable, "-m", "pre_commit", "run", "--all-files"]
    clean = subprocess.run(pre_commit, cwd=work, capture_output=True, text=True, timeout=900, env=env)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    # Only the included file changes: the hook still lints the whole pipeline from the root.
    (work / ".gitlab" / "ci" / "deploy.yml").write_text(BAD_PIPELINE.replace("bad:", "deploy:"))
    _git(work, "add", "-A")
    changed = subprocess.run([sys.executable, "-m", "pre_commit", "run", "--files", ".gitlab/ci/deploy.yml"],
                             cwd=work, capture_output=True, text=True, timeout=900, env=env)
    assert changed.returncode == 1, changed.stdout + changed.stderr
    assert ".gitlab/ci/deploy.yml:4:15: DNS001" in changed.stdout


def test_release_pipeline_publishes_what_the_component_defaults_to():
    """Issue 20 point 15: on a semver tag the wheel goes to the package registry the component's
    default `index-url` reads, the image is built without a Docker daemon, the rule pages go to Pages
    (where findings link), and the release waits for all three."""
    from cilint.results import DOCS_URL

    pipeline = YAML(typ="safe", pure=True).load((REPO / ".gitlab-ci.yml").read_text())
    release_rule = pipeline[".on-release"]["rules"][0]["if"]
    assert "CI_COMMIT_TAG" in release_rule
    wheel = pipeline["publish-wheel"]
    assert wheel["extends"] == ".on-release"
    assert any("packages/pypi" in line and "twine upload" in line for line in wheel["script"])
    assert any("cilint.__version__" in line for line in wheel["script"])  # the tag is the package's version
    image = pipeline["publish-image"]
    assert "buildah" in image["image"] and "services" not in image
    assert any("$CI_REGISTRY_IMAGE" in line for line in image["script"])
    pages = pipeline["pages"]
    assert "python -m cilint.site public" in pages["script"] and pages["artifacts"]["paths"] == ["public"]
    assert set(pipeline["create-release"]["needs"]) == {"publish-wheel", "publish-image", "pages"}
    spec = list(YAML(typ="safe", pure=True).load_all((REPO / "templates" / "cilint.yml").read_text()))[0]["spec"]
    assert spec["component"] == ["version"] and spec["inputs"]["install"]["default"] == ""
    # one home for the project: the registry the component installs from is the one whose Pages host the rules
    namespace, project = spec["inputs"]["index-url"]["default"].split("/projects/")[1].split("/")[0].split("%2F")
    assert DOCS_URL.startswith(f"https://{namespace}.gitlab.io/{project}/")


def test_the_container_image_installs_this_repository():
    dockerfile = (REPO / "Dockerfile").read_text()
    assert "pip install --no-cache-dir /src" in dockerfile and "COPY . /src" in dockerfile
    ignored = (REPO / ".dockerignore").read_text().split()
    assert not {"pyproject.toml", "cilint", "cilint/", "rules", "rules/", "templates"} & set(ignored)


@pytest.mark.slow
def test_scan_component_shards_and_merges_in_gitlab_ci_local(tmp_path, wheel, job_python):
    """Issue 24: the `cilint-scan` component's jobs (`parallel: 2` shards, then the merge) against the fake
    GitLab: the merged summary covers every project, and GitLab gets one Code Quality report."""
    from tests.support.fake_scan_gitlab import TOKEN, FakeProject, FakeScanGitLab

    ensure_rsync()
    projects = [FakeProject(100 + n, f"platform/p{n}", {".gitlab-ci.yml": BAD_PIPELINE if n % 2 else
                                                         "ok:\n  script: [make]\n"}) for n in range(6)]
    source = tmp_path / "source"
    (source / "ci").mkdir(parents=True)
    shutil.copy(REPO / "templates" / "cilint-scan.yml", source / "ci" / "cilint-scan.yml")
    with FakeScanGitLab(projects) as fake:
        (source / ".gitlab-ci.yml").write_text(
            f"include:\n  - local: ci/cilint-scan.yml\n    inputs:\n      install: \"{wheel}\"\n"
            f"      group: platform\n      shards: 2\n      schedule-only: false\n      gitlab-url: {fake.url}\n")
        project = tmp_path / "project"
        make_git_project(source, project)
        env = {**os.environ, "PATH": f"{job_python}{os.pathsep}{os.environ['PATH']}", "HOME": str(tmp_path)}
        proc = subprocess.run([str(gcl_binary()), "--force-shell-executor", "--variable", f"GITLAB_TOKEN={TOKEN}"],
                              cwd=project, capture_output=True, text=True, timeout=900, env=env)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert TOKEN not in proc.stdout + proc.stderr
    summary = (project / "cilint-scan" / "summary.md").read_text()
    assert summary.splitlines()[2].startswith("6 projects: 6 scanned") and "| DNS001 | 3 | 3 |" in summary
    report = json.loads((project / "cilint-scan" / "codequality.json").read_text())
    jsonschema.Draft7Validator(CQ_SCHEMA).validate(report)
    assert sorted(e["location"]["path"] for e in report) == [f"platform/p{n}/.gitlab-ci.yml" for n in (1, 3, 5)]
