"""A small GitLab REST API on 127.0.0.1 for the tests: the endpoints cilint uses, shaped as GitLab
documents them (docs: api/repository_files "Get raw file from repository", api/templates/gitlab_ci_ymls)."""

from __future__ import annotations

import json
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler

from tests.support.local_server import LocalServer

TOKEN = "glpat-test-token-0123456789"


class FakeGitLab(LocalServer):
    def __init__(self) -> None:
        self.files: dict[tuple[str, str, str], str] = {}  # (project, path, ref) -> text
        self.templates: dict[str, str] = {}
        self.slow_projects: set[str] = set()
        self.mr_diffs: list[dict] = []  # the latest version's diffs of merge request !1
        self.discussions: list[dict] = []
        self.version = {"id": 7, "head_commit_sha": "h" * 40, "base_commit_sha": "b" * 40, "start_commit_sha": "s" * 40}
        self.requests: list[str] = []
        self.tokens_seen: list[str | None] = []  # the PRIVATE-TOKEN header of every GET
        # path (without query) -> a handler of its own, asked before the token is checked: redirects,
        # slow or huge bodies, plain files for remote includes
        self.routes: dict[str, object] = {}
        self.serve(self._handler())

    def _handler(self):  # type: ignore[no-untyped-def]
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _send(self, status: int, body: bytes, kind: str = "application/json") -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:  # noqa: N802
                fake.requests.append(self.path)
                fake.tokens_seen.append(self.headers.get("PRIVATE-TOKEN"))
                route = fake.routes.get(urllib.parse.urlsplit(self.path).path)
                if route is not None:
                    route(self)  # type: ignore[operator]
                    return
                if self.headers.get("PRIVATE-TOKEN") != TOKEN:
                    self._send(401, json.dumps({"message": "401 Unauthorized"}).encode())
                    return
                parsed = urllib.parse.urlsplit(self.path)
                parts = parsed.path.split("/")
                query = urllib.parse.parse_qs(parsed.query)
                if parts[1:4] == ["api", "v4", "projects"] and parts[5:7] == ["repository", "files"] and parts[-1] == "raw":
                    project = urllib.parse.unquote(parts[4])
                    path = urllib.parse.unquote("/".join(parts[7:-1]))
                    ref = query.get("ref", ["HEAD"])[0]
                    if project in fake.slow_projects:
                        time.sleep(3)
                    text = fake.files.get((project, path, ref))
                    if text is None:
                        self._send(404, json.dumps({"message": "404 File Not Found"}).encode())
                    else:
                        self._send(200, text.encode(), "text/plain")
                    return
                if parts[1:4] == ["api", "v4", "projects"] and parts[5:7] == ["merge_requests", "1"]:
                    tail = parts[7:]
                    if tail == ["versions"]:
                        self._send(200, json.dumps([fake.version]).encode())
                    elif tail == ["versions", str(fake.version["id"])]:
                        self._send(200, json.dumps({**fake.version, "diffs": fake.mr_diffs}).encode())
                    elif tail == ["discussions"]:
                        self._send(200, json.dumps(fake.discussions).encode())
                    else:
                        self._send(404, b'{"message": "404 Not Found"}')
                    return
                if parts[1:5] == ["api", "v4", "templates", "gitlab_ci_ymls"] and len(parts) == 6:
                    key = urllib.parse.unquote(parts[5])
                    content = fake.templates.get(key)
                    if content is None:
                        self._send(404, json.dumps({"message": "404 Template Not Found"}).encode())
                    else:
                        self._send(200, json.dumps({"name": key, "content": content}).encode())
                    return
                self._send(404, json.dumps({"message": "404 Not Found"}).encode())

            def do_POST(self) -> None:  # noqa: N802
                fake.requests.append("POST " + self.path)
                if self.headers.get("PRIVATE-TOKEN") != TOKEN:
                    self._send(401, b'{"message": "401 Unauthorized"}')
                    return
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode()
                data = json.loads(raw) if raw.startswith("{") else dict(urllib.parse.parse_qsl(raw))
                if self.path.split("?")[0].endswith("/merge_requests/1/discussions"):
                    if "body" not in data or "position" not in data:
                        self._send(400, b'{"message": "400 Bad request - body or position missing"}')
                        return
                    discussion = {"id": f"d{len(fake.discussions) + 1}",
                                  "notes": [{"id": len(fake.discussions) + 1, "body": data["body"],
                                             "position": data["position"]}]}
                    fake.discussions.append(discussion)
                    self._send(201, json.dumps(discussion).encode())
                    return
                self._send(404, b'{"message": "404 Not Found"}')

        return Handler
