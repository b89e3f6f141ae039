"""gitlab-ci-local (the npm package) as a conformance peer: install it, run --preview, normalise."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

GCL_VERSION = "4.60.0"  # the last release that runs on Node 20
TOOLS_DIR = Path(__file__).resolve().parents[2] / ".cache" / "gitlab-ci-local"


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
    shutil.copytree(source, dest, symlinks=True)
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "x", "--no-verify"],
                 ["remote", "add", "origin", "https://gitlab.example.com/group/project.git"]):
        subprocess.run(["git", *args], cwd=dest, check=True, env=env, capture_output=True)


def preview(binary: Path, project: Path) -> str | None:
    """The merged configuration as gitlab-ci-local prints it, or None when it cannot expand it."""
    home = project.parent / "home"
    home.mkdir(exist_ok=True)
    proc = subprocess.run(
        [str(binary), "--preview"], cwd=project, capture_output=True, text=True, timeout=120,
        env={**os.environ, "HOME": str(home), "CI": ""},
    )
    if proc.returncode != 0 or "---" not in proc.stdout:
        return None
    return proc.stdout[proc.stdout.index("---"):]


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
    aliases = [a for a in str(alias).replace(",", " ").split() if a] if alias else []
    command = value.get("command")
    entrypoint = value.get("entrypoint")
    return {
        "name": value.get("name"),
        "alias": ",".join(aliases) or None,
        "command": [str(c) for c in command] if command else None,
        "entrypoint": [str(e) for e in entrypoint] if entrypoint is not None else None,
    }


def _var(value: Any) -> str:
    if isinstance(value, dict):
        value = value.get("value", "")
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _lines(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    out: list[str] = []
    for item in value:
        out.extend(_lines(item) if isinstance(item, list) else [str(item)])
    return out


def normalise(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per job, the same fields as `tests.support.job_view.job_view`."""
    reserved = {"stages", "variables", "include", "default", "workflow", "image", "services",
                "before_script", "after_script", "cache", "types"}
    global_vars = {k: _var(v) for k, v in (document.get("variables") or {}).items()}
    jobs: dict[str, dict[str, Any]] = {}
    for name, job in document.items():
        if name in reserved or name.startswith(".") or not isinstance(job, dict) or "trigger" in job:
            continue
        inherit = (job.get("inherit") or {}).get("variables", True)
        if inherit is True:
            variables = dict(global_vars)
        elif inherit is False:
            variables = {}
        else:
            variables = {k: v for k, v in global_vars.items() if k in inherit}
        variables.update({k: _var(v) for k, v in (job.get("variables") or {}).items()})
        jobs[str(name)] = {
            "stage": job.get("stage") or "test",
            "image": _image(job.get("image")),
            "services": [_service(s) for s in job.get("services") or []],
            "variables": variables,
            "before_script": _lines(job.get("before_script")),
            "script": _lines(job.get("script")),
            "after_script": _lines(job.get("after_script")),
            "tags": [str(t) for t in job.get("tags") or []],
        }
    return jobs


def ensure_rsync() -> None:
    """gitlab-ci-local's shell executor copies the project with rsync (Debian package)."""
    if shutil.which("rsync"):
        return
    apt = shutil.which("apt-get")
    if apt is None or os.geteuid() != 0:
        raise RuntimeError("rsync is needed by gitlab-ci-local --force-shell-executor; install it (apt-get install rsync)")
    install = [apt, "install", "-y", "-qq", "rsync"]
    # The package lists on the machine usually suffice, and `apt-get update` can fail where they do
    # (seen: a machine without gpgv refused the security repository): update only when needed.
    if subprocess.run(install, capture_output=True, timeout=600).returncode == 0:
        return
    subprocess.run([apt, "update", "-qq"], capture_output=True, timeout=600)
    subprocess.run(install, check=True, capture_output=True, timeout=600)
