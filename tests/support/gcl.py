"""gitlab-ci-local (the npm package) as a conformance peer: install it, build a pipeline's jobs with it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

GCL_VERSION = "4.60.0"  # the last release that runs on Node 20
TOOLS_DIR = Path(__file__).resolve().parents[2] / ".cache" / "gitlab-ci-local"
DRIVER = Path(__file__).with_name("gcl_jobs.mjs")


def gcl_binary() -> Path:
    """Install gitlab-ci-local into .cache/ once (npm registry) and return its executable.

    Test workers (pytest-xdist) may ask at once: one installs under a lock while the others wait, and
    an install counts only once its marker file is written (a half-finished one is redone)."""
    import fcntl

    binary = TOOLS_DIR / "node_modules" / ".bin" / "gitlab-ci-local"
    marker = TOOLS_DIR / f"installed-{GCL_VERSION}"
    if marker.exists():
        return binary
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is required to install gitlab-ci-local for the conformance tests")
    TOOLS_DIR.mkdir(parents=True, exist_ok=True)
    with open(TOOLS_DIR.parent / "gitlab-ci-local.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not marker.exists():
            shutil.rmtree(TOOLS_DIR / "node_modules", ignore_errors=True)
            subprocess.run(
                [npm, "install", "--no-audit", "--no-fund", "--loglevel=error", "--prefix", str(TOOLS_DIR),
                 f"gitlab-ci-local@{GCL_VERSION}"],
                check=True, timeout=1200,
            )
            marker.write_text(GCL_VERSION)
    return binary


def make_git_project(source: Path, dest: Path) -> None:
    """A git work tree of `source` on branch main. gitlab-ci-local evaluates `rules:changes` with
    `git diff origin/<default branch>` and gives up without that ref: `origin/main` is an empty first
    commit, so every file of the project counts as changed and jobs with `changes:` rules are built."""
    shutil.copytree(source, dest, symlinks=True)
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    for args in (["init", "-q", "-b", "main"], ["commit", "-q", "--allow-empty", "-m", "empty", "--no-verify"],
                 ["update-ref", "refs/remotes/origin/main", "HEAD"],
                 ["symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/main"],
                 ["add", "-A"], ["commit", "-q", "-m", "x", "--no-verify"],
                 ["remote", "add", "origin", "https://gitlab.example.com/group/project.git"]):
        subprocess.run(["git", *args], cwd=dest, check=True, env=env, capture_output=True)


@dataclass(frozen=True)
class GclPipeline:
    """What gitlab-ci-local built for one pipeline file on branch main: the jobs it would run, in the
    fields of `tests.support.job_view.job_view`, and the names of the jobs its rules leave out
    (`when: never` on main)."""

    jobs: dict[str, dict[str, Any]]
    not_run: frozenset[str]


def gcl_jobs(binary: Path, project: Path, pipeline: str, variables: dict[str, str]) -> GclPipeline | str:
    """gitlab-ci-local's jobs for `pipeline` (tests/support/gcl_jobs.mjs), or its error message when it
    cannot build them (a remote include it cannot fetch, a file missing from the corpus...)."""
    home = project.parent / "home"
    home.mkdir(exist_ok=True)
    source = binary.resolve().parents[1] / "src"  # node_modules/gitlab-ci-local/{src,...}
    proc = subprocess.run(
        ["node", str(DRIVER), str(source), pipeline, *(f"{k}={v}" for k, v in variables.items())],
        cwd=project, capture_output=True, text=True, timeout=300,
        env={**os.environ, "HOME": str(home), "CI": ""},
    )
    if proc.returncode != 0:
        return (proc.stderr.strip().splitlines() or [f"exit {proc.returncode}"])[-1]
    built = json.loads(proc.stdout.splitlines()[-1])
    jobs = {_name(j): _job(j) for j in built if not j["trigger"] and j["when"] != "never"}
    return GclPipeline(jobs, frozenset(_name(j) for j in built if not j["trigger"] and j["when"] == "never"))


def _name(job: dict[str, Any]) -> str:
    # gitlab-ci-local names an instance `build: [a,b]`; GitLab (and cilint) `build: [a, b]`
    # (docs: ci/yaml#parallelmatrix): the instance is named from gitlab-ci-local's own matrix values.
    return job["base"] if job["matrix"] is None else f"{job['base']}: [{', '.join(job['matrix'])}]"


def _job(job: dict[str, Any]) -> dict[str, Any]:
    return {
        "stage": job["stage"],
        "image": _image(job["image"]),
        "services": [_service(s) for s in job["services"]],
        "variables": job["variables"],
        "before_script": _lines(job["before_script"]),
        "script": _lines(job["script"]),
        "after_script": _lines(job["after_script"]),
        "tags": [str(t) for t in job["tags"]],
    }


def _image(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return {"name": value, "entrypoint": None}
    entrypoint = value.get("entrypoint")
    return {"name": value.get("name"), "entrypoint": [str(e) for e in entrypoint] if entrypoint is not None else None}


def _service(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        return {"name": value, "alias": None, "command": None, "entrypoint": None}
    alias = value.get("alias")
    command = value.get("command")
    entrypoint = value.get("entrypoint")
    return {
        "name": value.get("name"),
        "alias": str(alias) if alias else None,  # as written: gitlab-ci-local does not split it
        "command": [str(c) for c in command] if command else None,
        "entrypoint": [str(e) for e in entrypoint] if entrypoint is not None else None,
    }


def _lines(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    out: list[str] = []
    for item in value:
        out.extend(_lines(item) if isinstance(item, list) else [str(item)])
    return out


def ensure_rsync() -> None:
    """gitlab-ci-local's shell executor copies the project with rsync (Debian package)."""
    ensure_debian_package("rsync", "rsync")


def ensure_debian_package(command: str, package: str) -> str:
    """The path of `command`, installing its Debian package when it is missing (as root)."""
    found = shutil.which(command)
    if found:
        return found
    apt = shutil.which("apt-get")
    if apt is None or os.geteuid() != 0:
        raise RuntimeError(f"{command} is needed by the tests; install it (apt-get install {package})")
    install = [apt, "install", "-y", "-qq", package]
    # The package lists on the machine usually suffice, and `apt-get update` can fail where they do
    # (seen: a machine without gpgv refused the security repository): update only when needed.
    if subprocess.run(install, capture_output=True, timeout=900).returncode != 0:
        subprocess.run([apt, "update", "-qq"], capture_output=True, timeout=600)
        subprocess.run(install, check=True, capture_output=True, timeout=900)
    found = shutil.which(command)
    if found is None:
        raise RuntimeError(f"installing {package} gave no `{command}`")
    return found
