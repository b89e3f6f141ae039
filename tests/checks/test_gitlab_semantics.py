"""Issue 21 point 2: GitLab's logical validation (stages, scripts, needs, duplicate keys, names, limits)
on the merged pipeline, at the line where each mistake is written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from cilint.engine import run
from cilint.findings import Confidence
from cilint.report.common import placed
from cilint.results import Options
from cilint.source import SourceFile
from cilint.syntax.yaml import parse_yaml


def _found(root: Path, select: tuple[str, ...] = ("GLC",)) -> list[tuple[str, str, int, str]]:
    result = run(Options(paths=(root,), select=select, confidence=Confidence.LOW))
    return [(p.finding.rule_id, p.finding.path, p.start.line, p.finding.message) for p in placed(result.projects)]


FIVE_MISTAKES = {
    ".gitlab-ci.yml": (
        "include:\n"
        "  - local: ci/extra.yml\n"
        "stages: [build, test]\n"
        "build:\n"
        "  stage: build\n"
        "  scirpt:\n"
        "    - make\n"
        "unit:\n"
        "  stage: tset\n"
        "  script:\n"
        '    - curl -H "JOB-TOKEN: $CI_JOB_TOKEN" https://example.com\n'
        "report:\n"
        "  needs: [nope]\n"
        "  script: [echo]\n"
    ),
    "ci/extra.yml": "lint:\n  script: [echo one]\n  script: [echo two]\n",
}


def test_the_five_mistakes_of_the_issue_give_five_findings_each_at_its_file_and_line(project):
    root = project(FIVE_MISTAKES)
    found = _found(root)
    assert [(rule, path, line) for rule, path, line, _ in found] == [
        ("GLC001", ".gitlab-ci.yml", 6),   # scirpt
        ("GLC003", ".gitlab-ci.yml", 9),   # stage: tset
        ("GLC001", ".gitlab-ci.yml", 11),  # a mapping in a script list
        ("GLC005", ".gitlab-ci.yml", 13),  # needs: [nope]
        ("GLC002", "ci/extra.yml", 3),     # the duplicate key, in the included file
    ]
    messages = [message for *_, message in found]
    assert "did you mean `script`?" in messages[0] and "did you mean `test`?" in messages[1]
    assert "line 2" in messages[4]
    # through the installed command: the same five, and no traceback
    done = subprocess.run([sys.executable, "-m", "cilint", "check", str(root), "--select", "GLC"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "Traceback" not in done.stderr + done.stdout
    assert "Found 5 findings" in done.stdout


def test_duplicate_keys_are_found_at_the_yaml_layer_but_merged_keys_are_not_duplicates():
    text = (
        "a: &a {k: 1, j: 2}\n"
        "b: &b {k: 3}\n"
        "one:\n  <<: [*a, *b]\n  k: 4\n"        # merges then a key: an override, not a duplicate
        "two: {x: 1, y: 2, x: 3}\n"             # a flow mapping
        "three:\n  <<: *a\n  z: 1\n  z: 2\n"     # a merge and a real duplicate
        "four:\n  '1': a\n  1: b\n  \"1\": c\n"  # the string and the integer are two keys to Ruby
    )
    parsed = parse_yaml(SourceFile("f.yml", text))
    source = SourceFile("f.yml", text)
    pairs = [(text[f.span.start:f.span.end], source.position(f.span.start).line, source.position(w.span.start).line)
             for f, w in parsed.duplicates]
    assert pairs == [("x", 6, 6), ("z", 9, 10), ("'1'", 12, 14)]


def test_whole_pipeline_rules_leave_alone_what_they_cannot_see_whole(project):
    # a file another project includes: its stages, and the rest of its jobs, are defined there
    fragment = project({
        ".gitlab-ci.yml": "build:\n  script: [make]\n",
        "templates/deploy.yml": "deploy:\n  stage: release\n  needs: [build-image]\n  tags: [k8s]\n",
    })
    assert _found(fragment) == []


def test_an_include_not_read_turns_the_whole_pipeline_rules_off(project):
    root = project({".gitlab-ci.yml": (
        "include:\n  - template: Jobs/SAST.gitlab-ci.yml\n"
        "report:\n  stage: reports\n  needs: [semgrep-sast]\n  script: [echo]\n")})
    assert [f for f in _found(root) if f[0] != "GLC001"] == []


def test_a_child_pipeline_is_checked_with_its_own_stages(project):
    root = project({
        ".gitlab-ci.yml": "child:\n  trigger:\n    include: ci/child.yml\n",
        "ci/child.yml": "stages: [one]\njob:\n  stage: two\n  script: [echo]\n",
    })
    assert [(r, p, line) for r, p, line, _ in _found(root)] == [("GLC003", "ci/child.yml", 3)]


def test_the_old_names_types_and_type_are_read_as_stages(project):
    root = project({".gitlab-ci.yml": "types: [compile]\njob:\n  type: compile\n  script: [make]\n"})
    assert [f for f in _found(root) if f[0] == "GLC003"] == []


def test_a_stage_written_in_a_hidden_job_is_reported_once_there(project):
    root = project({".gitlab-ci.yml": (
        "stages: [build]\n.base:\n  stage: biuld\n  script: [make]\n"
        "a: {extends: .base}\nb: {extends: .base}\n")})
    found = _found(root)
    assert [(r, line) for r, _, line, _ in found] == [("GLC003", 3)]
    assert "jobs `a`, `b`" in found[0][3] and "did you mean `build`?" in found[0][3]


def test_a_misspelled_script_is_said_once_not_also_as_a_job_without_script(project):
    root = project({".gitlab-ci.yml": "build:\n  scripts: [make]\n"})
    assert [r for r, *_ in _found(root)] == ["GLC001"]


def test_a_job_with_an_extends_that_cannot_be_resolved_is_cil003s(project):
    root = project({".gitlab-ci.yml": "build:\n  extends: .missing\n"})
    assert [r for r, *_ in _found(root, ("GLC", "CIL"))] == ["CIL003"]


def test_needs_of_parallel_instances_and_later_stage_dependencies(project):
    root = project({".gitlab-ci.yml": (
        "stages: [build, test]\n"
        "matrix:\n  stage: build\n  parallel:\n    matrix:\n      - OS: [linux, mac]\n  script: [make]\n"
        "use:\n  stage: build\n  needs: ['matrix: [linux]']\n  dependencies: [late]\n  script: [echo]\n"
        "late:\n  stage: test\n  script: [echo]\n")})
    found = _found(root)
    assert [(r, line) for r, _, line, _ in found] == [("GLC006", 11)]
    assert "depends on `late` of the later stage `test`" in found[0][3]


def test_a_stop_job_with_a_string_environment_of_another_name(project):
    root = project({".gitlab-ci.yml": (
        "review:\n  script: [deploy]\n  environment: {name: review, on_stop: stop}\n"
        "stop:\n  script: [teardown]\n  environment: staging\n")})
    found = _found(root)
    assert [(r, line) for r, _, line, _ in found] == [("GLC007", 3)]
    assert "stops environment `staging`, not `review`" in found[0][3]


def test_a_need_twice_is_counted_per_list_and_matrix_picks_are_not_repeats(project):
    root = project({".gitlab-ci.yml": (
        "build:\n  stage: build\n  parallel:\n    matrix:\n      - OS: [linux, mac]\n  script: [make]\n"
        "test:\n  needs:\n    - build\n  rules:\n    - if: $A\n      needs: [build]\n    - when: always\n"
        "  script: [echo]\n"
        "pick:\n  needs:\n    - job: build\n      parallel: {matrix: [{OS: linux}]}\n"
        "    - job: build\n      parallel: {matrix: [{OS: mac}]}\n  script: [echo]\n"
        "twice:\n  needs: [build, build]\n  script: [echo]\n")})
    found = _found(root)
    assert [(r, line) for r, _, line, _ in found] == [("GLC005", 23)]
    assert "needs `build` twice" in found[0][3]
