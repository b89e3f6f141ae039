"""The harness that bounds cilint's memory in tests/hostile measures cilint, not the test process."""

from __future__ import annotations

from tests.hostile.measure import run_bounded


def test_peak_memory_is_the_childs_own(tmp_path):
    """A child of a large process: `ru_maxrss` would report the parent's 300 MB (exec keeps the peak
    of the forked image); the measure must not."""
    ballast = bytearray(300 * 1024 * 1024)
    for offset in range(0, len(ballast), 4096):  # touch every page: resident, as a long test run's heap
        ballast[offset] = 1
    (tmp_path / "project").mkdir()
    (tmp_path / "project" / ".gitlab-ci.yml").write_text("job:\n  script: make\n")
    measured = run_bounded(["check", "."], tmp_path / "project", seconds=30, megabytes=200)
    assert measured.returncode == 0 and 10 < measured.megabytes < 200
    del ballast
