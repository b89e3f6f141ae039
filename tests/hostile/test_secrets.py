"""Secrets in the analysed files (and in the environment) never reach an output: every report format,
--diff, the Code Quality fix context and merge-request comments."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from cilint.engine import run
from cilint.results import Options
from cilint.mr_comments import comments
from cilint.redact import Redactor

PIPELINE = """\
variables:
  HTTPS_PROXY: http://ci-user:S3cr3tPassw0rd@proxy.example.com:3128
build:
  image: docker:27.3.1
  services:
    - docker:27.3.1-dind
  variables:
    DOCKER_HOST: tcp://docker:2376
    CI_REGISTRY_PASSWORD: "hunter2-registry"
  script:
    - docker login -u me --password hunter2-cli registry.example.com
    - curl -H "PRIVATE-TOKEN: glpat-AbCdEfGhIjKlMnOpQrSt" http://host.docker.internal:8080
    - echo env-secret-value-42
"""
RUNNER = """\
[[runners]]
  name = "macvlan"
  executor = "docker"
  token = "glrt-t0k3nS3cr3tValue1234"
  [runners.docker]
    network_mode = "ci-macvlan"
    privileged = true
  [runners.feature_flags]
    FF_NETWORK_PER_BUILD = true
"""
SECRETS = ("S3cr3tPassw0rd", "hunter2-registry", "hunter2-cli", "glpat-AbCdEfGhIjKlMnOpQrSt",
           "t0k3nS3cr3tValue1234", "env-secret-value-42")


@pytest.fixture
def secret_project(tmp_path):
    (tmp_path / ".gitlab-ci.yml").write_text(PIPELINE)
    (tmp_path / "config.toml").write_text(RUNNER)
    return tmp_path


def cilint(root, *args):  # type: ignore[no-untyped-def]
    env = {**os.environ, "MY_DEPLOY_TOKEN": "env-secret-value-42"}
    return subprocess.run([sys.executable, "-m", "cilint", "check", *args, "."], cwd=root, capture_output=True,
                          text=True, timeout=120, env=env)


@pytest.mark.parametrize("args", [
    ["--format", "text"], ["--format", "json"], ["--format", "codequality"], ["--format", "sarif"],
    ["--diff", "--unsafe-fixes"], ["--statistics"], ["--fix", "--unsafe-fixes", "--format", "json"],
])
def test_no_secret_in_any_output(secret_project, args):
    before = {p.name: p.read_text() for p in secret_project.iterdir()}
    proc = cilint(secret_project, *args)
    assert proc.returncode in (0, 1), proc.stderr
    output = proc.stdout + proc.stderr
    assert proc.stdout.strip()
    for secret in SECRETS:
        assert secret not in output, (secret, args)
    if "--fix" in args:  # the files themselves keep their secrets: redaction is for display only
        after = {p.name: p.read_text() for p in secret_project.iterdir()}
        assert "S3cr3tPassw0rd" in after[".gitlab-ci.yml"] and "glrt-t0k3nS3cr3tValue1234" in after["config.toml"]
        assert after != before


def test_the_reports_still_say_where_and_what(secret_project):
    text = cilint(secret_project, "--format", "text").stdout
    assert "  2 |   HTTPS_PROXY: http://ci-user:***@proxy.example.com:3128" in text
    codequality = json.loads(cilint(secret_project, "--format", "codequality").stdout)
    bodies = "\n".join(entry["content"]["body"] for entry in codequality)
    assert " HTTPS_PROXY: http://ci-user:***@proxy.example.com:3128\n+  NO_PROXY:" in bodies  # NET012's fix context
    assert "-    network_mode = \"ci-macvlan\"" in bodies
    diff = cilint(secret_project, "--diff", "--unsafe-fixes").stdout
    assert '   token = "***"\n' in diff  # the runner token beside NET006's edit


def test_mr_comment_never_suggests_a_line_with_a_masked_secret(secret_project):
    result = run(Options(paths=(secret_project,)))
    everything = {path: set(range(1, 40)) for path in (".gitlab-ci.yml", "config.toml")}
    posted = comments(result.projects, everything, unsafe=True)
    assert posted
    for comment in posted:
        for secret in SECRETS[:-1]:
            assert secret not in comment.body
        assert "***" not in comment.body.split("suggestion:-0+0")[-1] or "suggestion" not in comment.body


@pytest.mark.parametrize(("line", "shown"), [
    ("  HTTP_PROXY: http://user:pw123@proxy:3128", "  HTTP_PROXY: http://user:***@proxy:3128"),
    ('  token = "glrt-abcdefghijklmnop"', '  token = "***"'),
    ("  CI_REGISTRY_PASSWORD: hunter22", "  CI_REGISTRY_PASSWORD: ***"),
    ("  password: $CI_REGISTRY_PASSWORD", "  password: $CI_REGISTRY_PASSWORD"),
    ('  DOCKER_AUTH_CONFIG: {"auths": {"r": {"auth": "dXNlcjpwdw=="}}}', "  DOCKER_AUTH_CONFIG: ***"),
    ('  SecretKey = "wJalrXUtnFEMI"', '  SecretKey = "***"'),
    ("  - curl --header \"JOB-TOKEN: $CI_JOB_TOKEN\" https://x", "  - curl --header \"JOB-TOKEN: $CI_JOB_TOKEN\" https://x"),
    ("  key: $CI_COMMIT_REF_SLUG", "  key: $CI_COMMIT_REF_SLUG"),
    ("author: Jane", "author: Jane"),
    ("  url = \"https://gitlab.com\"", "  url = \"https://gitlab.com\""),
    ("  - git clone https://oauth2:glpat-abcdefgh12345678@gitlab.com/x.git", "  - git clone https://oauth2:***@gitlab.com/x.git"),
])
def test_redaction_of_one_line(line, shown):
    assert Redactor().line(line) == shown


def test_carets_follow_the_mask():
    text, (start, end) = Redactor().shown("  P: http://u:longpassword@h:1 x", [5, 30])
    assert text == "  P: http://u:***@h:1 x" and text[start:end] == "http://u:***@h:1"
