"""`cilint server` whose analysis raises for a document containing FAIL-HERE (a test harness: how the
server behaves when one analysis fails, which real input should never make it do)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import cilint.lsp.server as server  # noqa: E402

real_run = server.run


def failing_run(options, memos=None):  # type: ignore[no-untyped-def]
    if any("FAIL-HERE" in text for text in options.overlay.values()):
        raise RuntimeError("an analysis failed on purpose")
    return real_run(options, memos)


server.run = failing_run
server.build_server().start_io()
