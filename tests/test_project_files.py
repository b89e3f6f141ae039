"""The newcomer's path: the README's two commands, .ci/run, and the project's own files."""

from __future__ import annotations

import re
import subprocess
import sys

from tests.conftest import REPO


def quick_start() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    match = re.search(r"^## Quick start\n+```[a-z]*\n(.*?)\n```", text, re.MULTILINE | re.DOTALL)
    assert match, "README has no Quick start code block"
    return match.group(1).splitlines()


def test_quick_start_has_exactly_two_commands():
    lines = quick_start()
    assert len(lines) == 2
    assert "cilint check examples/" in lines[0]
    assert "pytest" in lines[1]


def test_ci_run_runs_the_readme_test_command():
    script = (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert quick_start()[1] in script


def test_bundled_example_prints_the_seed_findings():
    proc = subprocess.run(
        [sys.executable, "-m", "cilint", "check", "examples/seed"], cwd=REPO,
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 1, proc.stderr
    assert "DNS001" in proc.stdout and "DNS004" in proc.stdout
    assert any(line.startswith("Found 5 findings") for line in proc.stdout.splitlines())


def test_project_lints_itself_clean():
    proc = subprocess.run(
        [sys.executable, "-m", "cilint", "check", "--fail-on", "info", "."], cwd=REPO,
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
