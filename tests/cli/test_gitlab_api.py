"""--gitlab-url: includes fetched through python-gitlab from a GitLab API served on 127.0.0.1."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.support.fake_gitlab import TOKEN, FakeGitLab

PIPELINE = """\
include:
  - project: group/ci-templates
    ref: v1.2.0
    file: /k8s/deploy.yml
  - template: Kubectl.gitlab-ci.yml
deploy:
  extends: .deploy
"""
DEPLOY = """\
include:
  - local: /k8s/vars.yml
.deploy:
  before_script:
    - curl -k "$K8S_API"
  script:
    - kubectl config use-context group/project:agent
"""
VARS = "variables:\n  K8S_API: https://kubernetes.docker.internal:6443\n"


def cilint(root, *args, token=TOKEN, env=None):  # type: ignore[no-untyped-def]
    environment = {k: v for k, v in os.environ.items() if k not in ("GITLAB_TOKEN", "CI_JOB_TOKEN")}
    if token:
        environment["GITLAB_TOKEN"] = token
    environment.update(env or {})
    return subprocess.run([sys.executable, "-m", "cilint", "check", "--format", "json", *args], cwd=root,
                          capture_output=True, text=True, timeout=120, env=environment)


@pytest.fixture
def gitlab():
    with FakeGitLab() as fake:
        fake.files[("group/ci-templates", "k8s/deploy.yml", "v1.2.0")] = DEPLOY
        fake.files[("group/ci-templates", "k8s/vars.yml", "v1.2.0")] = VARS
        fake.templates["Kubectl"] = "kubectl-version:\n  script: kubectl version --client\n"
        yield fake


def test_project_and_template_includes_are_fetched(tmp_path, gitlab):
    (tmp_path / ".gitlab-ci.yml").write_text(PIPELINE)
    proc = cilint(tmp_path, "--gitlab-url", gitlab.url, "--project", "group/app")
    assert proc.returncode == 1, proc.stderr
    findings = {(f["rule"], f["path"], f["start"]["line"]) for f in json.loads(proc.stdout)["findings"]}
    assert findings == {
        ("DNS001", "gitlab:group/ci-templates/k8s/vars.yml@v1.2.0", 2),  # nested local include of that project
        ("DNS004", "gitlab:group/ci-templates/k8s/deploy.yml@v1.2.0", 5),
    }
    assert TOKEN not in proc.stdout + proc.stderr
    offline = cilint(tmp_path, "--fail-on", "info")
    assert {f["rule"] for f in json.loads(offline.stdout)["findings"]} == {"CIL002", "CIL003"}


def test_missing_file_is_cil002(tmp_path, gitlab):
    (tmp_path / ".gitlab-ci.yml").write_text("include:\n  - project: group/ci-templates\n    file: nope.yml\nj:\n  script: x\n")
    proc = cilint(tmp_path, "--gitlab-url", gitlab.url, "--project", "group/app")
    (finding,) = json.loads(proc.stdout)["findings"]
    assert finding["rule"] == "CIL002" and finding["severity"] == "blocker" and "not found" in finding["message"]


def test_bad_token_is_a_clear_error_without_the_token(tmp_path, gitlab):
    (tmp_path / ".gitlab-ci.yml").write_text(PIPELINE)
    proc = cilint(tmp_path, "--gitlab-url", gitlab.url, "--project", "group/app", token="glpat-wrong-secret")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "refused the token (401)" in proc.stderr and "CI_JOB_TOKEN cannot" in proc.stderr
    assert "glpat-wrong-secret" not in proc.stdout + proc.stderr


def test_job_token_alone_is_explained(tmp_path, gitlab):
    (tmp_path / ".gitlab-ci.yml").write_text(PIPELINE)
    proc = cilint(tmp_path, "--gitlab-url", gitlab.url, "--project", "group/app", token=None,
                  env={"CI_JOB_TOKEN": "job-token-secret"})
    assert proc.returncode == 2 and "only CI_JOB_TOKEN is set" in proc.stderr
    assert "job-token-secret" not in proc.stderr


def test_timeout_is_a_clear_error(tmp_path, gitlab):
    gitlab.slow_projects.add("group/ci-templates")
    (tmp_path / ".gitlab-ci.yml").write_text(PIPELINE)
    proc = cilint(tmp_path, "--gitlab-url", gitlab.url, "--project", "group/app", "--gitlab-timeout", "1")
    assert proc.returncode == 2 and "did not answer within 1 s" in proc.stderr


def test_remote_includes_need_their_own_flag(tmp_path, gitlab):
    (tmp_path / ".gitlab-ci.yml").write_text("include:\n  - remote: https://example.invalid/ci.yml\nj:\n  script: x\n")
    proc = cilint(tmp_path, "--gitlab-url", gitlab.url, "--project", "group/app", "--fail-on", "info")
    (finding,) = json.loads(proc.stdout)["findings"]
    assert finding["severity"] == "info" and "--allow-remote-includes" in finding["message"]


MR_PIPELINE = """\
deploy:
  before_script:
    - curl -k https://kubernetes.docker.internal:6443
    - kubectl version --client
  script:
    - kubectl config use-context group/project:agent
"""
MR_DIFF = """\
@@ -0,0 +1,6 @@
+deploy:
+  before_script:
+    - curl -k https://kubernetes.docker.internal:6443
+    - kubectl version --client
+  script:
+    - kubectl config use-context group/project:agent
"""


def test_mr_comment_posts_once_with_suggestions(tmp_path, gitlab):
    (tmp_path / ".gitlab-ci.yml").write_text(MR_PIPELINE)
    (tmp_path / "untouched.gitlab-ci.yml").write_text("old:\n  script:\n    - curl http://host.docker.internal\n")
    gitlab.mr_diffs.append({"old_path": ".gitlab-ci.yml", "new_path": ".gitlab-ci.yml", "new_file": True,
                            "deleted_file": False, "diff": MR_DIFF})
    environment = {**{k: v for k, v in os.environ.items() if k != "CI_JOB_TOKEN"}, "GITLAB_TOKEN": TOKEN}
    command = [sys.executable, "-m", "cilint", "mr-comment", "--gitlab-url", gitlab.url, "--project", "group/app",
               "--mr", "1", "--unsafe-fixes"]
    first = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120, env=environment)
    assert first.returncode == 0, first.stderr
    assert "Posted 2 discussions" in first.stdout
    bodies = {d["notes"][0]["body"].split("**")[1]: d["notes"][0] for d in gitlab.discussions}
    assert set(bodies) == {"DNS001", "DNS004"}  # the untouched file is not commented
    probe = bodies["DNS004"]
    assert probe["position"]["new_line"] == 3 and probe["position"]["head_sha"] == "h" * 40
    assert "```suggestion:-0+0\n```" in probe["body"]  # the probe of a name that never resolves goes
    second = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120, env=environment)
    assert "Posted 0 discussions" in second.stdout and "2 already there" in second.stdout
    assert len(gitlab.discussions) == 2
    assert TOKEN not in first.stdout + first.stderr + second.stdout + second.stderr


def test_added_lines_of_a_diff():
    from cilint.mr_comments import added_lines

    diff = "@@ -1,3 +1,4 @@\n a\n-b\n+B\n+C\n c\n@@ -10,2 +11,2 @@\n x\n+y\n"
    assert added_lines(diff) == {2, 3, 12}


def test_mr_comment_on_a_missing_merge_request_is_a_clear_error(tmp_path, gitlab):
    (tmp_path / ".gitlab-ci.yml").write_text(MR_PIPELINE)
    environment = {**{k: v for k, v in os.environ.items() if k != "CI_JOB_TOKEN"}, "GITLAB_TOKEN": TOKEN}
    proc = subprocess.run([sys.executable, "-m", "cilint", "mr-comment", "--gitlab-url", gitlab.url, "--project",
                           "group/app", "--mr", "99"], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          env=environment)
    assert proc.returncode == 2 and "merge request !99" in proc.stderr and "not found" in proc.stderr
