"""Reports: Code Quality validated against the project's schema; stable, unique fingerprints."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import jsonschema

from cilint.engine import run
from cilint.findings import Confidence
from cilint.results import Options
from cilint.report import codequality, json_report, sarif
from tests.conftest import CORPUS, REPO

SCHEMA = json.loads(resources.files("cilint.schemas").joinpath("codequality.json").read_text())


def validate(report: str) -> list[dict]:
    assert not report.startswith("\ufeff")
    data = json.loads(report)
    jsonschema.Draft7Validator(SCHEMA).validate(data)
    assert len({e["fingerprint"] for e in data}) == len(data)
    return data


def test_seed_example_codequality_is_valid_and_explains_the_fix():
    data = validate(codequality.render(run(Options(paths=(REPO / "examples" / "seed",))).projects))
    assert {e["check_name"] for e in data} == {"DNS001", "DNS004"}  # NET002 and NET007: low confidence, hidden
    everything = validate(codequality.render(run(Options(paths=(REPO / "examples" / "seed",),
                                                         confidence=Confidence.LOW)).projects))
    reminders = [e for e in everything if e["check_name"] in ("NET002", "NET007")]
    assert len(reminders) == 2 and all(e["severity"] == "info" and e["description"].endswith("(low confidence)")
                                       for e in reminders)
    probe = next(e for e in data if e["check_name"] == "DNS004")
    assert "```diff" in probe["content"]["body"] and "-    - curl -k https://kubernetes.docker.internal:6443" in probe["content"]["body"]
    assert probe["other_locations"][0]["lines"]["begin"] == 38


def test_whole_corpus_codequality_is_valid():
    projects = tuple(sorted(p for p in CORPUS.iterdir() if p.is_dir()))
    result = run(Options(paths=projects))
    for project in result.projects:
        validate(codequality.render([project]))


def fingerprints(root: Path) -> dict[tuple[str, str], str]:
    data = json.loads(codequality.render(run(Options(paths=(root,), confidence=Confidence.LOW)).projects))
    return {(e["check_name"], e["description"]): e["fingerprint"] for e in data}


PIPELINE = """\
build:
  services:
    - name: docker:dind
      command: ["--dns=8.8.8.8"]
  script:
    - docker build .
deploy:
  before_script:
    - curl -k https://kubernetes.docker.internal:6443
  script:
    - kubectl config use-context group/project:agent
"""


def test_fingerprints_survive_moved_lines_and_reordered_jobs(tmp_path):
    (tmp_path / ".gitlab-ci.yml").write_text(PIPELINE)
    before = fingerprints(tmp_path)
    assert len(before) == 5
    build, deploy = PIPELINE.split("deploy:\n")
    (tmp_path / ".gitlab-ci.yml").write_text("# a comment\nstages: [test]\n\n" + "deploy:\n" + deploy + build)
    assert fingerprints(tmp_path) == before


def test_json_report_shape(tmp_path):
    (tmp_path / ".gitlab-ci.yml").write_text(PIPELINE)
    data = json.loads(json_report.render(run(Options(paths=(tmp_path,))).projects))
    assert data["version"] == 1 and data["tool"]["name"] == "cilint"
    first = data["findings"][0]
    assert set(first) == {"rule", "path", "start", "end", "severity", "confidence", "message", "why", "remedy",
                          "docs", "fingerprint", "related", "fix"}
    assert first["why"] and first["remedy"] and first["docs"] == f"https://cilint.gitlab.io/cilint/rules/{first['rule']}/"
    everything = json.loads(json_report.render(run(Options(paths=(tmp_path,), confidence=Confidence.LOW)).projects))
    assert len(everything["findings"]) == len(data["findings"]) + data["hidden"] and everything["hidden"] == 0
    assert first["start"]["line"] >= 1 and first["start"]["column"] >= 1


SARIF_SCHEMA = json.loads((REPO / "tests" / "data" / "sarif-schema-2.1.0.json").read_text())


def test_sarif_validates_against_the_official_schema(tmp_path):
    (tmp_path / ".gitlab-ci.yml").write_text(PIPELINE)
    data = json.loads(sarif.render(run(Options(paths=(tmp_path,))).projects))
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(data)
    assert data["runs"][0]["results"]
    seed = json.loads(sarif.render(run(Options(paths=(REPO / "examples" / "seed",))).projects))
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(seed)
    assert data["version"] == "2.1.0"
    rules = [r["id"] for r in data["runs"][0]["tool"]["driver"]["rules"]]
    for result in data["runs"][0]["results"]:
        assert rules[result["ruleIndex"]] == result["ruleId"]
        region = result["locations"][0]["physicalLocation"]["region"]
        assert region["startLine"] >= 1 and region["startColumn"] >= 1


def test_fingerprints_survive_a_different_include_structure(tmp_path):
    (tmp_path / "ci").mkdir()
    (tmp_path / "ci" / "deploy.yml").write_text(PIPELINE)
    (tmp_path / ".gitlab-ci.yml").write_text("include: ci/deploy.yml\n")
    before = fingerprints(tmp_path)
    (tmp_path / "ci" / "all.yml").write_text("include:\n  - local: ci/deploy.yml\n")
    (tmp_path / ".gitlab-ci.yml").write_text("stages: [build, test]\ninclude:\n  - local: ci/all.yml\n")
    assert fingerprints(tmp_path) == before and len(before) == 5


GOLDEN = REPO / "tests" / "golden"


def test_golden_reports(tmp_path):
    """Every format on the bundled seed example and a runner scenario (CILINT_UPDATE_GOLDEN=1 rewrites)."""
    import os

    scenarios = {"seed": REPO / "examples" / "seed", "runner": REPO / "tests" / "fixtures" / "seeds"}
    renderers = {"json": json_report.render, "codequality": codequality.render, "sarif": sarif.render}
    from cilint.report import text

    renderers["txt"] = lambda projects: text.render(projects, colour=False)
    for name, root in scenarios.items():
        projects = run(Options(paths=(root,))).projects
        for fmt, render in renderers.items():
            produced = render(projects)
            golden = GOLDEN / f"{name}.{fmt}"
            if os.environ.get("CILINT_UPDATE_GOLDEN"):
                golden.parent.mkdir(exist_ok=True)
                golden.write_text(produced, encoding="utf-8")
            assert produced == golden.read_text(encoding="utf-8"), golden
            if fmt == "codequality":
                validate(produced)
            if fmt == "sarif":
                jsonschema.Draft4Validator(SARIF_SCHEMA).validate(json.loads(produced))
