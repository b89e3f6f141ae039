"""`cilint server` driven through the protocol (JSON-RPC over stdio, as an editor does): the latency from a
keystroke to its diagnostics on GitLab's own pipeline and on the seed, and the server's memory over
1,000 edits. Used by `benchmarks/run.py --lsp`, which writes the figures into BENCHMARKS.md."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

DEBOUNCE_MS = 20  # cilint/lsp/server.py: DEBOUNCE_SECONDS


class Client:
    def __init__(self) -> None:
        self.process = subprocess.Popen([sys.executable, "-m", "cilint", "server"], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.next_id = 0

    def send(self, method: str, params: dict[str, Any], request: bool = False) -> int | None:
        message: dict[str, Any] = {"jsonrpc": "2.0", "method": method, "params": params}
        if request:
            self.next_id += 1
            message["id"] = self.next_id
        body = json.dumps(message).encode()
        assert self.process.stdin is not None
        self.process.stdin.write(f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
        self.process.stdin.flush()
        return message.get("id")

    def read(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        length = 0
        while True:
            line = self.process.stdout.readline()
            if line in (b"\r\n", b""):
                break
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        return json.loads(self.process.stdout.read(length))

    def diagnostics_for(self, uri: str) -> None:
        while True:
            message = self.read()
            if message.get("method") == "textDocument/publishDiagnostics" and message["params"]["uri"] == uri:
                return

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def start(self, root: Path) -> None:
        wanted = self.send("initialize", {"processId": None, "rootUri": root.resolve().as_uri(), "capabilities": {}}, True)
        while self.read().get("id") != wanted:
            pass
        self.send("initialized", {})

    def stop(self) -> None:
        self.send("shutdown", {}, True)
        self.send("exit", {})
        assert self.process.stdin is not None
        self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:  # its last output unread: nothing left to measure
            self.process.kill()


def keystroke_latency(file: Path, edits: int) -> tuple[float, list[float]]:
    """Milliseconds from opening the file to its first diagnostics (nothing to reuse yet), and from each
    one-character change to the file's new diagnostics (the wait for changes to settle included)."""
    client = Client()
    client.start(file.parent)
    uri, text = file.resolve().as_uri(), file.read_text(encoding="utf-8")
    started = time.perf_counter()
    client.send("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}})
    client.diagnostics_for(uri)
    opened = (time.perf_counter() - started) * 1000
    timings = []
    for version in range(2, edits + 2):
        text += "#" if version == 2 else "x"  # a comment typed at the end of the file
        started = time.perf_counter()
        client.send("textDocument/didChange", {"textDocument": {"uri": uri, "version": version},
                                               "contentChanges": [{"text": text}]})
        client.diagnostics_for(uri)
        timings.append((time.perf_counter() - started) * 1000)
    client.stop()
    return opened, timings


def memory_over_edits(file: Path, edits: int) -> tuple[float, float]:
    """The server's RSS (MB) after the first 50 analysed edits and after `edits` of them (each saved, so
    each is analysed without the debounce)."""
    client = Client()
    client.start(file.parent)
    uri, text = file.resolve().as_uri(), file.read_text(encoding="utf-8")
    client.send("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}})
    client.diagnostics_for(uri)
    early = 0.0
    for version in range(2, edits + 2):
        client.send("textDocument/didChange", {
            "textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text + f"\n# {version}\n"}]})
        client.send("textDocument/didSave", {"textDocument": {"uri": uri}})
        client.diagnostics_for(uri)
        if version == 51:
            early = client.rss_mb()
    late = client.rss_mb()
    client.stop()
    return early, late


def lsp_rows(gitlab_pipeline: Path, seed_pipeline: Path, quick: bool = False) -> list[str]:
    rows = ["| language server (through the protocol) | median (min-max) | note |", "|---|---|---|"]
    for label, file, edits, target in (("GitLab's own pipeline", gitlab_pipeline, 5 if quick else 40, 150),
                                       ("the seed", seed_pipeline, 10 if quick else 40, 30)):
        opened, timings = keystroke_latency(file, edits)
        median = statistics.median(timings)
        rows.append(f"| keystroke to diagnostics, {label} | {median:.0f} ms ({min(timings):.0f}-{max(timings):.0f}) | "
                    f"target {target} ms; {DEBOUNCE_MS} ms of it is the wait for changes to settle, "
                    f"{median - DEBOUNCE_MS:.0f} ms the analysis (reusing the other files' loads) and the protocol |")
        rows.append(f"| opening {label} (first analysis) | {opened:.0f} ms | nothing to reuse yet |")
    early, late = memory_over_edits(seed_pipeline, 100 if quick else 1000)
    rows.append(f"| server RSS after 50 / {100 if quick else 1000} analysed edits (seed) | {early:.0f} MB / {late:.0f} MB | "
                f"{late - early:+.1f} MB |")
    return rows
