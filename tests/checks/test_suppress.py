"""Suppression comments, per-file ignores and severity overrides."""

from __future__ import annotations

from tests.helpers import lint, rows

BAD = "deploy:\n  script:\n    - curl -k https://kubernetes.docker.internal:6443{comment}\n"


def test_same_line_and_line_above(project):
    root = project({
        ".gitlab-ci.yml": BAD.format(comment="  # cilint: ignore[DNS001] reason here"),
        "ci/other.gitlab-ci.yml": "other:\n  script:\n    # cilint: ignore[DNS001]\n    - curl http://host.docker.internal\n",
    })
    assert rows(lint(root)) == []


def test_comment_for_another_rule_does_not_suppress_and_is_reported(project):
    root = project({".gitlab-ci.yml": BAD.format(comment="  # cilint: ignore[DNS002]")})
    assert [r[3] for r in rows(lint(root))] == ["DNS001", "CIL005"]


def test_toml_comment_suppresses(project):
    root = project({
        "config.toml": '[[runners]]\n  executor = "kubernetes"\n  [runners.kubernetes]\n'
        '    dns_policy = "None"  # cilint: ignore[DNS006]\n',
    })
    assert [r[3] for r in rows(lint(root))] == []


def test_unused_suppression_not_reported_for_disabled_rule(project):
    from cilint.engine import run
    from cilint.results import Options
    from tests.helpers import rows as rows_of

    root = project({".gitlab-ci.yml": "j:\n  script: make  # cilint: ignore[DNS001]\n"})
    assert [r[3] for r in rows_of(run(Options(paths=(root,), ignore=("DNS001",))))] == []
    assert [r[3] for r in rows_of(run(Options(paths=(root,))))] == ["CIL005"]


def test_per_file_ignores_and_severity_overrides(project):
    root = project({
        ".gitlab-ci.yml": BAD.format(comment=""),
        "legacy/old.gitlab-ci.yml": BAD.format(comment=""),
        ".cilint.toml": '[per-file-ignores]\n"legacy/**" = ["DNS001"]\n[severity]\nDNS001 = "blocker"\n',
    })
    result = lint(root)
    assert [(r[0], r[3]) for r in rows(result)] == [(".gitlab-ci.yml", "DNS001")]
    assert result.findings[0].severity.label == "blocker"
