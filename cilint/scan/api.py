"""GitLab's REST API as `cilint scan` reads it: projects of a group or instance, a project's tree and blobs,
a branch's head commit. Requests go through `cilint.http_fetch` (the token only to the origin of
--gitlab-url, bounded time and size); this adds what a scan of thousands of projects needs: pagination,
GitLab's rate limits (`429` with `Retry-After`, `RateLimit-Remaining`/`RateLimit-Reset` shared by every
worker) and retries of transient errors with backoff. The token is never in a message."""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from cilint import __version__
from cilint.filesystem import MAX_FILE_BYTES
from cilint.gitlab_api import TOKEN_HELP, ApiError
from cilint.urls import shown_url

RETRIES = 4  # transient errors (5xx, connection) per request, with backoff
RATE_LIMIT_WAITS = 8  # 429 answers per request before the request is given up
MAX_WAIT_SECONDS = 60.0  # a Retry-After longer than this is cut to it
PER_PAGE = 100  # GitLab's maximum
_SHA = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")  # a blob id as GitLab gives it (SHA-1 or SHA-256 repositories)


class ProjectError(Exception):
    """One project cannot be scanned (the scan goes on)."""


class TooLargeFile(ProjectError):
    """A file over GitLab's size limit per file."""


@dataclass(frozen=True, slots=True)
class Project:
    id: int
    path: str  # path_with_namespace
    web_url: str
    default_branch: str | None
    ci_config_path: str | None
    archived: bool
    empty: bool


@dataclass(frozen=True, slots=True)
class TreeEntry:
    path: str
    blob: str  # the blob's SHA


class Pause:
    """When every worker may send its next request (GitLab asked for a pause: 429 or no requests left)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep):
        self._until = 0.0
        self._lock = threading.Lock()
        self.clock, self.sleep = clock, sleep
        self.waited = 0.0  # seconds all workers were asked to wait, for the summary

    def wait(self) -> None:
        while (left := self._until - self.clock()) > 0:
            self.sleep(min(left, 1.0))

    def until(self, seconds: float) -> None:
        with self._lock:
            until = self.clock() + min(max(seconds, 0.0), MAX_WAIT_SECONDS)
            if until > self._until:
                self.waited += until - max(self._until, self.clock())
                self._until = until


class ScanApi:
    def __init__(self, url: str, token: str, timeout: float = 30.0, pause: Pause | None = None,
                 backoff: float = 0.5) -> None:
        from cilint.http_fetch import Deadline

        self.url, self._token, self.timeout = url, token, timeout
        self.pause = pause or Pause()
        self.backoff = backoff
        self._deadline = Deadline(float("inf"))
        self._count = threading.local()
        self.requests = 0  # every request sent, retries included
        self._lock = threading.Lock()

    def get(self, what: str, path: str, query: dict[str, Any] | None = None) -> tuple[int, bytes, dict[str, str]]:
        """GET an API path: 200 and 404 are answers; 429 waits as GitLab says, 5xx and connection errors
        are tried again; 401/403 are the token's problem (ApiError: the scan stops)."""
        from cilint.http_fetch import FetchError, Policy, TooLarge, get

        url = f"{self.url}/api/v4/{path}" + (f"?{urllib.parse.urlencode(query)}" if query else "")
        headers = {"PRIVATE-TOKEN": self._token, "User-Agent": f"cilint/{__version__}"}
        failures = limited = 0
        while True:
            self.pause.wait()
            with self._lock:
                self.requests += 1
            try:
                response = get(url, headers, Policy(self.timeout, MAX_FILE_BYTES), self._deadline)
            except TooLarge:
                raise TooLargeFile(f"{what} is larger than the {MAX_FILE_BYTES:,} bytes GitLab reads per file") from None
            except FetchError as exc:
                failures += 1
                if failures > RETRIES:
                    raise ProjectError(f"GitLab at {shown_url(self.url)}: {exc} (reading {what})") from None
                time.sleep(self.backoff * 2 ** (failures - 1))
                continue
            self._obey_rate_limit(response.headers)
            status = response.status
            if status in (200, 404):
                return status, response.body, dict(response.headers)
            if status == 429:
                limited += 1
                if limited > RATE_LIMIT_WAITS:
                    raise ProjectError(f"GitLab kept answering 429 Too Many Requests reading {what}")
                self.pause.until(_retry_after(response.headers, self.backoff * 2 ** limited))
                continue
            if status in (401, 403):
                raise ApiError(f"GitLab answered {status} reading {what}: {TOKEN_HELP}")
            if status >= 500 or status == 408:
                failures += 1
                if failures > RETRIES:
                    raise ProjectError(f"GitLab answered {status} reading {what} ({failures} tries)")
                time.sleep(self.backoff * 2 ** (failures - 1))
                continue
            raise ProjectError(f"GitLab answered {status} reading {what}")

    def _obey_rate_limit(self, headers: dict[str, str]) -> None:
        """No requests left in GitLab's window: every worker waits for its reset."""
        remaining, reset = headers.get("ratelimit-remaining"), headers.get("ratelimit-reset")
        if remaining is not None and remaining.strip() == "0" and reset and reset.strip().isdigit():
            self.pause.until(int(reset) - time.time())

    def json(self, what: str, path: str, query: dict[str, Any] | None = None) -> Any:
        status, body, _ = self.get(what, path, query)
        if status == 404:
            return None
        try:
            return json.loads(body)
        except ValueError:
            raise ProjectError(f"GitLab's answer reading {what} is not JSON") from None

    def pages(self, what: str, path: str, query: dict[str, Any]) -> Iterator[Any]:
        """Every item of a paginated list (offset pagination, `X-Next-Page`)."""
        page = "1"
        while page:
            status, body, headers = self.get(what, path, {**query, "per_page": PER_PAGE, "page": page})
            if status == 404:
                raise ProjectError(f"GitLab answered 404 reading {what}")
            try:
                items = json.loads(body)
            except ValueError:
                raise ProjectError(f"GitLab's answer reading {what} is not JSON") from None
            if not isinstance(items, list):
                raise ProjectError(f"GitLab's answer reading {what} is not a list")
            yield from items
            page = headers.get("x-next-page", "").strip()

    # -- what a scan reads ---------------------------------------------------------------------

    def group_projects(self, group: str, subgroups: bool) -> Iterator[Project]:
        quoted = urllib.parse.quote(group, safe="")
        query = {"include_subgroups": "true" if subgroups else "false", "order_by": "id", "sort": "asc"}
        for item in self.pages(f"the projects of group `{group}`", f"groups/{quoted}/projects", query):
            yield _project(item)

    def all_projects(self) -> Iterator[Project]:
        for item in self.pages("the instance's projects", "projects", {"order_by": "id", "sort": "asc"}):
            yield _project(item)

    def project(self, path: str) -> Project | None:
        item = self.json(f"project `{path}`", f"projects/{urllib.parse.quote(path, safe='')}")
        return _project(item) if isinstance(item, dict) else None

    def head(self, project: Project, ref: str) -> str | None:
        """The commit `ref` names (a branch, a tag or a SHA)."""
        item = self.json(f"`{ref}` of `{project.path}`",
                         f"projects/{project.id}/repository/commits/{urllib.parse.quote(ref, safe='')}")
        return item.get("id") if isinstance(item, dict) and isinstance(item.get("id"), str) else None

    def tree(self, project: Project, commit: str) -> list[TreeEntry]:
        entries = self.pages(f"the files of `{project.path}`", f"projects/{project.id}/repository/tree",
                             {"ref": commit, "recursive": "true"})
        # a symbolic link (mode 120000) is a blob holding its target's path: not a file to analyse
        return [TreeEntry(e["path"], e["id"]) for e in entries
                if isinstance(e, dict) and e.get("type") == "blob" and isinstance(e.get("path"), str)
                and isinstance(e.get("id"), str) and _SHA.fullmatch(e["id"]) and e.get("mode") != "120000"]

    def blob(self, project: Project, entry: TreeEntry) -> bytes:
        status, body, _ = self.get(f"`{entry.path}` of `{project.path}`",
                                   f"projects/{project.id}/repository/blobs/{entry.blob}/raw")
        if status == 404:
            raise ProjectError(f"`{entry.path}` of `{project.path}` is listed but GitLab cannot find its blob")
        return body


def _retry_after(headers: dict[str, str], otherwise: float) -> float:
    value = headers.get("retry-after", "").strip()
    if value.isdigit():
        return float(value)
    reset = headers.get("ratelimit-reset", "").strip()
    if reset.isdigit():
        return int(reset) - time.time()
    return otherwise


def _project(item: Any) -> Project:
    if not isinstance(item, dict) or not isinstance(item.get("id"), int):
        raise ProjectError("GitLab's project list holds something that is not a project")
    return Project(id=item["id"], path=str(item.get("path_with_namespace") or item["id"]),
                   web_url=str(item.get("web_url") or ""), default_branch=item.get("default_branch"),
                   ci_config_path=item.get("ci_config_path") or None, archived=bool(item.get("archived")),
                   empty=bool(item.get("empty_repo")))
