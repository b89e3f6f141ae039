"""`cilint server`: the Language Server Protocol over stdio (pygls), so editors show findings while a
pipeline or runner configuration is written. Imported only by that command: pygls stays off the
`cilint check` path."""

from __future__ import annotations


def serve() -> None:
    from cilint.lsp.server import build_server

    build_server().start_io()
