"""cilint's own DNS fixes must not create resolver problems: applying the fixes of DNS003 and DNS006 to
their bad catalog examples gives no DNS008-DNS011 finding. (DNS002's change to the runner's pod DNS is
only shown: it would be every job's resolver. tests/checks/test_catalog.py runs every rule on every
fixed example.)"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from cilint.catalog import load_catalog
from cilint.engine import run
from cilint.results import Options
from cilint.report.common import placed

CATALOG = load_catalog()
FIXED = [
    pytest.param(rule, name, example, id=f"{rule}-{name}")
    for rule in ("DNS003", "DNS006")
    for name, example in CATALOG[rule].examples.items()
    if example.get("fixed")
]
RESOLVER_RULES = ("DNS008", "DNS009", "DNS010", "DNS011")


def test_there_are_fixed_examples_for_each_rule():
    assert {p.values[0] for p in FIXED} == {"DNS003", "DNS006"}


@pytest.mark.parametrize(("rule", "name", "example"), FIXED)
def test_fixed_example_has_no_resolver_finding(tmp_path: Path, rule: str, name: str, example: dict):
    files = {**example["files"], **example["fixed"]}
    for rel, text in files.items():
        target = tmp_path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text), encoding="utf-8")
    found = [p for p in placed(run(Options(paths=(tmp_path,), select=RESOLVER_RULES)).projects)]
    assert [(p.finding.rule_id, p.finding.message) for p in found] == []


def _write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text), encoding="utf-8")


def test_dns006_withholds_a_respelling_that_would_lose_cluster_names(tmp_path: Path):
    from cilint.fixes.apply import splice

    example = CATALOG["DNS006"].examples["respelled_policy_would_lose_cluster_names"]
    _write(tmp_path, example["files"])
    (finding,) = [p.finding for p in placed(run(Options(paths=(tmp_path,), select=("DNS006",))).projects)]
    assert finding.fix is not None and finding.fix.applicability.value == "display-only"
    texts = {rel: (tmp_path / rel).read_text(encoding="utf-8") for rel in example["files"]}
    _write(tmp_path, splice(texts, [finding.fix]))  # what applying it anyway would do
    after = {p.finding.rule_id for p in placed(run(Options(paths=(tmp_path,), select=RESOLVER_RULES)).projects)}
    assert "DNS011" in after


@pytest.mark.parametrize("name", ["mixed_servers_stay_advice", "cluster_gitlab_keeps_cluster_dns"])
def test_dns002_does_not_move_servers_that_would_break_resolution(tmp_path: Path, name: str):
    example = CATALOG["DNS002"].examples[name]
    _write(tmp_path, example["files"])
    (finding,) = [p.finding for p in placed(run(Options(paths=(tmp_path,), select=("DNS002",))).projects)]
    assert finding.fix is not None and finding.fix.applicability.value == "display-only"
    assert {edit.path for edit in finding.fix.edits} == {".gitlab-ci.yml"}
