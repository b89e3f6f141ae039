"""Wrong results the attack found: fixes that never converge or break a file, crashes on lone
surrogates, order-dependent limits, a BOM that hid a runner, and files GitLab rejects silently."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from cilint.engine import run
from cilint.results import Options
from cilint.fixes import loop
from tests.hostile.measure import run_bounded

FORMATS = ["text", "json", "codequality", "sarif"]


def write(root, files):  # type: ignore[no-untyped-def]
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text if isinstance(text, bytes) else textwrap.dedent(text).encode("utf-8"))
    return root


def json_findings(root, *args):  # type: ignore[no-untyped-def]
    return json.loads(run_bounded(["check", "--format", "json", "--fail-on", "info", *args], root).stdout)["findings"]


# -- 13, 14: fixes -------------------------------------------------------------------------------


@pytest.mark.parametrize("services", [
    "    - &pg postgres:15\n    - *pg\n    - *pg\n",
    "    - *pg\n    - *pg\n",
])
def test_net015_never_edits_one_node_for_two_instances(tmp_path, services):
    write(tmp_path, {".gitlab-ci.yml": ".pg: &pg\n  name: postgres:15\n" * ("- &pg" not in services)
                     + f"test:\n  services:\n{services}  script:\n    - psql -h postgres\n"})
    before = (tmp_path / ".gitlab-ci.yml").read_text()
    outcome = loop.fix(Options(paths=(tmp_path,)), unsafe=True)
    assert outcome.changed == {} and outcome.applied == 0
    (finding,) = [f for f in outcome.result.findings if f.rule_id == "NET015"]
    assert finding.fix is None
    assert (tmp_path / ".gitlab-ci.yml").read_text() == before


def test_dns003_is_silent_when_ndots_cannot_be_lowered(tmp_path):
    """The jobs use a `service.namespace` name (one dot), so ndots must stay at 2: the fix was
    'set ndots to 2' on an ndots of 2, applied on every run."""
    write(tmp_path, {
        ".gitlab-ci.yml": "job:\n  script:\n    - curl http://minio.storage:9000\n    - curl https://gitlab.com\n",
        "config.toml": """\
            [[runners]]
              name = "k8s"
              executor = "kubernetes"
              [runners.kubernetes]
                [[runners.kubernetes.dns_config.options]]
                  name = "ndots"
                  value = "2"
            """,
    })
    assert [f for f in run(Options(paths=(tmp_path,))).findings if f.rule_id == "DNS003"] == []


def test_net012_fix_goes_after_a_hash_form_variable(tmp_path):
    write(tmp_path, {".gitlab-ci.yml": """\
        variables:
          HTTPS_PROXY:
            value: http://proxy.example.com:3128
            description: the proxy
        build:
          image: docker:27.3.1
          services:
            - docker:27.3.1-dind
          variables:
            DOCKER_HOST: tcp://docker:2376
          script:
            - docker build .
        """})
    measured = run_bounded(["check", "--fix", "--unsafe-fixes", "--select", "NET012"], tmp_path)
    assert "bug" not in measured.stderr and "internal error" not in measured.stderr
    assert "Fixed 1 finding" in measured.stderr
    assert (tmp_path / ".gitlab-ci.yml").read_text().startswith(
        "variables:\n  HTTPS_PROXY:\n    value: http://proxy.example.com:3128\n    description: the proxy\n"
        '  NO_PROXY: "localhost,127.0.0.1,docker"\n  no_proxy: "$NO_PROXY"\nbuild:\n')


def test_a_fix_with_overlapping_edits_of_its_own_is_never_applied():
    from cilint.findings import Applicability, Edit, Fix, Span
    from cilint.fixes.apply import splice_report

    twice = Fix("twice", (Edit("f", Span(3, 3), "a"), Edit("f", Span(3, 3), "a")), Applicability.SAFE)
    texts, applied, skipped = splice_report({"f": "abcdef"}, [twice])
    assert texts == {} and applied == [] and skipped == [twice]


# -- 15: lone surrogates -------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(("name", "text", "line"), [
    (".gitlab-ci.yml", 'job:\n  script:\n    - "curl http://host.docker.internal/\\udfff"\n', 3),
    ("values.yaml", 'runners:\n  config: "[[runners]]\\n  name = \\"\\ud83d\\ude80\\"\\n"\n', 2),
])
def test_a_lone_surrogate_escape_is_cil001_in_every_format(tmp_path, fmt, name, text, line):
    write(tmp_path, {name: text})
    measured = run_bounded(["check", "--format", fmt], tmp_path)
    assert measured.returncode == 1, measured.stderr
    if fmt == "json":
        (finding,) = json.loads(measured.stdout)["findings"]
        assert finding["rule"] == "CIL001" and finding["start"]["line"] == line and finding["path"] == name
        assert "surrogate" in finding["message"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_file_name_that_is_not_utf8(tmp_path, fmt):
    name = os.fsdecode(b"bad\xff.gitlab-ci.yml")
    (tmp_path / name).write_text("job:\n  script:\n    - curl http://host.docker.internal\n")
    (tmp_path / ".gitlab-ci.yml").write_text("job:\n  script: echo hi\n")
    out = tmp_path / "report"
    measured = run_bounded(["check", "--format", fmt, "--output", str(out)], tmp_path)
    assert measured.returncode == 1, measured.stderr
    report = out.read_bytes().decode("utf-8")  # valid UTF-8, whatever the name
    shown = "bad\\xff.gitlab-ci.yml" if fmt == "text" else json.dumps("bad\\xff.gitlab-ci.yml")[1:-1]
    assert shown in report
    if fmt == "json":
        (finding,) = json.loads(report)["findings"]
        assert finding["rule"] == "CIL001" and "not valid UTF-8" in finding["message"]


def test_a_path_argument_that_is_not_utf8_is_a_usage_error(tmp_path):
    name = os.fsdecode(b"x\xfe.gitlab-ci.yml")
    (tmp_path / name).write_text("job:\n  script: echo hi\n")
    measured = run_bounded(["check", name], tmp_path)
    assert measured.returncode == 2 and "not valid UTF-8" in measured.stderr


# -- 16 is in test_report_scale; 17: extends depth ------------------------------------------------


@pytest.mark.parametrize("ancestors_first", [True, False])
def test_extends_depth_does_not_depend_on_the_order_of_jobs(tmp_path, ancestors_first):
    chain = [f".l{i}:\n  extends: .l{i + 1}\n" for i in range(12)] + [".l12:\n  script: x\n"]
    if ancestors_first:
        chain.reverse()
    write(tmp_path, {".gitlab-ci.yml": "".join(chain) + "deep:\n  extends: .l0\n"})
    (finding,) = [f for f in run(Options(paths=(tmp_path,))).findings if f.rule_id == "CIL003"]
    assert "nesting too deep" in finding.message and "from `deep`" in finding.message
    text = (tmp_path / ".gitlab-ci.yml").read_text()
    assert text[finding.location.span.start:finding.location.span.end] == ".l10"


def test_ten_levels_of_extends_are_allowed(tmp_path):
    chain = [f".l{i}:\n  extends: .l{i + 1}\n" for i in range(9)] + [".l9:\n  script: x\n"]
    write(tmp_path, {".gitlab-ci.yml": "".join(reversed(chain)) + "deep:\n  extends: .l0\n"})
    assert [f for f in run(Options(paths=(tmp_path,))).findings if f.rule_id == "CIL003"] == []


# -- 18: BOM -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "text"), [
    ("config.toml", '\ufeff[[runners]]\n  name = "k8s"\n  executor = "kubernetes"\n'),
    ("gitlab-runner/values.yaml", '\ufeffrunners:\n  config: |\n    [[runners]]\n      name = "k8s"\n      [runners.kubernetes]\n        namespace = "ci"\n'),
])
def test_a_bom_does_not_hide_the_runner_configuration(tmp_path, name, text):
    write(tmp_path, {".gitlab-ci.yml": "job:\n  script:\n    - wget https://dl-cdn.alpinelinux.org/x\n",
                     name: text.encode("utf-8")})
    rules = {f["rule"] for f in json_findings(tmp_path)}
    assert "DNS003" in rules


# -- 19: what GitLab says of empty, unreadable and multi-document files ---------------------------


def test_an_empty_ci_file(tmp_path):
    write(tmp_path, {".gitlab-ci.yml": "\n"})
    (finding,) = json_findings(tmp_path)
    assert finding["rule"] == "CIL001" and "Please provide content of .gitlab-ci.yml" in finding["message"]


@pytest.mark.parametrize("text", ["# the jobs are still to come\n", "{}\n", "---\n# x\n", "~\n"])
def test_a_ci_file_without_content(tmp_path, text):
    """Not blank, so not GitLab's 'Please provide content', but no job either: GitLab runs nothing."""
    write(tmp_path, {".gitlab-ci.yml": text})
    (finding,) = json_findings(tmp_path)
    assert finding["rule"] == "CIL001" and finding["severity"] == "blocker"
    assert "defines no jobs and no keywords" in finding["message"]


def test_an_included_file_with_only_comments_is_no_empty_pipeline(tmp_path):
    write(tmp_path, {".gitlab-ci.yml": "include: ci/later.yml\njob:\n  script: echo\n", "ci/later.yml": "# todo\n"})
    assert json_findings(tmp_path) == []


def test_an_empty_included_file(tmp_path):
    write(tmp_path, {".gitlab-ci.yml": "include: ci/empty.yml\njob:\n  script: echo\n", "ci/empty.yml": ""})
    (finding,) = json_findings(tmp_path)
    assert finding["rule"] == "CIL002" and finding["start"]["line"] == 1 and "is empty" in finding["message"]


def test_documents_gitlab_ignores(tmp_path):
    write(tmp_path, {".gitlab-ci.yml": "a:\n  script: x\n---\nb:\n  script: curl http://host.docker.internal\n"})
    (finding,) = json_findings(tmp_path)  # `b` is never run, so its DNS001 is no finding either
    assert finding["rule"] == "CIL001" and finding["severity"] == "major" and finding["start"]["line"] == 4


def test_a_header_and_its_configuration_are_one_file(tmp_path):
    write(tmp_path, {"templates/t.yml": "spec:\n  inputs:\n    x:\n      default: y\n---\nj:\n  script: echo $[[ inputs.x ]]\n"})
    assert [f for f in json_findings(tmp_path) if f["rule"] == "CIL001"] == []


def test_a_reused_anchor_name_prints_no_warning(tmp_path):
    write(tmp_path, {".gitlab-ci.yml": "variables:\n  A: &x '1'\n  B: &x '2'\nj:\n  script: [echo *x]\n"})
    proc = subprocess.run([sys.executable, "-m", "cilint", "check", "."], cwd=tmp_path, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0 and proc.stderr == ""


def test_a_fix_after_a_hash_form_variable_that_ends_a_block(tmp_path):
    """Found by tests/fuzz: the hash form's mapping ran on into the next line's indentation, and
    NET001's DOCKER_TLS_CERTDIR went after `script:`, breaking the file."""
    write(tmp_path, {".gitlab-ci.yml": 'a:\n  services:\n    - docker:27-dind\n  variables:\n    DOCKER_HOST:\n'
                     '      value: tcp://docker:2375\n      description: ""\n  script:\n    - docker info\n'})
    outcome = loop.fix(Options(paths=(tmp_path,)), unsafe=True)
    assert outcome.broken == [] and outcome.applied == 1
    ((_, after),) = outcome.changed.values()
    assert '      description: ""\n    DOCKER_TLS_CERTDIR: ""\n  script:\n' in after


def test_net015_makes_no_alias_from_an_image_name_that_cannot_be_one(tmp_path):
    """Found by tests/fuzz: the image `>` gave the alias `>-2`, a YAML block indicator."""
    write(tmp_path, {".gitlab-ci.yml": 'default:\n  services:\n    - ">"\n    - ">"\na:\n  script:\n    - echo\n'})
    (finding,) = [f for f in run(Options(paths=(tmp_path,))).findings if f.rule_id == "NET015"]
    assert finding.fix is None


@pytest.mark.parametrize(("alias", "fixed"), [('""', "docker-2"), ("''", "docker-2"), ("~", "docker-2"), ("", None)])
def test_net015_fills_an_empty_alias_instead_of_adding_a_second_one(tmp_path, alias, fixed):
    """Found by tests/fuzz: `alias: ""` got a second `alias:` key on every run (a duplicate key)."""
    write(tmp_path, {".gitlab-ci.yml": "job:\n  services:\n    - docker:27-dind\n    - name: docker:27-dind\n"
                     f"      alias: {alias}\n  script:\n    - docker info\n"})
    outcome = loop.fix(Options(paths=(tmp_path,), select=("NET015",)), unsafe=True)
    assert outcome.broken == []
    if fixed is None:
        assert outcome.applied == 0 and outcome.changed == {}
        return
    ((_, after),) = outcome.changed.values()
    assert after.count("alias:") == 1 and f"      alias: {fixed}\n" in after
    loop.write(outcome, Options(paths=(tmp_path,)))
    assert loop.fix(Options(paths=(tmp_path,)), unsafe=True).applied == 0


@pytest.mark.parametrize(("alias", "written"), [
    ('"0:.0"', '"0.0"'),  # `0.0` unquoted would be a float
    ("Db_1-.Local", "db-1.local"),  # `db-1-.local` (the old suggestion) is no valid name either
    ('"___"', None),
])
def test_net004_suggests_only_a_valid_alias(tmp_path, alias, written):
    """Found by tests/fuzz: the alias `0:.0` got the suggestion `0-.0`, itself invalid: the fix was idle."""
    write(tmp_path, {".gitlab-ci.yml": f"a:\n  services:\n    - name: postgres:16\n      alias: {alias}\n"
                     "  script:\n    - echo\n"})
    options = Options(paths=(tmp_path,), select=("NET004",))
    outcome = loop.fix(options, unsafe=True)
    assert outcome.broken == [] and outcome.idle == []
    if written is None:
        (finding,) = outcome.result.findings
        assert finding.fix is None and finding.remedy == "use such a name"
        return
    ((_, after),) = outcome.changed.values()
    assert f"      alias: {written}\n" in after and outcome.result.findings == []


def test_net001_offers_no_fix_on_a_definition_jobs_need_differently(tmp_path):
    """Found by tests/fuzz: one global DOCKER_HOST, a job with TLS by default and one with TLS set:
    one fix turned TLS off next to DOCKER_HOST, the other changed its port, and they undid each other
    (8 fixes counted, nothing changed)."""
    write(tmp_path, {".gitlab-ci.yml": """\
        variables:
          DOCKER_HOST: tcp://docker:2375
        default:
          services:
            - docker:27-dind
        a:
          script: [docker info]
        b:
          services:
            - docker:27-dind
          variables:
            DOCKER_TLS_CERTDIR: /certs
          script: [docker info]
        """})
    options = Options(paths=(tmp_path,), select=("NET001",))
    findings = run(options).findings
    assert len(findings) == 2 and all(f.fix is None for f in findings)
    outcome = loop.fix(options, unsafe=True)
    assert outcome.applied == 0 and outcome.changed == {} and outcome.cycling == []


def test_net001_fixes_a_definition_all_its_jobs_need_alike(tmp_path):
    write(tmp_path, {".gitlab-ci.yml": """\
        variables:
          DOCKER_HOST: tcp://docker:2375
        a:
          services: [docker:27-dind]
          script: [docker info]
        b:
          services: [docker:27-dind]
          script: [docker info]
        """})
    options = Options(paths=(tmp_path,), select=("NET001",))
    outcome = loop.fix(options, unsafe=True)
    assert outcome.result.findings == [] and outcome.cycling == []
    ((_, after),) = outcome.changed.values()
    assert after.startswith('variables:\n  DOCKER_HOST: tcp://docker:2375\n  DOCKER_TLS_CERTDIR: ""\na:\n')


def test_rendered_scalars_never_escape_surrogate_halves():
    from cilint.edits.entries import double_quoted

    assert double_quoted("\U0001f680 x") == '"\U0001f680 x"'


CRASHED_TREE_SITTER = ["echo $DOCKER_HOST{\U000db2c5,X", "echo ${\U000db2c5}"]


def test_shell_lines_that_crashed_tree_sitter_bash():
    """Found by tests/fuzz: tree-sitter-bash 0.25 segfaults on `{` or `${` before some astral code
    points. In a child process, since the failure is a SIGSEGV, not an exception."""
    code = ("import sys; from cilint.shell.bash import analyse\n"
            "for line in sys.argv[1:]: print(analyse(line).commands[0].name)")
    child = subprocess.run([sys.executable, "-c", code, *CRASHED_TREE_SITTER], capture_output=True, text=True,
                           timeout=60)
    assert child.returncode == 0, child.returncode
    assert child.stdout.split() == ["echo", "echo"]


def test_a_pipeline_with_those_lines_is_checked(tmp_path):
    lines = "".join(f"    - {json.dumps(line, ensure_ascii=False)}\n" for line in CRASHED_TREE_SITTER)
    write(tmp_path, {".gitlab-ci.yml": f"j:\n  script:\n{lines}"})
    measured = run_bounded(["check", "--format", "json"], tmp_path)
    assert measured.returncode == 0, measured.stderr


@pytest.mark.parametrize(("text", "newline"), [
    ('a: "x\r\n y"\nb: 1\n', "\n"),  # a CRLF inside a quoted scalar is no line ending of the file
    ("a: 1\r\nb: 2\r\n", "\r\n"),
    ("a: 1", "\n"),
])
def test_edits_use_the_line_ending_of_the_file(text, newline):
    from cilint.source import SourceFile

    assert SourceFile(".gitlab-ci.yml", text).newline == newline
