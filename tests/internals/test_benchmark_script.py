"""The benchmark script still runs (tiny inputs, no peers). CI times nothing: it only checks the table."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO


def test_benchmark_quick_run(tmp_path):
    out = tmp_path / "BENCHMARKS.md"
    proc = subprocess.run([sys.executable, str(REPO / "benchmarks" / "run.py"), "--quick", "--output", str(out)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    text = out.read_text()
    for heading in ("parse floor", "cold start", "--format codequality", "generated jobs"):
        assert heading in text
    assert "Python 3." in text and "cores" in text
