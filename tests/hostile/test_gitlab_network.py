"""A hostile GitLab (and hostile include URLs) on 127.0.0.1: what `--gitlab-url` must never do.

Each case is bounded (time and peak memory of the cilint process) and checks that no secret - the
token, the environment, another file - reaches stdout or stderr.
"""

from __future__ import annotations

import json
import time
import urllib.parse

import pytest

from tests.hostile.measure import run_bounded
from tests.support.fake_gitlab import TOKEN, FakeGitLab

RAW = "/api/v4/projects/group%2Fci/repository/files/ci.yml/raw"
PIPELINE = "include:\n  - project: group/ci\n    file: ci.yml\njob:\n  script: echo hi\n"


def check(root, *args, env=None, seconds=2.0, megabytes=200.0):  # type: ignore[no-untyped-def]
    environment = {"GITLAB_TOKEN": TOKEN, **(env or {})}
    return run_bounded(["check", "--format", "json", *args], root, environment, seconds, megabytes)


def findings(measured) -> list[dict]:  # type: ignore[no-untyped-def]
    return json.loads(measured.stdout)["findings"]


@pytest.fixture
def gitlab():
    with FakeGitLab() as fake:
        yield fake


@pytest.fixture
def other():
    """A second server: another origin (another port) than the GitLab under test."""
    with FakeGitLab() as fake:
        yield fake


@pytest.mark.parametrize("url", ["file:///proc/self/environ", "file:///etc/passwd", "ftp://example.com/ci.yml"])
def test_remote_include_that_is_not_http_is_refused_and_never_read(tmp_path, gitlab, url):
    (tmp_path / ".gitlab-ci.yml").write_text(f"include:\n  - remote: {url}\njob:\n  script: echo hi\n")
    secret = "s3cr3t-in-the-environment"
    measured = check(tmp_path, "--gitlab-url", gitlab.url, "--project", "group/app", "--allow-remote-includes",
                     env={"SOME_SECRET": secret})
    (finding,) = findings(measured)
    assert finding["rule"] == "CIL002" and finding["severity"] == "blocker"
    assert "does not have a valid address" in finding["message"] and (finding["start"]["line"]) == 2
    output = measured.stdout + measured.stderr
    assert secret not in output and TOKEN not in output and "root:" not in output


def test_remote_include_on_the_local_network_is_refused_unless_allowed(tmp_path, gitlab, other):
    other.routes["/ci.yml"] = lambda h: h._send(200, b"remote-job:\n  script: curl http://host.docker.internal\n", "text/plain")
    (tmp_path / ".gitlab-ci.yml").write_text(f"include:\n  - remote: {other.url}/ci.yml\njob:\n  script: echo hi\n")
    args = ["--gitlab-url", gitlab.url, "--project", "group/app", "--allow-remote-includes"]
    refused = findings(check(tmp_path, *args))
    assert [(f["rule"], f["start"]["line"]) for f in refused] == [("CIL002", 2)]
    assert "local network" in refused[0]["message"] and "--allow-local-remote-includes" in refused[0]["message"]
    assert other.requests == []

    allowed = findings(check(tmp_path, *args, "--allow-local-remote-includes"))
    assert {f["rule"] for f in allowed} == {"DNS001"}
    assert other.tokens_seen == [None]  # GitLab fetches remote includes without credentials


def test_redirect_to_another_origin_is_not_followed_with_the_token(tmp_path, gitlab, other):
    def redirect(handler):  # type: ignore[no-untyped-def]
        handler.send_response(302)
        handler.send_header("Location", f"{other.url}/steal")
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    gitlab.routes[RAW] = redirect
    (tmp_path / ".gitlab-ci.yml").write_text(PIPELINE)
    measured = check(tmp_path, "--gitlab-url", gitlab.url, "--project", "group/app")
    assert measured.returncode == 2
    assert "redirected to another origin" in measured.stderr and TOKEN not in measured.stderr
    assert other.requests == []


def test_redirect_within_the_same_origin_is_followed(tmp_path, gitlab):
    def redirect(handler):  # type: ignore[no-untyped-def]
        handler.send_response(301)
        handler.send_header("Location", "/moved/ci.yml")
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    gitlab.routes[RAW] = redirect
    gitlab.routes["/moved/ci.yml"] = lambda h: h._send(200, b"moved:\n  script: echo moved\n", "text/plain")
    (tmp_path / ".gitlab-ci.yml").write_text(PIPELINE)
    measured = check(tmp_path, "--gitlab-url", gitlab.url, "--project", "group/app", "--fail-on", "info")
    assert measured.returncode == 0, measured.stderr
    assert gitlab.tokens_seen == [TOKEN, TOKEN]


@pytest.mark.parametrize("command", ["check", "mr-comment"])
def test_credentials_in_the_gitlab_url_are_refused_without_repeating_them(tmp_path, command):
    (tmp_path / ".gitlab-ci.yml").write_text(PIPELINE)
    url = "http://oauth2:glpat-in-the-url-123@127.0.0.1:9/"
    args = [command, "--gitlab-url", url, "--project", "group/app"] + (["--mr", "1"] if command == "mr-comment" else [])
    measured = run_bounded(args, tmp_path, {"GITLAB_TOKEN": TOKEN}, seconds=5)
    assert measured.returncode == 2 and "must not contain a user or password" in measured.stderr
    assert "glpat-in-the-url-123" not in measured.stdout + measured.stderr


def test_connection_errors_do_not_show_the_query_or_the_token(tmp_path):
    (tmp_path / ".gitlab-ci.yml").write_text(PIPELINE)
    measured = check(tmp_path, "--gitlab-url", "http://127.0.0.1:9", "--project", "group/app")
    assert measured.returncode == 2 and "127.0.0.1:9" in measured.stderr
    assert TOKEN not in measured.stdout + measured.stderr


def _drip(head: bytes, piece: bytes):  # type: ignore[no-untyped-def]
    """A handler that sends `head`, then `piece` every 0.3 s (a request that never ends in time)."""
    def drip(handler):  # type: ignore[no-untyped-def]
        try:
            handler.wfile.write(head)
            for _ in range(100):
                handler.wfile.write(piece)
                handler.wfile.flush()
                time.sleep(0.3)
        except OSError:
            pass
    return drip


@pytest.mark.parametrize(("head", "piece"), [
    (b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n", b"#"),  # the body, a byte at a time
    (b"HTTP/1.1 200 OK\r\n", b"X-Slow: 1\r\n"),  # the headers, a line at a time
], ids=["body", "headers"])
def test_a_drip_fed_answer_ends_at_the_request_deadline(tmp_path, gitlab, head, piece):
    gitlab.routes[RAW] = _drip(head, piece)
    (tmp_path / ".gitlab-ci.yml").write_text(PIPELINE)
    measured = check(tmp_path, "--gitlab-url", gitlab.url, "--project", "group/app", "--gitlab-timeout", "1",
                     seconds=3)
    assert measured.returncode == 2 and "did not answer within 1 s" in measured.stderr


@pytest.mark.parametrize("declared", [True, False])
def test_a_huge_answer_is_cut_at_gitlabs_file_size_limit(tmp_path, gitlab, declared):
    def huge(handler):  # type: ignore[no-untyped-def]
        handler.send_response(200)
        if declared:
            handler.send_header("Content-Length", str(600 * 1024 * 1024))
        handler.end_headers()
        block = b"a: b\n" * 200_000
        try:
            for _ in range(600):
                handler.wfile.write(block)
        except OSError:
            pass

    gitlab.routes[RAW] = huge
    (tmp_path / ".gitlab-ci.yml").write_text(PIPELINE)
    measured = check(tmp_path, "--gitlab-url", gitlab.url, "--project", "group/app", seconds=5, megabytes=120)
    (finding,) = [f for f in findings(measured) if f["rule"] == "CIL002"]
    assert finding["severity"] == "blocker" and "larger than the 2,097,152 bytes" in finding["message"]
    assert finding["start"]["line"] == 2


def test_the_run_has_one_deadline_for_all_requests(tmp_path, gitlab):
    """Each request answers within --gitlab-timeout, but together they exceed the run's budget."""
    def slow(handler):  # type: ignore[no-untyped-def]
        time.sleep(0.4)
        handler._send(404, b'{"message": "404"}')

    names = [f"f{i}.yml" for i in range(40)]
    for name in names:
        gitlab.routes[f"/api/v4/projects/group%2Fci/repository/files/{name}/raw"] = slow
    includes = "".join(f"  - project: group/ci\n    file: {name}\n" for name in names)
    (tmp_path / ".gitlab-ci.yml").write_text(f"include:\n{includes}job:\n  script: echo hi\n")
    measured = run_bounded(
        ["check", "--format", "json", "--gitlab-url", gitlab.url, "--project", "group/app",
         "--gitlab-run-timeout", "2"], tmp_path, {"GITLAB_TOKEN": TOKEN}, seconds=4)
    assert measured.returncode == 2 and "more than 2 s in all" in measured.stderr
    assert len(gitlab.requests) < 10


def test_only_the_configured_origin_gets_the_token(tmp_path, gitlab, other):
    """A project include, a template and a remote include in one run: the token goes to GitLab only."""
    gitlab.files[("group/ci", "ci.yml", "HEAD")] = "a:\n  script: echo a\n"
    gitlab.templates["T"] = "t:\n  script: echo t\n"
    other.routes["/r.yml"] = lambda h: h._send(200, b"r:\n  script: echo r\n", "text/plain")
    (tmp_path / ".gitlab-ci.yml").write_text(
        f"include:\n  - project: group/ci\n    file: ci.yml\n  - template: T.gitlab-ci.yml\n"
        f"  - remote: {other.url}/r.yml\njob:\n  script: echo hi\n")
    measured = check(tmp_path, "--gitlab-url", gitlab.url, "--project", "group/app", "--allow-remote-includes",
                     "--allow-local-remote-includes", "--fail-on", "info")
    assert measured.returncode == 0, measured.stdout + measured.stderr
    assert gitlab.tokens_seen == [TOKEN, TOKEN] and other.tokens_seen == [None]
    assert urllib.parse.unquote(gitlab.requests[0]).startswith("/api/v4/projects/group/ci/repository/files/ci.yml/raw")
