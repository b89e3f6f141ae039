"""The newcomer's path: the README's two commands, .ci/run, and the project's own files."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

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
    assert any(line.startswith("Found 3 findings") for line in proc.stdout.splitlines())
    assert "2 more findings of lower confidence hidden" in proc.stdout  # NET002, NET007: the runner is unknown


def test_project_lints_itself_clean():
    proc = subprocess.run(
        [sys.executable, "-m", "cilint", "check", "--fail-on", "info", "."], cwd=REPO,
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("seed", range(20))
def test_runner_markers_match_their_line_patterns(seed, corpus):
    """discover finds `[[runners]]`, `runners:` and `config:` lines from the word outwards; the
    answers are those of the multi-line regexes they replace, on corpus files and random text."""
    import random
    import re

    from cilint.loading.discover import looks_like_helm_values, looks_like_runner_toml

    toml = re.compile(r"^[ \t]*\[\[[ \t]*runners[ \t]*\]\]", re.MULTILINE)
    helm = (re.compile(r"^(?:[ \t]{1,4})?runners[ \t]*:", re.MULTILINE), re.compile(r"^[ \t]+config[ \t]*:", re.MULTILINE))
    rng = random.Random(seed)
    def line() -> str:
        return "".join(rng.choice(options) for options in (
            ("", " ", "  ", "    ", "     ", "\t", "x", "#"), ("", "[[", "[[ ", "["), ("runners", "config", "runner"),
            ("", ":", " :", "]]", " ]]", "x:", ": x")))

    texts = [rng.choice(("\n", "\r\n", " ")).join(line() for _ in range(rng.randrange(1, 8))) for _ in range(300)]
    if seed == 0:
        texts += [p.read_text(encoding="utf-8", errors="replace") for p in sorted(corpus.rglob("*"))
                  if p.is_file() and p.suffix in (".toml", ".yml", ".yaml")]
    for text in texts:
        assert looks_like_runner_toml(text) == bool(toml.search(text)), text
        assert looks_like_helm_values(text) == bool(helm[0].search(text) and helm[1].search(text)), text
