"""`--fix` converges: run twice, the second run changes nothing and fixes nothing, on every catalog
example and on the whole corpus. No fix is dropped as broken (unparsable) or idle (changing nothing),
and every fix removes its own finding."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from cilint.catalog import load_catalog
from cilint.engine import run
from cilint.results import Options
from cilint.fixes import loop
from cilint.fixes.apply import applicable
from tests.conftest import CORPUS

EXAMPLES = [
    pytest.param(meta.id, name, example, id=f"{meta.id}-{name}")
    for meta in load_catalog().values()
    for name, example in meta.examples.items()
]


def fix_twice(paths: tuple[Path, ...]) -> tuple[loop.FixOutcome, loop.FixOutcome]:
    options = Options(paths=paths)
    first = loop.fix(options, unsafe=True)
    assert first.broken == [] and first.idle == [], (first.broken, first.idle)
    assert all(w.written for w in loop.write(first, options))
    second = loop.fix(options, unsafe=True)
    assert second.broken == [] and second.idle == []
    assert second.changed == {} and second.applied == 0, (
        sorted(str(p) for p in second.changed), second.applied)
    return first, second


def fixable(result) -> list:  # type: ignore[no-untyped-def]
    return [f for f in result.findings if applicable(f.fix, unsafe=True)]


@pytest.mark.parametrize(("rule_id", "name", "example"), EXAMPLES)
def test_fix_twice_on_catalog_example(tmp_path: Path, rule_id: str, name: str, example: dict):
    for rel, text in example["files"].items():
        target = tmp_path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(textwrap.dedent(text).encode("utf-8"))
    before = run(Options(paths=(tmp_path,)))
    first, _ = fix_twice((tmp_path,))
    assert (first.applied > 0) is bool(fixable(before))
    assert fixable(first.result) == []  # every applied fix took its finding with it


@pytest.mark.slow
def test_fix_twice_on_the_corpus(tmp_path: Path):
    root = tmp_path / "corpus"
    shutil.copytree(CORPUS, root, symlinks=True)
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink():
            path.chmod(path.stat().st_mode | 0o200)
    projects = tuple(sorted(p for p in root.iterdir() if p.is_dir()))
    first, second = fix_twice(projects)
    assert first.applied > 0
    assert fixable(second.result) == [], [(f.rule_id, f.path) for f in fixable(second.result)]


def test_a_fix_that_changes_nothing_is_dropped_and_not_counted(tmp_path: Path, monkeypatch):
    """The loop's own guard: an idle fix (it writes back what is there) never counts as a fix."""
    from cilint.checks import ALL_CHECKS
    from cilint.findings import Applicability, Edit, Finding, Fix, Location, Severity, Span

    (tmp_path / ".gitlab-ci.yml").write_text("job:\n  script: echo hi\n")

    class Idle:
        rule_id = "DNS001"

        def run(self, ctx):  # type: ignore[no-untyped-def]
            edit = Edit(".gitlab-ci.yml", Span(0, 3), "job")
            yield Finding("DNS001", "idle", Location(".gitlab-ci.yml", Span(0, 3)), Severity.MAJOR,
                          Fix("do nothing", (edit,), Applicability.SAFE))

    monkeypatch.setattr("cilint.engine.ALL_CHECKS", (Idle(), *ALL_CHECKS))
    outcome = loop.fix(Options(paths=(tmp_path,)), unsafe=False)
    assert outcome.applied == 0 and outcome.changed == {} and outcome.idle == ["do nothing"]


def test_fixes_that_undo_each_other_are_not_applied(tmp_path: Path, monkeypatch):
    """The loop's guard: a rule whose fix flips a value back and forth ends with nothing applied."""
    from cilint.checks import ALL_CHECKS
    from cilint.findings import Applicability, Edit, Finding, Fix, Location, Severity, Span

    (tmp_path / ".gitlab-ci.yml").write_text("job:\n  script: echo on\n")

    class Flip:
        rule_id = "DNS001"

        def run(self, ctx):  # type: ignore[no-untyped-def]
            text = ctx.project.workspace.source(".gitlab-ci.yml").text
            at = text.index("echo ") + 5
            word = "off" if text[at:at + 2] == "on" else "on"
            edit = Edit(".gitlab-ci.yml", Span(at, at + len("on" if word == "off" else "off")), word)
            yield Finding("DNS001", "flip", Location(".gitlab-ci.yml", Span(at, at)), Severity.MAJOR,
                          Fix(f"say {word}", (edit,), Applicability.SAFE))

    monkeypatch.setattr("cilint.engine.ALL_CHECKS", (Flip(), *ALL_CHECKS))
    outcome = loop.fix(Options(paths=(tmp_path,)), unsafe=False)
    assert outcome.applied == 0 and outcome.changed == {}
    assert outcome.cycling == ["say off", "say on"]


def test_no_fix_appended_to_a_probe_whose_line_is_not_valid_shell(tmp_path: Path):
    """Found by tests/fuzz: a probe line with an unbalanced quote swallowed DNS004's ` || true` into the
    string, so the finding stayed and every --fix appended another one. No fix is offered there."""
    (tmp_path / ".gitlab-ci.yml").write_text(
        'deploy:\n  before_script:\n    - "curl -sf https://kubernetes.default:6443/healthz\\"0"\n'
        '  script:\n    - "kubectl config use-context group/project:agent"\n', encoding="utf-8")
    findings = [f for f in run(Options(paths=(tmp_path,))).findings if f.rule_id == "DNS004"]
    assert len(findings) == 1 and findings[0].fix is None
    fix_twice((tmp_path,))
