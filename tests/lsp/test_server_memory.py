"""Issue 23 (memory stays flat): what the server keeps per notification. pygls 2.1 keeps the future of each
notification its built-in handlers take and never drops it (3.5 KB per keystroke, found by
benchmarks/lsp.py); cilint's protocol drops each once done. Counted here, through the protocol's own
message handling, rather than by the process' size."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from cilint.lsp.server import build_server

REPO = Path(__file__).resolve().parents[2]


class _Sink:
    def write(self, data: bytes) -> None:
        pass

    def close(self) -> None:
        pass


def test_a_thousand_edits_leave_nothing_behind_in_the_protocol(tmp_path: Path):
    pipeline = tmp_path / ".gitlab-ci.yml"
    text = (REPO / "examples" / "seed" / ".gitlab-ci.yml").read_text(encoding="utf-8")
    pipeline.write_text(text, encoding="utf-8")
    uri = pipeline.as_uri()
    server = build_server()
    server.protocol.set_writer(_Sink())
    protocol = server.protocol

    def send(method: str, params: dict[str, object], msg_id: int | None = None) -> None:
        message: dict[str, object] = {"jsonrpc": "2.0", "method": method, "params": params}
        if msg_id is not None:
            message["id"] = msg_id
        protocol.handle_message(json.loads(json.dumps(message), object_hook=protocol.structure_message))

    async def session() -> list[int]:
        send("initialize", {"processId": None, "rootUri": tmp_path.as_uri(), "capabilities": {}}, 1)
        await asyncio.sleep(0.05)
        send("initialized", {})
        send("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}})
        kept = []
        for version in range(2, 1002):
            send("textDocument/didChange", {"textDocument": {"uri": uri, "version": version},
                                            "contentChanges": [{"text": text + f"\n# {version}\n"}]})
            await asyncio.sleep(0)
            if version % 250 == 0:
                kept.append(len(protocol._request_futures))
        send("textDocument/didSave", {"textDocument": {"uri": uri}})
        await asyncio.sleep(0.1)
        kept.append(len(protocol._request_futures))
        return kept

    kept = asyncio.run(session())
    assert max(kept) <= 2, kept  # the requests in flight, not one per edit
