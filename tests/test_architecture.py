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
    assert "1 kept, 0 broken" in proc.stdout


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
