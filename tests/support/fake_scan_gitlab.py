"""A GitLab instance on 127.0.0.1 for `cilint scan`: groups and projects (paginated as GitLab does, with
`X-Next-Page`), a project's commit, recursive tree (paginated) and blobs, raw files (for `project:`
includes), and faults on demand: latency on every answer, 429 with Retry-After, 500s, answers slower
than the client waits. Shapes as GitLab documents them (api/projects, api/groups, api/repositories,
api/commits, api/repository_files)."""

from __future__ import annotations

import hashlib
import json
import threading
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from tests.support.local_server import LocalServer

TOKEN = "glpat-scan-test-token-9876543210"


def blob_sha(text: str) -> str:
    data = text.encode("utf-8")
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


@dataclass
class FakeProject:
    id: int
    path: str
    files: dict[str, str]
    default_branch: str | None = "main"
    archived: bool = False
    ci_config_path: str | None = None

    @property
    def commit(self) -> str:
        return hashlib.sha1(json.dumps(sorted(self.files.items())).encode()).hexdigest()

    def record(self, url: str) -> dict[str, object]:
        return {"id": self.id, "path_with_namespace": self.path, "web_url": f"{url}/{self.path}",
                "default_branch": self.default_branch, "archived": self.archived,
                "ci_config_path": self.ci_config_path, "empty_repo": not self.files}

    @classmethod
    def of_directory(cls, project_id: int, path: str, directory: Path) -> FakeProject:
        files = {f.relative_to(directory).as_posix(): f.read_text(encoding="utf-8", errors="replace")
                 for f in sorted(directory.rglob("*")) if f.is_file()}
        return cls(project_id, path, files)


@dataclass
class Faults:
    latency: float = 0.0  # seconds before every answer
    rate_limited: int = 0  # the next N requests get 429 with Retry-After
    retry_after: int = 1
    errors: Counter[str] = field(default_factory=Counter)  # path prefix -> the next N requests get 500
    limited: Counter[str] = field(default_factory=Counter)  # path prefix -> the next N requests get 429
    always_failing: set[int] = field(default_factory=set)  # project ids whose every request gets 500
    slow: dict[int, float] = field(default_factory=dict)  # project id -> seconds before its blobs answer
    exhausted: int = 0  # the next N answers say no request is left until a second from now


class FakeScanGitLab(LocalServer):
    def __init__(self, projects: list[FakeProject], groups: dict[str, list[int]] | None = None) -> None:
        self.projects = {p.id: p for p in projects}
        self.groups = groups or {"platform": [p.id for p in projects]}
        self.faults = Faults()
        self.requests: list[str] = []
        self.times: list[float] = []  # when each request arrived (time.monotonic)
        self.tokens_seen: set[str | None] = set()
        self._lock = threading.Lock()
        self.serve(self._handler())

    def per_project(self) -> Counter[int]:
        """Requests about each project (listing pages not counted)."""
        counts: Counter[int] = Counter()
        for path in self.requests:
            parts = urllib.parse.urlsplit(path).path.split("/")
            if parts[1:4] == ["api", "v4", "projects"] and len(parts) > 5 and parts[4].isdigit():
                counts[int(parts[4])] += 1
        return counts

    def _project(self, key: str) -> FakeProject | None:
        key = urllib.parse.unquote(key)
        if key.isdigit():
            return self.projects.get(int(key))
        return next((p for p in self.projects.values() if p.path == key), None)

    def answer(self, path: str) -> tuple[int, object, dict[str, str]]:
        parsed = urllib.parse.urlsplit(path)
        parts = parsed.path.split("/")[3:]
        query = {k: v[0] for k, v in urllib.parse.parse_qs(parsed.query).items()}
        if parts[:1] == ["groups"] and parts[2:] == ["projects"]:
            group = urllib.parse.unquote(parts[1])
            listed = [self.projects[i] for i in self.groups.get(group, []) if i in self.projects]
            return self._page([p.record(self.url) for p in sorted(listed, key=lambda p: p.id)], query)
        if parts == ["projects"]:
            return self._page([p.record(self.url) for p in sorted(self.projects.values(), key=lambda p: p.id)], query)
        if parts[:1] != ["projects"] or len(parts) < 2:
            return 404, {"message": "404 Not Found"}, {}
        project = self._project(parts[1])
        if project is None:
            return 404, {"message": "404 Project Not Found"}, {}
        if project.id in self.faults.always_failing:
            return 500, {"message": "500 Internal Server Error"}, {}
        rest = parts[2:]
        if not rest:
            return 200, project.record(self.url), {}
        if rest[:2] == ["repository", "commits"]:
            ref = urllib.parse.unquote("/".join(rest[2:]))
            ok = ref in (project.default_branch, project.commit)
            return (200, {"id": project.commit}, {}) if ok else (404, {"message": "404 Commit Not Found"}, {})
        if rest == ["repository", "tree"]:
            if query.get("ref") != project.commit or query.get("recursive") != "true":
                return 404, {"message": "404 Tree Not Found"}, {}
            entries = [{"id": blob_sha(t), "name": p.rsplit("/", 1)[-1], "type": "blob", "path": p, "mode": "100644"}
                       for p, t in sorted(project.files.items())]
            trees = sorted({p.rsplit("/", 1)[0] for p in project.files if "/" in p})
            entries += [{"id": "0" * 40, "name": t, "type": "tree", "path": t, "mode": "040000"} for t in trees]
            return self._page(entries, query)
        if rest[:2] == ["repository", "blobs"] and rest[3:] == ["raw"]:
            time.sleep(self.faults.slow.get(project.id, 0.0))
            text = next((t for t in project.files.values() if blob_sha(t) == rest[2]), None)
            return (200, text, {}) if text is not None else (404, {"message": "404 Blob Not Found"}, {})
        if rest[:2] == ["repository", "files"] and rest[-1] == "raw":
            text = project.files.get(urllib.parse.unquote("/".join(rest[2:-1])))
            return (200, text, {}) if text is not None else (404, {"message": "404 File Not Found"}, {})
        return 404, {"message": "404 Not Found"}, {}

    def _page(self, items: list[object], query: dict[str, str]) -> tuple[int, object, dict[str, str]]:
        per_page = min(int(query.get("per_page", "20")), 100)
        page = int(query.get("page", "1"))
        chunk = items[(page - 1) * per_page: page * per_page]
        last = max(1, -(-len(items) // per_page))
        headers = {"X-Total": str(len(items)), "X-Total-Pages": str(last), "X-Next-Page": str(page + 1) if page < last else ""}
        return 200, chunk, headers

    def _fault(self, path: str) -> tuple[int, object, dict[str, str]] | None:
        with self._lock:
            if self.faults.rate_limited > 0:
                self.faults.rate_limited -= 1
                return 429, {"message": "429 Too Many Requests"}, {"Retry-After": str(self.faults.retry_after)}
            for prefix, left in list(self.faults.limited.items()):
                if left > 0 and path.startswith(prefix):
                    self.faults.limited[prefix] -= 1
                    return 429, {"message": "429 Too Many Requests"}, {"Retry-After": "1"}
            for prefix, left in list(self.faults.errors.items()):
                if left > 0 and path.startswith(prefix):
                    self.faults.errors[prefix] -= 1
                    return 500, {"message": "500 Internal Server Error"}, {}
        return None

    def limit_headers(self) -> dict[str, str]:
        with self._lock:
            if self.faults.exhausted <= 0:
                return {}
            self.faults.exhausted -= 1
        return {"RateLimit-Remaining": "0", "RateLimit-Reset": str(int(time.time()) + 2)}

    def _handler(self):  # type: ignore[no-untyped-def]
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                with fake._lock:
                    fake.requests.append(self.path)
                    fake.times.append(time.monotonic())
                    fake.tokens_seen.add(self.headers.get("PRIVATE-TOKEN"))
                if fake.faults.latency:
                    time.sleep(fake.faults.latency)
                if self.headers.get("PRIVATE-TOKEN") != TOKEN:
                    status, body, headers = 401, {"message": "401 Unauthorized"}, {}
                else:
                    status, body, headers = fake._fault(self.path) or fake.answer(self.path)
                    headers = {**headers, **fake.limit_headers()}
                data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/plain" if isinstance(body, str) else "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

        return Handler
