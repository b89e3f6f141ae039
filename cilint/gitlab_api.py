"""Opt-in GitLab API access (python-gitlab): the include files cilint cannot read offline.

Only imported when `--gitlab-url` is given. The token comes from `GITLAB_TOKEN` (a personal, project
or group access token); `CI_JOB_TOKEN` cannot read repository files or templates through the API
(facts 8.3). The token is never printed: messages name the endpoint and the HTTP status only.
"""

from __future__ import annotations

import os
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

TOKEN_HELP = (
    "GITLAB_TOKEN must hold a personal, project or group access token with the read_api scope; "
    "CI_JOB_TOKEN cannot read repository files or templates through the API"
)


class ApiError(Exception):
    """A GitLab API problem the user must fix (exit code 2)."""


@dataclass(frozen=True, slots=True, eq=False)
class Fetched:
    """A file read through the GitLab API."""

    path: str  # how findings name the file: gitlab:<project>/<path>@<ref>
    text: str
    project: str
    ref: str | None


@dataclass(eq=False)
class GitLabSource:
    """Includes read from a GitLab instance (only with --gitlab-url)."""

    url: str
    project: str
    ref: str | None = None
    allow_remote: bool = False
    timeout: float = 20.0
    cache: dict[tuple[str, str, str], Fetched | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        token = os.environ.get("GITLAB_TOKEN")
        if not token:
            if os.environ.get("CI_JOB_TOKEN"):
                raise ApiError(f"only CI_JOB_TOKEN is set: {TOKEN_HELP}")
            raise ApiError(f"set GITLAB_TOKEN to use --gitlab-url: {TOKEN_HELP}")
        import gitlab

        self._gitlab_module = gitlab
        self._client = gitlab.Gitlab(self.url, private_token=token, timeout=self.timeout)

    def _call(self, what: str, function):  # type: ignore[no-untyped-def]
        errors = self._gitlab_module.exceptions
        try:
            return function()
        except errors.GitlabAuthenticationError as exc:
            raise ApiError(f"GitLab refused the token ({exc.response_code}) reading {what}: {TOKEN_HELP}") from None
        except errors.GitlabError as exc:
            code = getattr(exc, "response_code", None)
            if code == 404:
                return None
            if code == 403:
                raise ApiError(f"GitLab answered 403 Forbidden reading {what}: the token's user cannot read it; "
                               f"{TOKEN_HELP}") from None
            raise ApiError(f"GitLab answered {code or 'an error'} reading {what}") from None
        except Exception as exc:  # requests' connection errors and timeouts
            name = type(exc).__name__
            if "Timeout" in name or "timed out" in str(exc):
                raise ApiError(f"GitLab at {self.url} did not answer within {self.timeout:g} s reading {what}") from None
            if "Connection" in name:
                raise ApiError(f"cannot connect to GitLab at {self.url} ({name}) reading {what}") from None
            raise

    def project_file(self, project: str, path: str, ref: str | None) -> Fetched | None:
        clean = path.lstrip("/")
        key = ("project", f"{project}:{clean}", ref or "")
        if key not in self.cache:
            handle = self._client.projects.get(project, lazy=True)
            data = self._call(f"`{clean}` of project `{project}`",
                              lambda: handle.files.raw(file_path=clean, ref=ref or "HEAD"))
            self.cache[key] = None if data is None else Fetched(
                f"gitlab:{project}/{clean}@{ref or 'HEAD'}", _text(data), project, ref)
        return self.cache[key]

    def template(self, name: str) -> Fetched | None:
        key_name = name[: -len(".gitlab-ci.yml")] if name.endswith(".gitlab-ci.yml") else name
        key = ("template", key_name, "")
        if key not in self.cache:
            data = self._call(f"template `{name}`", lambda: self._client.gitlabciymls.get(key_name))
            self.cache[key] = None if data is None else Fetched(f"gitlab:templates/{name}", data.content, "", None)
        return self.cache[key]

    def component(self, target: str) -> Fetched | None:
        """`<fqdn>/<project-path>/<name>@<version>`: templates/<name>.yml or templates/<name>/template.yml."""
        address, _, version = target.partition("@")
        parts = address.split("/")
        if len(parts) < 3:
            return None
        project, name = "/".join(parts[1:-1]), parts[-1]
        for path in (f"templates/{name}.yml", f"templates/{name}/template.yml"):
            found = self.project_file(project, path, version or None)
            if found is not None:
                return found
        return None

    def remote(self, url: str) -> Fetched | None:
        if not self.allow_remote:
            return None
        key = ("remote", url, "")
        if key not in self.cache:
            try:
                with urllib.request.urlopen(url, timeout=self.timeout) as response:  # noqa: S310 (opt-in)
                    self.cache[key] = Fetched(f"remote:{urllib.parse.urlsplit(url).path}", _text(response.read()), "", None)
            except OSError as exc:
                raise ApiError(f"cannot read remote include {url}: {exc}") from None
        return self.cache[key]


def _text(data: bytes | str) -> str:
    text = data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data
    return text[1:] if text.startswith("\ufeff") else text
