"""How far a scan is: one line redrawn on a terminal (projects done/total, findings, rate, time left), a log
line now and then otherwise (CI logs), both on stderr."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from cilint.scan.records import ProjectRecord

LOG_EVERY_SECONDS = 10.0  # in a log
REDRAW_SECONDS = 0.1  # on a terminal


class Progress:
    def __init__(self, stream: TextIO | None = None, terminal: bool | None = None) -> None:
        self.stream = stream or sys.stderr
        self.terminal = self.stream.isatty() if terminal is None else terminal
        self.total = self.done = self.findings = self.failed = 0
        self.started = self.logged = time.monotonic()
        self.drawn = 0.0  # when the terminal line was last redrawn
        self._resumed = 0

    def start(self, total: int, done: int, findings: int) -> None:
        self.total, self.done, self.findings, self._resumed = total, done, findings, done
        self.started = self.logged = time.monotonic()
        if done:
            self._write(f"resuming: {done} of {total} projects were scanned before")
        elif not self.terminal:
            self._write(f"scanning {total} projects")

    def advance(self, record: ProjectRecord) -> None:
        self.done += 1
        self.findings += len(record.findings)
        self.failed += record.project["status"] == "failed"
        failed = record.project["status"] == "failed"
        if failed:  # above the progress line on a terminal
            self._write(("\r\033[K" if self.terminal else "") + f"{record.path}: {record.project.get('reason', 'failed')}")
        now = time.monotonic()
        if self.terminal:
            if failed or now - self.drawn >= REDRAW_SECONDS or self.done == self.total:
                self.drawn = now
                self.stream.write("\r\033[K" + self.line(now))
                self.stream.flush()
        elif now - self.logged >= LOG_EVERY_SECONDS or self.done == self.total:
            self.logged = now
            self._write(self.line(now))

    def line(self, now: float) -> str:
        elapsed = max(now - self.started, 1e-6)
        rate = (self.done - self._resumed) / elapsed
        left = (self.total - self.done) / rate if rate > 0 else 0.0
        return (f"{self.done}/{self.total} projects, {self.findings} findings, {self.failed} failed, "
                f"{rate:.1f} projects/s, {_duration(left)} left")

    def finish(self, requests: int) -> None:
        if self.terminal:
            self.stream.write("\n")
        self._write(f"scanned {self.done} projects in {_duration(time.monotonic() - self.started)}, "
                    f"{requests} GitLab requests")

    def _write(self, text: str) -> None:
        clear = "\r\033[K" if text.startswith("\r") else ""
        self.stream.write(f"{clear}cilint scan: {text.removeprefix(clear)}\n")
        self.stream.flush()


def _duration(seconds: float) -> str:
    seconds = int(seconds + 0.5)
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"
