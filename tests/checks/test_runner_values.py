"""Issue 21 point 3: runner values GitLab Runner rejects when it loads config.toml (GLC011)."""

from __future__ import annotations

from cilint.engine import run
from cilint.findings import Confidence
from cilint.report.common import placed
from cilint.results import Options


def _found(root) -> list[tuple[str, int, str]]:
    result = run(Options(paths=(root,), select=("GLC011",), confidence=Confidence.LOW))
    return [(p.finding.path, p.start.line, p.finding.message) for p in placed(result.projects)]


def test_durations_written_as_gitlab_runner_writes_them_are_accepted(project):
    # `gitlab-runner register` writes `connection_max_age = "15m0s"`: a time.Duration read from a string
    root = project({"config.toml": 'concurrent = 1\nconnection_max_age = "15m0s"\n[[runners]]\n  executor = "shell"\n'})
    assert _found(root) == []


def test_helm_templates_are_not_read_as_values(project):
    root = project({"values.yaml": (
        "runners:\n  config: |\n    [[runners]]\n      executor = {{ .Values.executor | quote }}\n"
        "      [runners.kubernetes]\n        cpu_limit = {{ .Values.cpu }}\n")})
    assert _found(root) == []


def test_a_removed_executor_and_a_wrong_type_each_at_their_line(project):
    root = project({"config.toml": (
        '[[runners]]\n  name = "old"\n  executor = "docker-ssh+machine"\n  [runners.docker]\n'
        '    privileged = "true"\n    dns = "10.0.0.2"\n')})
    found = _found(root)
    assert [(path, line) for path, line, _ in found] == [("config.toml", 3), ("config.toml", 5), ("config.toml", 6)]
    assert "removed in GitLab Runner 17.0" in found[0][2]
    assert "must be a boolean" in found[1][2] and "must be a list of strings" in found[2][2]
