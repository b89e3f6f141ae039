"""`cilint show-config`: the resolved pipeline, each value with the file and line it comes from.

The YAML it prints is read back (with cilint's own reader, which types scalars as GitLab's Psych does,
and with ruamel's YAML 1.2) and must give exactly the model's values; the `# file:line` comments
must name where each value is written.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from cilint.loading.load import load_project
from cilint.models.settings import ProjectConfig
from cilint.redact import Redactor
from cilint.show_config import resolved, run_show_config
from cilint.show_config.render import json_text, yaml_text
from cilint.show_config.tree import Shown, ShownPipeline
from cilint.source import SourceFile
from cilint.spelling import closest, edit_distance
from cilint.syntax.nodes import plain
from cilint.syntax.yaml import parse_yaml
from tests.conftest import CORPUS
from tests.helpers import pipeline
from tests.support.job_view import pipeline_view

PROJECT = {
    ".gitlab-ci.yml": """\
include:
  - local: ci/templates.yml
variables:
  DOCKER_HOST: tcp://docker:2375
  DB_PASSWORD: hunter2-not-shown
default:
  image: docker:27
build:
  extends: .docker
  stage: build
  script:
    - docker build -t "$IMAGE" .
    - |
      echo multi
      echo line
test:
  parallel:
    matrix:
      - PY: ["3.12", "3.13"]
  image: python:$PY
  inherit:
    variables: false
  script: pytest
""",
    "ci/templates.yml": """\
.docker:
  services:
    - name: docker:27-dind
      alias: docker
  variables:
    IMAGE: registry.example.com/app:1.0
""",
}


def _yaml_documents(text: str) -> list[dict]:
    parsed = parse_yaml(SourceFile("shown.yml", text))
    assert parsed.problem is None, parsed.problem
    return [plain(doc.root) for doc in parsed.documents]


def _comment_of(text: str, line_start: str) -> str:
    line = next(line for line in text.splitlines() if line.lstrip().startswith(line_start))
    return line.rsplit("  # ", 1)[1]


def test_resolved_pipeline_reads_back_as_the_model_with_positions(project, capsys):
    root = project(PROJECT)
    assert run_show_config(root, None, None, "yaml") == 0
    out = capsys.readouterr().out
    (document,) = _yaml_documents(out)
    assert YAML(typ="safe", pure=True).load(out.split("\n", 1)[1]) == document  # YAML 1.2 reads the same
    view = pipeline_view(pipeline(root))
    assert set(document) == {"stages", "variables", "build", "test: [3.12]", "test: [3.13]"}
    for name, job in view.items():
        shown = document[name]
        assert shown["script"] == job["script"]
        assert shown["image"] == job["image"]["name"]
        assert shown["variables"] == job["variables"] | ({"DB_PASSWORD": "***"} if "DB_PASSWORD" in job["variables"] else {})
        assert "extends" not in shown
    assert document["build"]["services"] == [{"name": "docker:27-dind", "alias": "docker"}]
    assert document["build"]["script"][1] == "echo multi\necho line\n"
    # where each value is written: the template, the default, the matrix, the job
    assert _comment_of(out, "- name: docker:27-dind") == "ci/templates.yml:3"
    assert _comment_of(out, "IMAGE:") == "ci/templates.yml:6, job"
    assert _comment_of(out, "DOCKER_HOST:") == ".gitlab-ci.yml:4, global"
    assert _comment_of(out, "image: docker:27") == ".gitlab-ci.yml:7"
    assert _comment_of(out, 'PY: "3.13"') == ".gitlab-ci.yml:19, matrix"
    assert _comment_of(out, "build:") == ".gitlab-ci.yml:8"
    assert "hunter2" not in out


def test_json_names_each_value_by_pointer(project, capsys):
    root = project(PROJECT)
    assert run_show_config(root, "build", None, "json") == 0
    (shown,) = json.loads(capsys.readouterr().out)["pipelines"]
    build = shown["jobs"]["build"]
    assert list(shown["jobs"]) == ["build"]
    assert build["source"] == ".gitlab-ci.yml:8"
    assert build["config"]["services"][0]["alias"] == "docker"
    assert build["sources"]["/services/0/alias"] == "ci/templates.yml:4"
    assert build["sources"]["/script/1"] == ".gitlab-ci.yml:13"
    assert build["variable_origins"] == {"DOCKER_HOST": "global", "DB_PASSWORD": "global", "IMAGE": "job"}
    assert build["config"]["variables"]["DB_PASSWORD"] == "***"
    assert shown["variable_sources"]["/DOCKER_HOST"] == ".gitlab-ci.yml:4"


def test_variants_are_documents_with_their_condition(project, capsys):
    """docs.gitlab.com/ci/yaml/#rulesvariables: each rule's variables are the job's in its pipelines."""
    root = project({".gitlab-ci.yml": """\
deploy:
  script: deploy
  rules:
    - if: $CI_COMMIT_BRANCH == "main"
      variables:
        TARGET: production
    - variables:
        TARGET: staging
"""})
    assert run_show_config(root, None, None, "yaml") == 0
    out = capsys.readouterr().out
    headers = [line for line in out.splitlines() if line.startswith("# pipeline")]
    assert headers == ['# pipeline .gitlab-ci.yml, variant 1 of 2: where $CI_COMMIT_BRANCH == "main"',
                       '# pipeline .gitlab-ci.yml, variant 2 of 2: where $CI_COMMIT_BRANCH != "main"']
    assert [d["deploy"]["variables"]["TARGET"] for d in _yaml_documents(out)] == ["production", "staging"]
    assert run_show_config(root, None, 2, "yaml") == 0
    assert [d["deploy"]["variables"]["TARGET"] for d in _yaml_documents(capsys.readouterr().out)] == ["staging"]


def test_usage_errors_name_what_is_there(project, capsys, tmp_path_factory):
    root = project(PROJECT)
    assert run_show_config(root, "tset", None, "yaml") == 2
    assert capsys.readouterr().err.endswith("cilint: error: no job `tset`; did you mean `test`?\n")
    assert run_show_config(root, None, 3, "yaml") == 2
    assert "the pipelines here have at most 1 variant\n" in capsys.readouterr().err
    assert run_show_config(root / "missing", None, None, "yaml") == 2
    assert "no such file or directory" in capsys.readouterr().err
    empty = tmp_path_factory.mktemp("empty")
    assert run_show_config(empty, None, None, "yaml") == 2
    assert "no GitLab CI pipeline" in capsys.readouterr().err


def test_what_the_configuration_lacks_goes_to_stderr(project, capsys):
    root = project({".gitlab-ci.yml": "include:\n  - local: ci/missing.yml\njob:\n  script: x\n"})
    assert run_show_config(root, None, None, "yaml") == 0
    captured = capsys.readouterr()
    assert "# incomplete: some includes could not be read (listed on stderr)" in captured.out
    assert re.search(r"^cilint: \w+: \.gitlab-ci\.yml:2: .*ci/missing\.yml.*\[CIL002\]$", captured.err, re.M)


def test_the_command_line(project):
    root = project(PROJECT)
    proc = subprocess.run([sys.executable, "-m", "cilint", "show-config", "--job", "test", "--format", "yaml"],
                          cwd=root, capture_output=True, text=True, timeout=60, env={"GITLAB_TOKEN": "glpat-abcdefgh12345678"})
    assert proc.returncode == 0, proc.stderr
    assert set(_yaml_documents(proc.stdout)[0]) == {"stages", "variables", "test: [3.12]", "test: [3.13]"}


def test_a_secret_from_the_environment_is_masked(project, monkeypatch):
    root = project({".gitlab-ci.yml": "job:\n  script: echo s3cr3t-value-xyz\n"})
    monkeypatch.setenv("DEPLOY_TOKEN", "s3cr3t-value-xyz")
    text = yaml_text(resolved(root))
    assert "s3cr3t" not in text and "echo ***" in text


def test_every_corpus_pipeline_reads_back_as_its_model():
    """On every corpus project: the printed YAML parses, and every job's scripts, image and variables
    read back as the model has them (secrets masked aside)."""
    masked = Redactor.from_environment(os.environ)
    for source in sorted(p for p in CORPUS.iterdir() if p.is_dir()):
        try:
            shown = resolved(source)
        except Exception as exc:  # noqa: BLE001 - a project without pipelines is a usage error
            assert "no GitLab CI pipeline" in str(exc), source
            continue
        documents = _yaml_documents(yaml_text(shown))
        assert len(documents) == len(shown)
        by_path = {}
        for doc, item in zip(documents, shown):
            by_path.setdefault(item.path, []).append(doc)
        models = {p.path: p for p in load_project(source, None, ProjectConfig(), []).pipelines}
        for path, docs in by_path.items():
            model = models[path]
            for doc, variant in zip(docs, [model, *model.alternatives]):
                for name, job in pipeline_view(variant).items():
                    assert doc[name].get("script", []) == [masked.text(line) for line in job["script"]], (source.name, name)
                    expected = {k: masked.value(k, v) if v is not None else None for k, v in job["variables"].items()}
                    assert doc[name].get("variables", {}) == expected, (source.name, name)


# -- the YAML scalars ---------------------------------------------------------------------------

_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
_VALUES = st.one_of(st.none(), st.booleans(), st.integers(), _TEXT,
                    st.sampled_from(["true", "on", "1.10", "0x1f", "~", "- x", "a: b", "x #y", "'", '"', "|", "\n",
                                     " lead", "trail ", "a\n\n", "a\n b\n", "\tx\n", "<<", "2001-12-14", "=",
                                     "a\r\nb", "\x85", "\u2028", "\ufeff", "*a", "&a", "!x", "%x", "@x", "`x"]))


@settings(max_examples=400, deadline=None)
@given(key=_VALUES, value=_VALUES, items=st.lists(_VALUES, max_size=3))
def test_any_scalar_reads_back_as_written(key, value, items):
    """Psych's typing (cilint's reader) and YAML 1.2 (ruamel) both read back the exact values."""
    job = Shown({"k": Shown(value, "f:1"), "items": Shown([Shown(i, "f:2") for i in items], "f:2"),
                 "nested": Shown({str(key): Shown(value, None)}, None)}, "f:1")
    shown = ShownPipeline(".gitlab-ci.yml", 1, 1, None, False, Shown([], None), Shown({}, None), None,
                          Shown({"job": job}, None))
    text = yaml_text([shown])
    expected = {"k": value, "items": items, "nested": {str(key): value}}
    (document,) = _yaml_documents(text)
    assert document["job"] == expected, text
    assert YAML(typ="safe", pure=True).load(text.split("\n", 1)[1])["job"] == expected, text
    assert json.loads(json_text([shown]))["pipelines"][0]["jobs"]["job"]["config"] == expected


def test_closest_name_for_a_typo():
    assert closest("tsets", ["tests", "lint"]) == "tests"
    assert closest("scirpt", ["script", "stage"]) == "script"
    assert closest("deploy", ["build", "test"]) is None
    assert edit_distance("kitten", "sitting") == 3 and edit_distance("ab", "ba") == 1
