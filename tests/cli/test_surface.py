"""Issue 20: the user's surface (no silent greens, suppressions that say what they do, ...), through
the installed `cilint` command as a user runs it."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

CILINT = Path(sys.executable).parent / "cilint"

DIND_ON_2375 = """\
build:
  image: docker:27.3.1
  services:
    - name: docker:27.3.1-dind
  variables:
    DOCKER_TLS_CERTDIR: "/certs"
    DOCKER_HOST: tcp://docker:2375
  script:
    - docker info
"""


def cilint(*args: str, cwd: Path, env: dict[str, str] | None = None, stdin: str | None = None
           ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(CILINT), *args], cwd=cwd, capture_output=True, text=True, timeout=120, input=stdin,
                          env={**os.environ, "NO_COLOR": "1", **(env or {})})


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(textwrap.dedent(text), encoding="utf-8")
    return root


# -- point 1: unknown rule ids and names are errors, never a silent green --------------------------

@pytest.mark.parametrize(("flag", "value", "said"), [
    ("--select", "FOO123", "--select FOO123: no rule id is or starts with `FOO123`"),
    ("--ignore", "NET07", "(did you mean `NET007`?)"),
    ("--select", "dind-dns-flg", "(did you mean `dind-dns-flag`?)"),
])
def test_an_unknown_rule_on_the_command_line_is_a_usage_error(tmp_path, flag, value, said):
    write(tmp_path, {".gitlab-ci.yml": DIND_ON_2375})
    proc = cilint("check", flag, value, cwd=tmp_path)
    assert proc.returncode == 2 and said in proc.stderr and proc.stdout == ""


def test_prefixes_ids_and_names_that_select_a_rule_are_accepted(tmp_path):
    write(tmp_path, {".gitlab-ci.yml": DIND_ON_2375})
    proc = cilint("check", "--select", "NET,dns,dind-tls-port-mismatch", "--ignore", "CIL", cwd=tmp_path)
    assert proc.returncode == 1 and "NET001" in proc.stdout


def test_unknown_rules_in_the_settings_are_findings_at_their_lines(tmp_path):
    write(tmp_path, {".gitlab-ci.yml": DIND_ON_2375, ".cilint.toml": """\
        select = ["XYZ", "NET"]
        ignore = ["NET07"]
        [severity]
        NET0 = "info"
        net001 = "minor"
        [per-file-ignores]
        "ci/*" = ["dind-dns-flg"]
        """})
    proc = cilint("check", cwd=tmp_path)
    lines = [line for line in proc.stdout.splitlines() if " CIL004 " in line]
    assert [line.split(": CIL004")[0] for line in lines] == [
        ".cilint.toml:1:11", ".cilint.toml:2:11", ".cilint.toml:4:1", ".cilint.toml:7:11"]
    assert "(did you mean `NET007`?)" in lines[1] and "(did you mean `dind-dns-flag`?)" in lines[3]
    # what is valid still applies: the NET selection, the severity of NET001 written in lower case
    assert ".gitlab-ci.yml:7:18: NET001 [minor]" in proc.stdout


# -- point 8: suppressions by name; a bare or unknown one is reported ------------------------------

def test_a_suppression_by_rule_name_suppresses(tmp_path):
    write(tmp_path, {".gitlab-ci.yml": DIND_ON_2375.replace(
        "tcp://docker:2375", "tcp://docker:2375  # cilint: ignore[dind-tls-port-mismatch] moved next week")})
    proc = cilint("check", "--select", "NET001,CIL", cwd=tmp_path)
    assert proc.returncode == 0 and "No findings." in proc.stdout


@pytest.mark.parametrize(("comment", "said"), [
    ("# cilint: ignore", "names no rule"),
    ("# cilint: ignore[XYZ001]", "no rule id is or starts with `XYZ001`"),
    ("# cilint: ignore[NET01]", "`NET01` is a prefix, not one rule"),
])
def test_a_bare_or_unknown_suppression_is_reported_and_suppresses_nothing(tmp_path, comment, said):
    write(tmp_path, {".gitlab-ci.yml": DIND_ON_2375.replace("tcp://docker:2375", f"tcp://docker:2375  {comment}")})
    proc = cilint("check", cwd=tmp_path)
    assert ".gitlab-ci.yml:7:37: CIL005" in proc.stdout and said in proc.stdout
    assert ".gitlab-ci.yml:7:18: NET001" in proc.stdout


# -- point 9: CIL005's fix removes what suppresses nothing -----------------------------------------

def test_fix_removes_an_unused_suppression_and_keeps_the_used_one(tmp_path):
    write(tmp_path, {".gitlab-ci.yml": DIND_ON_2375.replace(
        "tcp://docker:2375", "tcp://docker:2375  # cilint: ignore[NET001, DNS001] until the runner moves")
        + "lint:\n  script:\n    - yamllint .  # cilint: ignore[NET009]\n"})
    proc = cilint("check", "--fix", cwd=tmp_path)
    text = (tmp_path / ".gitlab-ci.yml").read_text()
    assert "DOCKER_HOST: tcp://docker:2375  # cilint: ignore[NET001] until the runner moves\n" in text
    assert "    - yamllint .\n" in text
    assert "CIL005" not in proc.stdout and "Fixed 2 findings" in proc.stderr


# -- point 2: from anywhere inside a project, its root and settings ------------------------------

def test_check_from_a_subdirectory_checks_the_project_with_its_settings(tmp_path):
    write(tmp_path, {".gitlab-ci.yml": DIND_ON_2375, ".cilint.toml": 'ignore = ["NET016"]\n',
                     "ci/scripts/build.sh": "echo\n"})
    proc = cilint("check", cwd=tmp_path / "ci" / "scripts")
    assert proc.returncode == 1 and "NET001" in proc.stdout
    proc = cilint("check", ".", "--select", "NET016", cwd=tmp_path / "ci")
    assert "NET016" not in proc.stdout  # the project's settings apply from there


# -- point 3: a run that analysed nothing says so --------------------------------------------------

def test_an_empty_directory_says_nothing_was_found(tmp_path):
    (tmp_path / "empty").mkdir()
    proc = cilint("check", "empty", cwd=tmp_path)
    assert proc.returncode == 0 and "no GitLab CI or runner configuration found under empty" in proc.stderr
    proc = cilint("check", "empty", "--fail-if-empty", cwd=tmp_path)
    assert proc.returncode == 2


def test_a_wrong_path_is_a_usage_error(tmp_path):
    proc = cilint("check", "no/such/dir", cwd=tmp_path)
    assert proc.returncode == 2 and "no/such/dir: no such file or directory" in proc.stderr


# -- point 4: an included file is checked as part of the pipeline that includes it ----------------

def test_an_included_file_named_alone_reports_its_findings_from_the_pipeline(tmp_path):
    write(tmp_path, {
        ".gitlab-ci.yml": "include:\n  - local: ci/variables.yml\nbuild:\n  image: docker:27.3.1\n"
                          "  services:\n    - docker:27.3.1-dind\n  script:\n    - docker info\n",
        "ci/variables.yml": "variables:\n  DOCKER_TLS_CERTDIR: \"/certs\"\n  DOCKER_HOST: tcp://docker:2375\n",
    })
    proc = cilint("check", "ci/variables.yml", "--select", "NET001", cwd=tmp_path)
    assert proc.returncode == 1 and proc.stdout.startswith("ci/variables.yml:3:16: NET001")
    assert not [line for line in proc.stdout.splitlines() if line.startswith(".gitlab-ci.yml:")]  # only that file


def test_config_names_the_settings_file_explicitly(tmp_path):
    write(tmp_path, {"project/.gitlab-ci.yml": DIND_ON_2375, "shared/lint.toml": 'ignore = ["NET001"]\n',
                     "shared/bad.toml": 'select = ["NOPE"]\n'})
    proc = cilint("check", "project", "--config", "shared/lint.toml", cwd=tmp_path)
    assert "NET001" not in proc.stdout
    proc = cilint("check", "project", "--config", "shared/bad.toml", cwd=tmp_path)
    assert "CIL004" in proc.stdout and "bad.toml" in proc.stdout
    proc = cilint("check", "project", "--config", "shared/none.toml", cwd=tmp_path)
    assert proc.returncode == 2 and "--config" in proc.stderr


# -- points 5 and 6: one meaning of [*] (ruff's), unsafe fixes counted apart, fixes shown ----------

UNSAFE_ONLY = """\
deploy:
  image: alpine:3.20
  before_script:
    - apk add --no-cache curl kubectl
    - curl -k https://kubernetes.docker.internal:6443
  script:
    - kubectl config use-context group/project:agent
"""


def test_an_unsafe_only_fix_is_not_marked_fixable_and_is_counted_apart(tmp_path):
    write(tmp_path, {".gitlab-ci.yml": UNSAFE_ONLY})
    proc = cilint("check", "--select", "DNS004", cwd=tmp_path)
    assert ": DNS004 [major]" in proc.stdout and "[*]" not in proc.stdout.split("\n")[0]
    assert "No fixes available with --fix (1 hidden fix can be enabled with --unsafe-fixes)." in proc.stdout
    stats = cilint("check", "--select", "DNS004", "--statistics", cwd=tmp_path)
    assert "fixable" not in stats.stdout


def test_a_safe_fix_is_marked_and_counted(tmp_path):
    write(tmp_path, {".gitlab-ci.yml": DIND_ON_2375.replace("tcp://docker:2375", "tcp://docker:2375  # cilint: ignore[DNS001]")})
    proc = cilint("check", "--select", "CIL005,DNS001", cwd=tmp_path)
    assert ": CIL005 [*] [minor]" in proc.stdout and "[*] 1 fixable with --fix." in proc.stdout
    stats = cilint("check", "--select", "CIL005,DNS001", "--statistics", cwd=tmp_path)
    assert "[*] 1 fixable" in stats.stdout


def test_diff_says_when_only_unsafe_fixes_exist(tmp_path):
    write(tmp_path, {".gitlab-ci.yml": UNSAFE_ONLY})
    proc = cilint("check", "--diff", "--select", "DNS004", cwd=tmp_path)
    assert proc.returncode == 0 and proc.stdout == ""
    assert "1 hidden fix can be enabled with --unsafe-fixes" in proc.stderr


def test_show_fixes_lists_what_was_fixed_per_file(tmp_path):
    write(tmp_path, {".gitlab-ci.yml": UNSAFE_ONLY})
    proc = cilint("check", "--diff", "--unsafe-fixes", "--show-fixes", "--select", "DNS004", cwd=tmp_path)
    assert proc.returncode == 1 and proc.stdout.startswith("--- a/.gitlab-ci.yml")
    assert "Would fix 1 finding:\n- .gitlab-ci.yml:\n    DNS004 Remove the probe of `kubernetes.docker.internal`" in proc.stderr
    proc = cilint("check", "--fix", "--unsafe-fixes", "--show-fixes", "--select", "DNS004", cwd=tmp_path)
    assert "Fixed 1 finding:\n- .gitlab-ci.yml:\n    DNS004 " in proc.stderr


# -- point 7: a reader that goes away, an output that cannot be written ---------------------------

def test_a_closed_pipe_ends_the_output_quietly_with_the_runs_exit_code(tmp_path):
    jobs = "".join(f"job{i}:\n  script:\n    - curl https://host.docker.internal:{8000 + i}/\n" for i in range(400))
    write(tmp_path, {".gitlab-ci.yml": jobs})
    for args, expected, read_first in ((("--exit-zero",), 0, True), ((), 1, True), (("--exit-zero",), 0, False)):
        proc = subprocess.Popen([str(CILINT), "check", *args], cwd=tmp_path, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env={**os.environ, "NO_COLOR": "1"})
        assert proc.stdout is not None
        if read_first:  # `| head -1`
            assert proc.stdout.readline().startswith(b".gitlab-ci.yml:")
        proc.stdout.close()  # without reading: the reader is gone before cilint writes (f6b6238: internal error)
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == expected and b"internal error" not in err, err


def test_an_output_file_in_a_missing_directory_is_a_clear_error(tmp_path):
    write(tmp_path, {".gitlab-ci.yml": DIND_ON_2375})
    proc = cilint("check", "-o", "no/such/dir/r.json", "--format", "json", cwd=tmp_path)
    assert proc.returncode == 2 and "cannot write no/such/dir/r.json" in proc.stderr and "internal" not in proc.stderr


# -- point 13: every output honours --format; rules has options; --min-severity ------------------

def test_statistics_as_json(tmp_path):
    import json

    write(tmp_path, {".gitlab-ci.yml": DIND_ON_2375})
    proc = cilint("check", "--statistics", "--format", "json", "--confidence", "low", cwd=tmp_path)
    rows = json.loads(proc.stdout)
    assert {"rule": "NET001", "name": "dind-tls-port-mismatch", "count": 1, "fixable": 0} in rows


def test_rules_select_and_json(tmp_path):
    import json

    rows = json.loads(cilint("rules", "--format", "json", "--select", "NET01,dind-dns-flag", cwd=tmp_path).stdout)
    assert [r["id"] for r in rows] == ["DNS002", *[f"NET01{i}" for i in range(9)]]
    assert rows[0]["docs"] == "https://cilint.gitlab.io/cilint/rules/DNS002/" and rows[0]["references"]
    proc = cilint("rules", "--select", "NOPE", cwd=tmp_path)
    assert proc.returncode == 2 and "NOPE" in proc.stderr


def test_min_severity_filters_what_is_shown_and_the_exit_code_follows(tmp_path):
    write(tmp_path, {".gitlab-ci.yml": DIND_ON_2375})
    everything = cilint("check", "--confidence", "low", cwd=tmp_path)
    assert "NET007" in everything.stdout  # an info reminder
    proc = cilint("check", "--confidence", "low", "--min-severity", "major", "--fail-on", "info", cwd=tmp_path)
    assert "NET007" not in proc.stdout and "NET001" in proc.stdout and proc.returncode == 1
    proc = cilint("check", "--min-severity", "critical", "--select", "NET007", "--confidence", "low",
                  "--fail-on", "info", cwd=tmp_path)
    assert proc.returncode == 0 and "No findings." in proc.stdout


# -- point 14: version, quiet, FORCE_COLOR, stdin, help, the exit codes the README gives ------------

def test_version_short_and_long(tmp_path):
    from cilint import __version__

    for flag in ("-V", "--version"):
        proc = cilint(flag, cwd=tmp_path)
        assert proc.returncode == 0 and proc.stdout == f"cilint {__version__}\n"


def test_quiet_prints_the_findings_only(tmp_path):
    write(tmp_path, {".gitlab-ci.yml": DIND_ON_2375})
    proc = cilint("check", "-q", cwd=tmp_path)
    assert proc.returncode == 1 and "NET001" in proc.stdout
    assert "Found " not in proc.stdout and "hidden" not in proc.stdout
    (tmp_path / "empty").mkdir()
    quiet = cilint("check", "empty", "--quiet", cwd=tmp_path)
    assert quiet.stdout == "" and quiet.stderr == "" and quiet.returncode == 0


def test_force_color_colours_a_log_and_no_color_wins(tmp_path):
    write(tmp_path, {".gitlab-ci.yml": DIND_ON_2375})
    coloured = subprocess.run([str(CILINT), "check"], cwd=tmp_path, capture_output=True, text=True,
                              env={k: v for k, v in os.environ.items() if k != "NO_COLOR"} | {"FORCE_COLOR": "1"})
    assert "\x1b[" in coloured.stdout
    plain = cilint("check", cwd=tmp_path, env={"FORCE_COLOR": "1", "NO_COLOR": "1"})
    assert "\x1b[" not in plain.stdout
    report = tmp_path / "r.txt"
    cilint("check", "-o", str(report), cwd=tmp_path, env={"FORCE_COLOR": "1", "NO_COLOR": ""})
    assert "\x1b[" not in report.read_text()  # a file never gets colours


def test_stdin_is_linted_as_the_file_it_stands_for(tmp_path):
    write(tmp_path, {".cilint.toml": 'select = ["NET001"]\n', "ci/.keep": ""})
    proc = cilint("check", "-", "--stdin-filename", ".gitlab-ci.yml", cwd=tmp_path, stdin=DIND_ON_2375)
    assert proc.returncode == 1 and proc.stdout.startswith(".gitlab-ci.yml:7:18: NET001")
    assert not (tmp_path / ".gitlab-ci.yml").exists()
    diff = cilint("check", "-", "--stdin-filename", ".gitlab-ci.yml", "--diff", "--unsafe-fixes", "--select", "DNS004",
                  cwd=tmp_path, stdin=UNSAFE_ONLY)
    assert diff.returncode == 1 and "-    - curl -k https://kubernetes.docker.internal:6443" in diff.stdout
    assert cilint("check", "-", cwd=tmp_path, stdin="x").returncode == 2
    assert cilint("check", "-", "--stdin-filename", "a.yml", "--fix", cwd=tmp_path, stdin="x").returncode == 2


def test_help_wraps_at_80_columns_and_names_every_option_whole(tmp_path):
    from cilint.check_command import check_options

    proc = cilint("check", "--help", cwd=tmp_path, env={"COLUMNS": "80"})
    assert proc.returncode == 0 and max(len(line) for line in proc.stdout.splitlines()) <= 80
    for flag in check_options():
        assert flag in proc.stdout, flag
    assert "[tool.cilint]" in proc.stdout  # help text is not eaten as markup


def test_the_readme_exit_codes(tmp_path):
    write(tmp_path, {".gitlab-ci.yml": DIND_ON_2375, ".cilint.toml": 'select = ["NOPE"]\n'})
    settings = cilint("check", cwd=tmp_path)
    assert settings.returncode == 1 and "CIL004" in settings.stdout  # a finding, not an exit code of its own
    assert cilint("check", "--exit-zero", cwd=tmp_path).returncode == 0
    assert cilint("check", "--no-such-option", cwd=tmp_path).returncode == 2
    assert cilint("check", "--config", "missing.toml", cwd=tmp_path).returncode == 2


# -- point 12: one run, several outputs -----------------------------------------------------------

def test_text_on_stdout_and_reports_in_files_from_one_run(tmp_path):
    import json

    write(tmp_path, {".gitlab-ci.yml": DIND_ON_2375})
    (tmp_path / "out").mkdir()
    proc = cilint("check", "--report", "codequality=gl-code-quality-report.json", "--report", "sarif=out/cilint.sarif",
                  cwd=tmp_path)
    assert proc.returncode == 1 and ".gitlab-ci.yml:7:18: NET001" in proc.stdout
    quality = json.loads((tmp_path / "gl-code-quality-report.json").read_text())
    assert [e["check_name"] for e in quality] == ["NET001"]
    assert json.loads((tmp_path / "out" / "cilint.sarif").read_text())["version"] == "2.1.0"
    assert cilint("check", "--report", "html=x.html", cwd=tmp_path).returncode == 2


# -- point 10: adopting cilint in an existing repository ------------------------------------------

def test_add_ignore_suppresses_every_finding_where_it_is(tmp_path):
    write(tmp_path, {".gitlab-ci.yml": DIND_ON_2375.replace(
        "  script:\n    - docker info\n",
        "  script:\n    - |\n      curl https://host.docker.internal/health\n      docker info\n")})
    proc = cilint("check", "--add-ignore", "--ignore-reason", "accepted in MR !12", "--confidence", "low",
                  cwd=tmp_path)
    text = (tmp_path / ".gitlab-ci.yml").read_text()
    assert proc.returncode == 0 and "Added 3 suppression comments in 1 file." in proc.stderr
    assert "    DOCKER_HOST: tcp://docker:2375  # cilint: ignore[NET001] accepted in MR !12\n" in text
    assert "      curl https://host.docker.internal/health  # cilint: ignore[DNS001] accepted in MR !12\n" in text
    again = cilint("check", "--confidence", "low", cwd=tmp_path)
    assert again.returncode == 0 and "No findings." in again.stdout
    second = cilint("check", "--add-ignore", cwd=tmp_path)
    assert "Added 0 suppression comments" in second.stderr and (tmp_path / ".gitlab-ci.yml").read_text() == text


def test_add_ignore_extends_an_existing_comment(tmp_path):
    write(tmp_path, {".gitlab-ci.yml": DIND_ON_2375.replace(
        "tcp://docker:2375", "tcp://docker:2375  # cilint: ignore[dind-dns-flag] old note")})
    cilint("check", "--add-ignore", cwd=tmp_path)
    text = (tmp_path / ".gitlab-ci.yml").read_text()
    assert "tcp://docker:2375  # cilint: ignore[dind-dns-flag, NET001] old note\n" in text


def test_a_baseline_hides_what_was_accepted_and_shows_what_is_new(tmp_path):
    write(tmp_path, {".gitlab-ci.yml": DIND_ON_2375})
    proc = cilint("check", "--write-baseline", "cilint-baseline.json", cwd=tmp_path)
    assert proc.returncode == 0 and "Wrote 1 finding to the baseline" in proc.stderr
    (tmp_path / ".gitlab-ci.yml").write_text("# a comment moves every line\n" + DIND_ON_2375
                                             + "probe:\n  script:\n    - curl https://host.docker.internal/\n")
    proc = cilint("check", "--baseline", "cilint-baseline.json", cwd=tmp_path)
    assert proc.returncode == 1 and "NET001" not in proc.stdout and "DNS001" in proc.stdout
    assert "1 finding in the baseline not shown." in proc.stdout
    bad = cilint("check", "--baseline", ".gitlab-ci.yml", cwd=tmp_path)
    assert bad.returncode == 2 and "not a cilint baseline" in bad.stderr


def test_add_ignore_leaves_a_file_it_cannot_comment_without_changing_it(tmp_path):
    original = "probe:\n  script:\n    - curl -fsS https://host.docker.internal/x\n      -o out\n"
    write(tmp_path, {".gitlab-ci.yml": original})
    proc = cilint("check", "--add-ignore", cwd=tmp_path)
    assert (tmp_path / ".gitlab-ci.yml").read_text() == original
    assert ".gitlab-ci.yml: left as it was" in proc.stderr and "Added 0 suppression comments" in proc.stderr


# -- point 17: mr-comment in a merge request pipeline, and what a 403 means -----------------------

def test_mr_comment_takes_gitlabs_predefined_variables():
    from cilint.mr_comments import merge_request_target

    ci = {"CI_SERVER_URL": "https://gitlab.example.com", "CI_PROJECT_PATH": "group/app", "CI_MERGE_REQUEST_IID": "42",
          "CI_PROJECT_ID": "7"}
    assert merge_request_target("", "", 0, ci) == ("https://gitlab.example.com", "group/app", 42)
    assert merge_request_target("https://other.example", "g/p", 5, ci) == ("https://other.example", "g/p", 5)
    assert merge_request_target("", "", 0, {**ci, "CI_PROJECT_PATH": ""})[1] == "7"
    missing = merge_request_target("", "", 0, {"CI_SERVER_URL": "https://gitlab.example.com"})
    assert isinstance(missing, str) and "CI_MERGE_REQUEST_IID" in missing and "CI_PROJECT_PATH" in missing


def test_mr_comment_outside_a_merge_request_pipeline_says_what_is_missing(tmp_path):
    env = {k: "" for k in ("CI_SERVER_URL", "CI_PROJECT_PATH", "CI_PROJECT_ID", "CI_MERGE_REQUEST_IID")}
    proc = cilint("mr-comment", cwd=tmp_path, env=env)
    assert proc.returncode == 2 and "CI_MERGE_REQUEST_IID" in proc.stderr


def test_a_403_when_posting_names_the_scope(monkeypatch):
    from cilint.gitlab_api import ApiError, GitLabSource

    monkeypatch.setenv("GITLAB_TOKEN", "glpat-not-a-real-token-000000")
    import gitlab

    source = GitLabSource("https://gitlab.example.com", "group/app", None, False, 5)
    errors = gitlab.exceptions  # no request is made: the error is raised by the call itself

    def forbidden():
        raise errors.GitlabCreateError("403 Forbidden", response_code=403)

    with pytest.raises(ApiError, match="needs a token with the `api` scope"):
        source._call("a discussion on .gitlab-ci.yml:3", forbidden, posting=True)
    with pytest.raises(ApiError, match="403 Forbidden reading"):
        source._call("a file", forbidden)


# -- point 11: text and JSON paths relative to the working directory, GitLab's relative to the repository

def _git_init(root: Path) -> None:
    subprocess.run(["git", "init", "-q", str(root)], check=True)


def test_paths_are_relative_to_the_working_directory_and_gitlabs_to_the_repository(tmp_path):
    import json

    repo = tmp_path / "repo"
    write(repo, {"services/api/.gitlab-ci.yml": DIND_ON_2375, "README.md": "x\n"})
    _git_init(repo)
    from_top = cilint("check", "services/api", "--report", "codequality=cq.json", "--format", "json", cwd=repo)
    assert json.loads(from_top.stdout)["findings"][0]["path"] == "services/api/.gitlab-ci.yml"
    quality = json.loads((repo / "cq.json").read_text())
    assert quality[0]["location"]["path"] == "services/api/.gitlab-ci.yml"
    inside = cilint("check", "--report", "codequality=cq2.json", cwd=repo / "services" / "api")
    assert inside.stdout.startswith(".gitlab-ci.yml:7:18: NET001")
    again = json.loads((repo / "services" / "api" / "cq2.json").read_text())
    assert again[0]["location"]["path"] == "services/api/.gitlab-ci.yml"  # the repository's path, from anywhere
    assert again[0]["fingerprint"] == quality[0]["fingerprint"]  # the same finding, the same fingerprint


def test_a_runner_config_outside_the_project_is_named_as_given(tmp_path):
    import json

    write(tmp_path, {"project/.gitlab-ci.yml": "build:\n  script:\n    - make\n",
                     "ops/config.toml": '[[runners]]\n  name = "k8s"\n  url = "http://gitlab"\n  executor = "docker"\n'})
    proc = cilint("check", "project", "--runner-config", "ops/config.toml", "--format", "json",
                  "--report", "codequality=cq.json", "--report", "sarif=r.sarif", cwd=tmp_path)
    paths = {f["path"] for f in json.loads(proc.stdout)["findings"]}
    assert paths == {"ops/config.toml"}, paths
    assert {e["location"]["path"] for e in json.loads((tmp_path / "cq.json").read_text())} == {"ops/config.toml"}
    sarif = json.loads((tmp_path / "r.sarif").read_text())
    assert {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"]} \
        == {"ops/config.toml"}
    assert str(tmp_path) not in proc.stdout + (tmp_path / "cq.json").read_text()


def test_the_readme_documents_every_option_of_check():
    from cilint.check_command import check_options

    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    assert [flag for flag in check_options() if flag not in readme] == []
