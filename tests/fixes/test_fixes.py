"""--fix, --unsafe-fixes and --diff through the CLI, byte for byte, and on the whole corpus."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from cilint.catalog import load_catalog
from cilint.check_command import parse_check, run_check
from cilint.results import Options
from cilint.fixes import loop
from cilint.source import SourceFile
from cilint.syntax.yaml import parse_yaml
from tests.conftest import CORPUS

FIXED_EXAMPLES = [
    pytest.param(meta.id, name, example, id=f"{meta.id}-{name}")
    for meta in load_catalog().values()
    for name, example in meta.examples.items()
    if example.get("fixed")
]


def cilint(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cilint", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, env={**os.environ, "NO_COLOR": "1"})


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(textwrap.dedent(text).encode("utf-8"))


def check_in_process(*args: str, cwd: Path, capsys: pytest.CaptureFixture[str],
                     monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    """`cilint check ARGS` through the command's own code (parser, fix loop, writing), in-process."""
    monkeypatch.chdir(cwd)
    request = parse_check(["check", *args])
    assert request is not None
    capsys.readouterr()
    code = run_check(request)
    return code, capsys.readouterr().out


@pytest.mark.parametrize(("rule_id", "name", "example"), FIXED_EXAMPLES)
def test_fix_produces_the_catalog_result(tmp_path, rule_id, name, example, capsys, monkeypatch):
    """Each fixed example with only its rule selected: --diff shows the change and writes nothing,
    --fix writes the catalog's result, and a second --diff has nothing left to do."""
    write(tmp_path, example["files"])
    # an unused suppression is one of an enabled rule: CIL005's examples need the rules they name
    selected = "ALL" if rule_id == "CIL005" else rule_id
    code, diff = check_in_process("--diff", "--unsafe-fixes", "--select", selected, cwd=tmp_path, capsys=capsys,
                                  monkeypatch=monkeypatch)
    assert code == 1 and diff.startswith("--- a/")
    assert all((tmp_path / rel).read_text() == textwrap.dedent(t) for rel, t in example["files"].items())
    code, _ = check_in_process("--fix", "--unsafe-fixes", "--select", selected, cwd=tmp_path, capsys=capsys,
                               monkeypatch=monkeypatch)
    assert code in (0, 1)
    for rel, text in example["fixed"].items():
        assert (tmp_path / rel).read_text(encoding="utf-8") == textwrap.dedent(text)
    for rel in example["fixed"]:  # the diff printed before names every file the fix changed
        assert f"+++ b/{rel}" in diff
    code, again = check_in_process("--diff", "--unsafe-fixes", "--select", selected, cwd=tmp_path, capsys=capsys,
                                   monkeypatch=monkeypatch)
    assert code == 0 and again == ""


def test_cli_fix_end_to_end(tmp_path):
    """The same through a real `cilint` process, for one example."""
    rule_id, _, example = next(p.values for p in FIXED_EXAMPLES if p.values[0] != "CIL005")  # see above
    write(tmp_path, example["files"])
    diff = cilint("check", "--diff", "--unsafe-fixes", "--select", rule_id, cwd=tmp_path)
    assert diff.returncode == 1 and diff.stdout.startswith("--- a/")
    fixed = cilint("check", "--fix", "--unsafe-fixes", "--select", rule_id, cwd=tmp_path)
    assert fixed.returncode in (0, 1) and "Fixed " in fixed.stderr, fixed.stderr
    for rel, text in example["fixed"].items():
        assert (tmp_path / rel).read_text(encoding="utf-8") == textwrap.dedent(text)
    again = cilint("check", "--diff", "--unsafe-fixes", "--select", rule_id, cwd=tmp_path)
    assert again.returncode == 0 and again.stdout == ""


def test_unsafe_fixes_need_the_flag(tmp_path):
    meta = load_catalog()["DNS004"]
    example = next(ex for ex in meta.examples.values() if ex.get("fixed"))
    write(tmp_path, example["files"])
    assert cilint("check", "--diff", cwd=tmp_path).stdout == ""
    assert cilint("check", "--diff", "--unsafe-fixes", cwd=tmp_path).stdout != ""


def test_fix_keeps_bom_crlf_permissions_and_comments(tmp_path):
    values = tmp_path / "values.yaml"
    values.write_bytes(
        b'\xef\xbb\xbf# chart values\r\nrunners:\r\n  config: |\r\n    [[runners]]\r\n'
        b'      [runners.kubernetes]\r\n        dns_policy = "ClusterFirst"  # was copied from k8s docs\r\n'
        b'        [runners.kubernetes.dns_config]\r\n          searches = ["corp.example"]\r\n'
    )
    values.chmod(0o640)
    proc = cilint("check", "--fix", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = values.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf# chart values\r\n")
    assert b'dns_policy = "cluster-first"  # was copied from k8s docs\r\n' in data
    assert data.count(b"\r\n") == 8 and data.count(b"\n") == 8
    assert values.stat().st_mode & 0o777 == 0o640
    assert not list(tmp_path.glob(".*.cilint"))


def _comment_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip().startswith("#")]


def test_fix_round_trip_on_the_whole_corpus(tmp_path):
    root = tmp_path / "corpus"
    shutil.copytree(CORPUS, root, symlinks=True)
    projects = tuple(sorted(p for p in root.iterdir() if p.is_dir()))
    outcome = loop.fix(Options(paths=projects), unsafe=True)
    assert outcome.broken == []
    assert outcome.changed, "the corpus has fixable findings (DNS003, DNS006)"
    for path, (before, after) in outcome.changed.items():
        assert _comment_lines(before) == [c for c in _comment_lines(after) if c in _comment_lines(before)]
        assert set(_comment_lines(before)) <= set(_comment_lines(after))
        if path.suffix in (".yml", ".yaml"):
            assert parse_yaml(SourceFile(path.name, after)).problem is None
    assert all(w.written for w in loop.write(outcome, Options(paths=projects)))
    second = loop.fix(Options(paths=projects), unsafe=True)
    assert second.changed == {}
