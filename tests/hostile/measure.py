"""Run cilint in a child process and measure it: wall time, peak memory (RSS), exit code, output.

`python -m tests.hostile.measure OUT ARGS...` runs `cilint ARGS...` in this process and writes the
peak RSS (from `resource`) to OUT when it ends; `run_bounded` starts that child and kills it when it
takes longer than the limit, so a hang fails the test instead of holding the suite.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Measured:
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    megabytes: float


def run_bounded(args: list[str], cwd: Path, env: dict[str, str] | None = None, seconds: float = 2.0,
                megabytes: float = 200.0, stdin: str | None = None) -> Measured:
    """cilint ARGS in a child; asserts it ends within `seconds` and `megabytes` of peak RSS."""
    out = cwd.parent / f".rss-{os.getpid()}-{time.monotonic_ns()}"
    environment = {**os.environ, **(env or {})}
    environment["PYTHONPATH"] = os.pathsep.join([str(REPO), environment.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    started = time.monotonic()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "tests.hostile.measure", str(out), *args], cwd=cwd, env=environment,
            capture_output=True, text=True, timeout=max(seconds * 5, 30), input=stdin,
        )
    except subprocess.TimeoutExpired:
        raise AssertionError(f"cilint {' '.join(args)} did not end within {max(seconds * 5, 30):g} s") from None
    elapsed = time.monotonic() - started
    try:
        peak = int(out.read_text()) / 1024
        out.unlink()
    except (OSError, ValueError):
        peak = 0.0
    measured = Measured(proc.returncode, proc.stdout, proc.stderr, elapsed, peak)
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert elapsed < seconds, f"took {elapsed:.2f} s (limit {seconds:g} s): {proc.stderr[-500:]}"
    assert peak < megabytes, f"peak RSS {peak:.0f} MB (limit {megabytes:g} MB)"
    return measured


def _main() -> None:
    out, *args = sys.argv[1:]
    sys.argv = ["cilint", *args]
    from cilint.cli import main

    code: object = 0
    try:
        main()
    except SystemExit as exc:
        code = exc.code
    finally:
        sys.stdout.flush()
        Path(out).write_text(str(_peak_kib()))
    sys.exit(code)


def _peak_kib() -> int:
    """This process's peak RSS in KiB. Linux: VmHWM, the high-water mark of this program's own memory.
    Not `ru_maxrss`: exec keeps the peak of the image it replaces, the forked copy of the parent, so
    a child of a 300 MB pytest process would report 300 MB."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


if __name__ == "__main__":
    _main()
