"""The rule catalog: every file is well formed, every check has a rule, every example is a test."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from cilint.catalog import load_catalog
from cilint.checks import ALL_CHECKS
from cilint.engine import Options, run
from cilint.report.common import placed

CATALOG = load_catalog()
# Rules whose findings come from reading files (the engine), not from a registered check.
ENGINE_RULES = {"CIL001", "CIL002", "CIL003", "CIL004", "CIL005"}


def test_catalog_matches_registered_checks():
    registered = {check.rule_id for check in ALL_CHECKS}
    assert registered | ENGINE_RULES == set(CATALOG)
    assert len(registered) == len(ALL_CHECKS)  # one check per rule


def test_names_are_unique_kebab_case():
    names = [meta.name for meta in CATALOG.values()]
    assert len(set(names)) == len(names)
    assert all(name == name.lower() and " " not in name for name in names)


def test_every_rule_has_a_bad_and_a_good_example():
    for meta in CATALOG.values():
        outcomes = [bool(ex.get("findings")) for ex in meta.examples.values()]
        assert True in outcomes and False in outcomes, meta.id


EXAMPLES = [
    pytest.param(meta.id, name, example, id=f"{meta.id}-{name}")
    for meta in CATALOG.values()
    for name, example in meta.examples.items()
]


@pytest.mark.parametrize(("rule_id", "name", "example"), EXAMPLES)
def test_example(tmp_path: Path, rule_id: str, name: str, example: dict):
    for rel, text in example["files"].items():
        target = tmp_path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text), encoding="utf-8")
    result = run(Options(paths=(tmp_path,)))
    got = [
        {"path": p.finding.path, "line": p.start.line, "column": p.start.column}
        for p in placed(result.projects)
        if p.finding.rule_id == rule_id
    ]
    assert got == list(example.get("findings") or [])
    for p in placed(result.projects):
        if p.finding.rule_id == rule_id:
            assert p.finding.severity <= CATALOG[rule_id].severity
