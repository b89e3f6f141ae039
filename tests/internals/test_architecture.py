"""The layer contract in pyproject.toml ([tool.importlinter]) holds: no module imports a layer above
its own. An upward import fails here with the chain that breaks the contract."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO


def test_layers_import_downward_only():
    lint_imports = Path(sys.executable).parent / "lint-imports"
    proc = subprocess.run([str(lint_imports), "--no-cache"], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "1 kept, 0 broken" in proc.stdout and "ignored import" not in proc.stdout


def test_an_upward_import_breaks_the_contract(tmp_path):
    """The contract is not vacuous: a copy of the package in which the syntax layer imports the engine fails."""
    import shutil

    shutil.copytree(REPO / "cilint", tmp_path / "cilint", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    yaml_layer = tmp_path / "cilint" / "syntax" / "yaml.py"
    yaml_layer.write_text(yaml_layer.read_text() + "\n\ndef _upward():\n    import cilint.engine  # noqa\n")
    lint_imports = Path(sys.executable).parent / "lint-imports"
    env = {"PYTHONPATH": str(tmp_path), "PATH": str(Path(sys.executable).parent)}
    proc = subprocess.run([str(lint_imports), "--no-cache"], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          env=env)
    assert proc.returncode == 1 and "cilint.syntax.yaml -> cilint.engine" in proc.stdout, proc.stdout[-3000:]


def test_every_package_is_installed():
    """pyproject.toml lists the packages a wheel holds; a new layer missing there imports in a
    checkout and fails once installed."""
    import tomllib

    listed = set(tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(REPO).parts) for p in (REPO / "cilint").rglob("__init__.py")}
    assert found <= listed, sorted(found - listed)


def test_no_import_cycle_between_modules():
    """Beyond the layers: no two modules of cilint import each other, directly or through others
    (type-checking imports included)."""
    import grimp

    graph = grimp.build_graph("cilint", cache_dir=None)
    cycles = []
    for module in sorted(graph.modules):
        for imported in graph.find_modules_directly_imported_by(module):
            back = graph.find_shortest_chain(importer=imported, imported=module)
            if imported != module and back is not None:
                cycles.append(" -> ".join((module, *back)))
    assert cycles == []


def _check_modules() -> dict[str, Path]:
    return {p.stem: p for p in (REPO / "cilint" / "checks").glob("*.py") if p.stem not in ("__init__", "base")}


def test_one_check_module_per_rule_named_by_id_and_name():
    from cilint.catalog import load_catalog
    from cilint.checks import ALL_CHECKS

    catalog = load_catalog()
    named = {}
    for check in ALL_CHECKS:
        module = type(check).__module__.rsplit(".", 1)[-1]
        rule = catalog[check.rule_id]
        assert module == f"{check.rule_id.lower()}_{rule.name.replace('-', '_')}", (check.rule_id, module)
        named[module] = check.rule_id
    assert sorted(named) == sorted(_check_modules())  # every check module is registered, once
    ids = [check.rule_id for check in ALL_CHECKS]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)


def test_checks_import_no_other_check_and_build_no_edits():
    """What rules share lives in cilint.facts; fixes are built by cilint.edits; file text comes
    through the context."""
    import ast

    problems = []
    for name, path in _check_modules().items():
        text = path.read_text()
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("cilint.checks."):
                if node.module != "cilint.checks.base":
                    problems.append(f"{name} imports {node.module}")
        for forbidden in ("workspace.source(", "memo", "Edit(", "source.text["):
            if forbidden in text:
                problems.append(f"{name} uses {forbidden}")
    assert problems == []


def test_size_limits():
    """Check modules stay under 200 lines; no function in cilint reaches 60 lines."""
    import ast

    long_modules = [p.name for p in _check_modules().values() if len(p.read_text().splitlines()) >= 200]
    long_functions = []
    for path in (REPO / "cilint").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno - node.lineno + 1 >= 60:
                long_functions.append(f"{path.relative_to(REPO)}:{node.lineno} {node.name}")
    assert long_modules == [] and sorted(long_functions) == []
