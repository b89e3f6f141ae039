"""The command line as users run it: discovery, formats, exit codes, no tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO


def cilint(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cilint", *args], cwd=cwd, capture_output=True, text=True,
        env={**os.environ, **(env or {})}, timeout=120,
    )


def test_clean_project_exits_zero(project):
    root = project({".gitlab-ci.yml": "build:\n  image: alpine:3.20\n  script: make\n"})
    proc = cilint("check", cwd=root)
    assert proc.returncode == 0, proc.stderr
    assert "No findings." in proc.stdout


def test_broken_yaml_is_exit_one_with_file_and_line(project):
    root = project({".gitlab-ci.yml": "build:\n  script: [make\ntest:\n  script: x\n"})
    proc = cilint("check", ".", cwd=root)
    assert proc.returncode == 1
    assert proc.stdout.startswith(".gitlab-ci.yml:3:5: CIL001 [blocker] YAML syntax error: did not find expected")
    assert "started at line 2, column 11" in proc.stdout
    assert "Traceback" not in proc.stderr


def test_fail_on_and_exit_zero(project):
    root = project({".gitlab-ci.yml": "include:\n  - template: Jobs/Build.gitlab-ci.yml\nj:\n  script: x\n"})
    assert cilint("check", cwd=root).returncode == 0  # info is below the default threshold (minor)
    assert cilint("check", "--fail-on", "info", cwd=root).returncode == 1
    assert cilint("check", "--fail-on", "info", "--exit-zero", cwd=root).returncode == 0


def test_select_and_ignore(project):
    root = project({".gitlab-ci.yml": "j:\n  extends: .x\n  script: y\ninclude: missing.yml\n"})
    out = cilint("check", "--select", "CIL003", "--format", "json", cwd=root)
    assert {f["rule"] for f in json.loads(out.stdout)["findings"]} == {"CIL003"}
    out = cilint("check", "--ignore", "CIL003,include-problem", "--format", "json", cwd=root)
    assert json.loads(out.stdout)["findings"] == []


def test_usage_errors_exit_two(project):
    root = project({".gitlab-ci.yml": "j:\n  script: x\n"})
    assert cilint("check", "does-not-exist", cwd=root).returncode == 2
    assert cilint("check", "--format", "xml", cwd=root).returncode == 2
    assert cilint("check", "--runner-config", "nope.toml", cwd=root).returncode == 2
    assert cilint("explain", "NOPE999", cwd=root).returncode == 2


def test_bad_settings_are_findings_with_lines(project):
    root = project({".gitlab-ci.yml": "j:\n  script: x\n", "pyproject.toml": "[tool.cilint]\ncolour = 1\n"})
    proc = cilint("check", cwd=root)
    assert proc.returncode == 1
    assert proc.stdout.startswith("pyproject.toml:2:1: CIL004 [major] invalid cilint setting: unknown setting `colour`")


def test_discovery_of_pipelines_components_runner_configs(project):
    root = project({
        ".gitlab-ci.yml": "include: ci/part.gitlab-ci.yml\nj:\n  script: x\n",
        "ci/part.gitlab-ci.yml": "p:\n  extends: .nowhere\n",  # included: analysed as part of main
        "child/child.gitlab-ci.yml": "c:\n  extends: .only_in_parent\n",  # standalone
        "templates/comp.yml": "spec:\n  inputs:\n    s: {default: test}\n---\nk:\n  stage: $[[ inputs.s ]]\n  extends: .missing\n",
        "runner/config.toml": "concurrent = 1\n[[runners]]\n  name = 'x'\n  url = 'https://gitlab.example.com'\n  executor = 'docker'\n  [runners.docker\n",
        "helm/values.yaml": "runners:\n  config: |\n    [[runners]]\n",
        "ignored/.gitlab-ci.yml": "x: [\n",
        ".gitignore": "ignored/\n",
    })
    proc = cilint("check", "--format", "json", "--fail-on", "info", cwd=root)
    found = {(f["path"], f["rule"], f["severity"]) for f in json.loads(proc.stdout)["findings"]}
    assert found == {
        ("ci/part.gitlab-ci.yml", "CIL003", "blocker"),
        ("child/child.gitlab-ci.yml", "CIL003", "info"),
        ("templates/comp.yml", "CIL003", "blocker"),
        ("runner/config.toml", "CIL001", "blocker"),
    }
    assert proc.returncode == 1


def test_file_argument_and_ci_file_setting(project):
    root = project({
        "pyproject.toml": "[tool.cilint]\nci-file = 'ci/main.yml'\n",
        "ci/main.yml": "include: ci/inc.yml\nj:\n  extends: .base\n",
        "ci/inc.yml": ".base:\n  script: x\n",
    })
    assert cilint("check", cwd=root).returncode == 0
    proc = cilint("check", "ci/inc.yml", "--format", "json", cwd=root)
    assert proc.returncode == 0 and json.loads(proc.stdout)["findings"] == []


def test_several_roots_in_one_process(project, tmp_path_factory):
    a = project({".gitlab-ci.yml": "j:\n  extends: .x\n"})
    b = tmp_path_factory.mktemp("b")
    (b / ".gitlab-ci.yml").write_text("k:\n  script: [\n")
    proc = cilint("check", str(a), str(b), "--format", "json", cwd=a)
    rules = sorted(f["rule"] for f in json.loads(proc.stdout)["findings"])
    assert rules == ["CIL001", "CIL003"]


def test_paths_are_relative_forward_slash_no_dot(project):
    root = project({".gitlab-ci.yml": "include: /ci/x.yml\n", "ci/x.yml": "a: [\n"})
    proc = cilint("check", "./", "--format", "codequality", cwd=root)
    report = json.loads(proc.stdout)
    assert [e["location"]["path"] for e in report] == ["ci/x.yml"]
    assert isinstance(report[0]["location"]["lines"]["begin"], int)


@pytest.mark.parametrize("fmt", ["text", "json", "codequality", "sarif"])
def test_every_format_renders_and_output_file(project, fmt):
    root = project({".gitlab-ci.yml": "j:\n  extends: .x\n"})
    proc = cilint("check", "--format", fmt, "--output", "report.out", cwd=root)
    assert proc.returncode == 1 and proc.stdout == ""
    text = (root / "report.out").read_text(encoding="utf-8")
    assert "CIL003" in text
    assert not text.startswith("\ufeff")


def test_hostile_inputs_never_traceback(project):
    root = project({
        ".gitlab-ci.yml": b"include: [a.yml, b.yml, c.yml, d.yml, e.yml]\n",
        "a.yml": b"\xff\xfe not utf-8\n",
        "b.yml": b"a: " + b"[" * 5000 + b"]" * 5000 + b"\n",
        "c.yml": b"x: &a [*a]\n",
        "d.yml": b"\x00\x01\x02",
        "e.yml": b"--- !!python/object:os.system 'echo pwned'\n",
    })
    proc = cilint("check", "--format", "json", cwd=root)
    assert "Traceback" not in proc.stderr and proc.returncode == 1, proc.stderr
    found = {(f["path"], f["rule"]) for f in json.loads(proc.stdout)["findings"]}
    assert ("a.yml", "CIL001") in found and ("b.yml", "CIL001") in found and ("d.yml", "CIL001") in found


def test_rules_and_explain():
    proc = cilint("rules", cwd=REPO)
    assert proc.returncode == 0 and "CIL001" in proc.stdout and "syntax-error" in proc.stdout
    proc = cilint("explain", "CIL003", cwd=REPO)
    assert proc.returncode == 0 and "extends" in proc.stdout and "Example" in proc.stdout


def test_version():
    proc = cilint("--version", cwd=REPO)
    assert proc.returncode == 0 and proc.stdout.startswith("cilint ")


def test_runner_config_outside_the_project_is_used(project, tmp_path_factory):
    root = project({".gitlab-ci.yml": "build:\n  services:\n    - docker:27.3.1-dind\n  script:\n    - docker build .\n"})
    elsewhere = tmp_path_factory.mktemp("ops") / "config.toml"
    elsewhere.write_text('[[runners]]\n  name = "ops"\n  executor = "docker"\n  [runners.docker]\n    image = "alpine"\n')
    proc = cilint("check", "--format", "json", "--select", "NET016", "--runner-config", str(elsewhere), cwd=root)
    findings = json.loads(proc.stdout)["findings"]
    assert [(f["rule"], f["severity"]) for f in findings] == [("NET016", "blocker")]
    assert findings[0]["related"][0]["path"] == str(elsewhere)


def test_command_exits_without_teardown_but_with_all_output(project):
    """`cilint` (console) ends with os._exit after flushing: a long report reaches the pipe and the
    file whole, and the exit codes are main's."""
    jobs = "".join(f"job{i}:\n  script:\n    - curl https://kubernetes.docker.internal:6443/{i}\n" for i in range(400))
    root = project({".gitlab-ci.yml": jobs})
    from tests.helpers import lint

    expected = len([f for f in lint(root).findings if f.rule_id == "DNS001"])
    assert expected == 400
    piped = cilint("check", "--format", "json", cwd=root)
    assert piped.returncode == 1
    assert len([f for f in json.loads(piped.stdout)["findings"] if f["rule"] == "DNS001"]) == expected
    written = cilint("check", "--format", "json", "--exit-zero", "-o", "report.json", cwd=root)
    assert written.returncode == 0 and written.stdout == ""
    assert len(json.loads((root / "report.json").read_text())["findings"]) >= expected
    assert cilint("check", "--no-such-option", cwd=root).returncode == 2
