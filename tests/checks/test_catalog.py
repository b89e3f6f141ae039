"""The rule catalog: every file is well formed, every check has a rule, every example is a test."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from cilint.catalog import load_catalog
from cilint.checks import ALL_CHECKS
from cilint.engine import run
from cilint.findings import Applicability, Confidence
from cilint.fixes.apply import applicable, splice
from cilint.input_rules import INPUT_RULES
from cilint.report.common import placed
from cilint.results import Options

CATALOG = load_catalog()
# Rules whose findings come from reading files (cilint.input_rules), not from a registered check.
ENGINE_RULES = INPUT_RULES


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


_RANK = {"none": 0, "display-only": 1, "unsafe": 2, "safe": 3}


def _write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(textwrap.dedent(text).encode("utf-8"))


@pytest.mark.parametrize(("rule_id", "name", "example"), EXAMPLES)
def test_example(tmp_path: Path, rule_id: str, name: str, example: dict):
    _write(tmp_path, example["files"])
    result = run(Options(paths=(tmp_path,), confidence=Confidence.LOW))
    mine = [p for p in placed(result.projects) if p.finding.rule_id == rule_id]
    expected = list(example.get("findings") or [])
    got = [{"path": p.finding.path, "line": p.start.line, "column": p.start.column,
            "severity": p.finding.severity.name.lower(), "confidence": p.finding.confidence.label} for p in mine]
    # an example names the severity (and confidence) only where it differs from the rule's (high)
    assert all(e.get("confidence", "high") == g["confidence"] for g, e in zip(got, expected)), got
    assert [{k: g[k] for k in e} for g, e in zip(got, expected)] == expected and len(got) == len(expected)
    declared = CATALOG[rule_id]
    for p in mine:
        assert p.finding.severity <= declared.severity
        if p.finding.fix is not None:  # never more than the rule declares
            assert _RANK[p.finding.fix.applicability.value] <= _RANK[declared.fix], p.finding.fix
    fixes = [p.finding.fix for p in mine if applicable(p.finding.fix, unsafe=True)]
    expected = example.get("fixed")
    if not expected:
        assert fixes == [], "an example without `fixed` must be left untouched by --fix"
        return
    texts = {rel: (tmp_path / rel).read_text(encoding="utf-8") for rel in example["files"]}
    produced = splice(texts, fixes)
    assert produced == {rel: textwrap.dedent(text) for rel, text in expected.items()}
    for rel, text in produced.items():
        (tmp_path / rel).write_text(text, encoding="utf-8")
    again = run(Options(paths=(tmp_path,), confidence=Confidence.LOW))
    assert [p for p in placed(again.projects) if p.finding.rule_id == rule_id] == []
    assert not [p for p in placed(again.projects) if p.finding.rule_id == "CIL001"], "the fix must re-parse"
    # Every rule, not only this one: a fix makes no other rule fire, and removes another rule's
    # finding only where the example says the fix also fixes it (`also_fixes`).
    before = {(f.rule_id, f.route) for project in result.projects for f in project.findings}
    after = {(f.rule_id, f.route) for project in again.projects for f in project.findings}
    assert after - before == set(), f"the fix makes other rules fire: {sorted(after - before)}"
    gone = {rule for rule, _ in before - after if rule != rule_id}
    assert gone <= set(example.get("also_fixes") or ()), f"the fix silences {sorted(gone)} without saying so"


def test_references_are_public_urls():
    """Users have the rule pages and the web, never this repository's working notes."""
    for meta in CATALOG.values():
        assert meta.references, meta.id
        assert all(ref.startswith("https://") for ref in meta.references), (meta.id, meta.references)


def test_safe_rules_have_a_fixed_example():
    for meta in CATALOG.values():
        if meta.fix in ("safe", "unsafe"):
            assert any(ex.get("fixed") for ex in meta.examples.values()), meta.id
    assert Applicability.SAFE.value in _RANK


def test_rule_files_read_as_ruamel_reads_them():
    """cilint reads its catalog with its own YAML layer (YAML 1.1 typing, as GitLab); the rule files
    give the same data as ruamel's safe loader, so nothing in them depends on the YAML version."""
    from importlib import resources

    from ruamel.yaml import YAML

    from cilint.catalog import read_rule_file

    loader = YAML(typ="safe", pure=False)
    entries = [e for e in resources.files("cilint._rules").iterdir() if e.name.endswith(".yml")]
    assert len(entries) == len(CATALOG)
    for entry in entries:
        text = entry.read_text(encoding="utf-8")
        assert read_rule_file(entry.name, text) == loader.load(text), entry.name


def test_a_broken_rule_file_is_reported_with_its_line():
    from cilint.catalog import CatalogError, read_rule_file

    with pytest.raises(CatalogError, match=r"^X\.yml:3:1: did not find expected"):
        read_rule_file("X.yml", "id: X\nname: [unclosed\n")


def test_one_rule_read_alone_is_its_catalog_entry():
    from cilint.catalog import rule_meta

    for rule_id, meta in CATALOG.items():
        assert vars_of(rule_meta(rule_id)) == vars_of(meta), rule_id
    assert rule_meta("XYZ999") is None and rule_meta("../x") is None


def vars_of(meta):
    return {name: getattr(meta, name) for name in meta.__slots__}
