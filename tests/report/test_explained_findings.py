"""Issue 19 point 16: a finding says in one line what is wrong, then why and how to fix it, in every
format, and links its rule's page (the `docs-url` setting, with a default)."""

from __future__ import annotations

import dataclasses
import json
import re
import textwrap
from pathlib import Path

import pytest

from cilint.catalog import load_catalog
from cilint.engine import run
from cilint.findings import Confidence
from cilint.mr_comments import comments
from cilint.report import codequality, json_report, sarif, text
from cilint.results import DOCS_URL, Options
from tests.checks.test_catalog import EXAMPLES, _write

PIPELINE = """\
build:
  image: docker:27.3.1
  services:
    - name: docker:27.3.1-dind
  variables:
    DOCKER_HOST: tcp://docker:2375
  script:
    - docker info
"""


def _project(tmp_path: Path, settings: str | None = None) -> Path:
    (tmp_path / ".gitlab-ci.yml").write_text(PIPELINE)
    if settings is not None:
        (tmp_path / ".cilint.toml").write_text(settings)
    return tmp_path


def _net001(tmp_path: Path, settings: str | None = None):
    result = run(Options(paths=(_project(tmp_path, settings),), select=("NET001", "CIL")))
    return result, next(f for f in result.findings if f.rule_id == "NET001")


def _visible_length(statement: str) -> int:
    """A statement's length with each quoted name counted as at most 30 characters: job and image
    names are the user's, and as long as the user made them."""
    return len(re.sub(r"`([^`]*)`", lambda m: "`" + m.group(1)[:28] + "`", statement))


@pytest.mark.parametrize(("rule_id", "name", "example"), [e for e in EXAMPLES if e.values[0][:3] in ("DNS", "NET")])
def test_every_finding_of_the_catalog_is_a_short_statement_with_why_and_fix(tmp_path, rule_id, name, example):
    _write(tmp_path, example["files"])
    for finding in run(Options(paths=(tmp_path,), confidence=Confidence.LOW)).findings:
        if finding.rule_id[:3] not in ("DNS", "NET"):
            continue
        assert "\n" not in finding.message and _visible_length(finding.message) <= 120, finding.message
        assert finding.why and finding.remedy, finding
        assert not finding.message.endswith((".", ";")) and not finding.remedy.endswith(".")


def test_text_report_puts_why_fix_and_the_rules_page_under_the_excerpt(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # text paths are relative to the working directory
    result, finding = _net001(tmp_path)
    shown = text.render(result.projects)
    lines = shown.splitlines()
    head = next(i for i, line in enumerate(lines) if " NET001 " in line)
    assert lines[head].endswith(finding.message)
    assert lines[head + 3] == f"  why: {finding.why}"
    assert lines[head + 4] == f"  fix: {finding.remedy}"
    assert lines[head + 5].startswith("  note: .gitlab-ci.yml:4:13: the dind service")
    assert lines[head + 6].startswith("  autofix (unsafe): ")
    assert lines[head + 7] == "  docs: https://cilint.gitlab.io/cilint/rules/NET001/"


def test_json_sarif_and_code_quality_carry_the_same_parts(tmp_path):
    result, finding = _net001(tmp_path)
    (entry,) = [f for f in json.loads(json_report.render(result.projects))["findings"] if f["rule"] == "NET001"]
    assert (entry["message"], entry["why"], entry["remedy"]) == (finding.message, finding.why, finding.remedy)
    assert entry["docs"] == DOCS_URL.format(id="NET001")

    document = json.loads(sarif.render(result.projects))
    (item,) = [r for r in document["runs"][0]["results"] if r["ruleId"] == "NET001"]
    assert item["message"]["text"] == finding.message
    assert item["properties"]["why"] == finding.why and item["properties"]["remedy"] == finding.remedy
    markdown = item["message"]["markdown"]
    assert "**Why:** " in markdown and "**Fix:** " in markdown and f"({DOCS_URL.format(id='NET001')})" in markdown
    assert "`DOCKER_HOST`" in markdown  # names in code spans are not escaped
    rules = document["runs"][0]["tool"]["driver"]["rules"]
    assert next(r for r in rules if r["id"] == "NET001")["helpUri"] == DOCS_URL.format(id="NET001")

    (quality,) = [e for e in json.loads(codequality.render(result.projects)) if e["check_name"] == "NET001"]
    assert quality["description"].startswith(f"NET001: {finding.message}")
    body = quality["content"]["body"]
    assert f"**Why:** {finding.why}" in body and f"**Fix:** {finding.remedy}" in body
    assert f"Documentation: {DOCS_URL.format(id='NET001')}" in body


def test_merge_request_comments_explain_and_link(tmp_path):
    result, finding = _net001(tmp_path)
    (comment,) = [c for c in comments(result.projects, {".gitlab-ci.yml": set(range(1, 20))}, unsafe=False)
                  if "NET001" in c.body]
    assert f"**Why:** {finding.why}" in comment.body and f"**Fix:** {finding.remedy}" in comment.body
    assert f"[NET001 documentation]({DOCS_URL.format(id='NET001')})" in comment.body


def test_docs_url_setting_names_the_pages_or_turns_links_off(tmp_path):
    (tmp_path / "a").mkdir()
    result, _ = _net001(tmp_path / "a", 'docs-url = "https://lint.example.com/{name}.html"')
    assert "  docs: https://lint.example.com/dind-tls-port-mismatch.html" in text.render(result.projects)
    (tmp_path / "b").mkdir()
    result, _ = _net001(tmp_path / "b", 'docs-url = ""')
    assert "docs:" not in text.render(result.projects)
    assert all(f["docs"] is None for f in json.loads(json_report.render(result.projects))["findings"])


@pytest.mark.parametrize("written", ['docs-url = "ftp://x/{id}"', 'docs-url = "https://x/{rule}"', "docs-url = 3"])
def test_a_wrong_docs_url_is_a_settings_finding_and_the_default_is_kept(tmp_path, written):
    result, _ = _net001(tmp_path, written)
    (problem,) = [f for f in result.findings if f.rule_id == "CIL004"]
    assert "docs-url" in problem.message and problem.location.path == ".cilint.toml"
    assert f"  docs: {DOCS_URL.format(id='NET001')}" in text.render(result.projects)


def test_every_catalog_rule_has_a_page_name_for_the_template():
    for meta in load_catalog().values():
        assert re.fullmatch(r"[a-z0-9-]+", meta.name), meta.id


def test_a_secret_in_why_or_fix_is_masked_in_every_format(tmp_path, monkeypatch):
    """The why and fix lines quote values from the files: they go through the same masking."""
    secret = "s3cr3tvalue0123456789abcdef"
    monkeypatch.setenv("CI_JOB_TOKEN", secret)
    result, finding = _net001(tmp_path)
    said = dataclasses.replace(finding, why=f"the host is {secret}", remedy=f"use tcp://{secret}:2376")
    project = result.projects[0]
    project.findings = [said]
    for render in (text.render, json_report.render, sarif.render, codequality.render):
        shown = render([project])
        assert secret not in shown and "the host is" in shown, render
    (comment,) = comments([project], {".gitlab-ci.yml": set(range(1, 20))}, unsafe=False)
    assert secret not in comment.body


def test_the_readme_shows_what_cilint_prints(tmp_path, monkeypatch):
    """The README's example of the text report is the real output for its pipeline."""
    (tmp_path / ".gitlab-ci.yml").write_text(PIPELINE.replace(
        "  variables:\n", '  variables:\n    DOCKER_TLS_CERTDIR: "/certs"\n'))
    monkeypatch.chdir(tmp_path)
    shown = text.render(run(Options(paths=(tmp_path,))).projects)
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    block = readme.split("```text\n", 1)[1].split("  ```", 1)[0]
    example = textwrap.dedent(block).splitlines()
    assert example and shown.splitlines()[: len(example)] == example
