"""Issue 23, one editor for real: Neovim headless (Debian's 0.7) starts `cilint server` with its built-in
LSP client (`vim.lsp.start_client`), opens the seed pipeline and lists cilint's diagnostics. The suite
installs Neovim with apt-get where it is missing, as it installs the other tools it drives."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.support.gcl import ensure_debian_package

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "tests" / "editors" / "nvim_diagnostics.lua"


def test_neovim_lists_the_diagnostics_of_the_seed_pipeline():
    nvim = ensure_debian_package("nvim", "neovim")
    done = subprocess.run(
        [nvim, "--headless", "-u", "NONE", "-c", f"luafile {SCRIPT}"], capture_output=True, text=True, timeout=120,
        env={**os.environ, "CILINT_PYTHON": sys.executable, "CILINT_FILE": str(REPO / "examples" / "seed" / ".gitlab-ci.yml")})
    lines = done.stdout.splitlines()
    assert done.returncode == 0, (done.stdout, done.stderr)
    assert any(line.startswith("DNS001 33:15 `kubernetes.docker.internal`") for line in lines), lines
    assert any(line.startswith("DNS004 33:7") for line in lines), lines
