"""Opt-in GitLab API access: the include files cilint cannot read offline, and merge-request comments.

Used only when `--gitlab-url` is given. The token comes from `GITLAB_TOKEN` (a personal, project
or group access token); `CI_JOB_TOKEN` cannot read repository files or templates through the API
(facts 8.3). The token is never printed: messages name the endpoint and the HTTP status only, and
URLs are shown without user, password or query. It is sent only to the origin of `--gitlab-url`.

Include files are read with `cilint.http_fetch` (a deadline per request and per run, GitLab's 2 MB
per file); `cilint mr-comment` posts through python-gitlab, whose session refuses cross-origin
redirects.
"""

from __future__ import annotations

import os
import urllib.parse
from dataclasses import dataclass, field

from cilint import __version__
from cilint.filesystem import MAX_FILE_BYTES
from cilint.urls import origin, shown_url

# cilint.http_fetch is imported where a request is made: it loads http.client, ssl and urllib.request
# (tens of milliseconds), which a run without --gitlab-url never needs.

TOKEN_HELP = (
    "GITLAB_TOKEN must hold a personal, project or group access token with the read_api scope; "
    "CI_JOB_TOKEN cannot read repository files or templates through the API"
)


class ApiError(Exception):
    """A GitLab API problem the user must fix (exit code 2)."""


class IncludeRefused(Exception):
    """One include that cannot be read (too large, a local address, unreachable): a finding at the
    include, and the run goes on."""


# Seconds all GitLab requests of one run may take together (--gitlab-timeout bounds each request).
RUN_SECONDS = 120.0


@dataclass(frozen=True, slots=True, eq=False)
class Fetched:
    """A file read through the GitLab API."""

    path: str  # how findings name the file: gitlab:<project>/<path>@<ref>
    text: str
    project: str
    ref: str | None


def check_url(url: str) -> str:
    """`--gitlab-url` without a trailing slash; an ApiError for one cilint must not use. The message
    never repeats the URL's user or password."""

    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        raise ApiError("--gitlab-url is not a valid URL") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ApiError(f"--gitlab-url must be an http:// or https:// URL, not {shown_url(url)}")
    if parts.username is not None or parts.password is not None:
        raise ApiError(
            f"--gitlab-url must not contain a user or password ({shown_url(url)} had one); "
            "put the access token in GITLAB_TOKEN"
        )
    return url.rstrip("/")


@dataclass(eq=False)
class GitLabSource:
    """Includes read from a GitLab instance (only with --gitlab-url)."""

    url: str
    project: str
    ref: str | None = None
    allow_remote: bool = False
    timeout: float = 20.0
    allow_local_remote: bool = False  # remote includes on loopback/private addresses
    run_seconds: float = RUN_SECONDS
    cache: dict[tuple[str, str, str], Fetched | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        from cilint.http_fetch import Deadline

        self.url = check_url(self.url)
        token = os.environ.get("GITLAB_TOKEN")
        if not token:
            if os.environ.get("CI_JOB_TOKEN"):
                raise ApiError(f"only CI_JOB_TOKEN is set: {TOKEN_HELP}")
            raise ApiError(f"set GITLAB_TOKEN to use --gitlab-url: {TOKEN_HELP}")
        self._token = token
        self._deadline = Deadline(self.run_seconds)
        self._python_gitlab = None

    @property
    def _client(self):  # type: ignore[no-untyped-def]
        """python-gitlab, for `cilint mr-comment`: its session never follows a redirect to another
        origin (requests would resend PRIVATE-TOKEN there)."""
        if self._python_gitlab is None:
            import gitlab

            self._gitlab_module = gitlab
            self._python_gitlab = gitlab.Gitlab(
                self.url, private_token=self._token, timeout=self.timeout, session=_same_origin_session(self.url)
            )
        return self._python_gitlab

    def _call(self, what: str, function, posting: bool = False):  # type: ignore[no-untyped-def]
        """Run a python-gitlab call, turning its errors into ApiError (None for 404)."""

        self._client  # noqa: B018 - imports python-gitlab
        errors = self._gitlab_module.exceptions
        try:
            return function()
        except errors.GitlabAuthenticationError as exc:
            raise ApiError(f"GitLab refused the token ({exc.response_code}) reading {what}: {TOKEN_HELP}") from None
        except errors.GitlabError as exc:
            code = getattr(exc, "response_code", None)
            if code == 404:
                return None
            if code == 403 and posting:
                raise ApiError(f"GitLab answered 403 Forbidden posting {what}: posting discussions needs a token with "
                               "the `api` scope (`read_api` can only read) whose user may comment on the merge "
                               "request (Reporter or more)") from None
            if code == 403:
                raise ApiError(f"GitLab answered 403 Forbidden reading {what}: the token's user cannot read it; "
                               f"{TOKEN_HELP}") from None
            raise ApiError(f"GitLab answered {code or 'an error'} {'posting' if posting else 'reading'} {what}") from None
        except _CrossOriginRedirect as exc:
            raise ApiError(str(exc)) from None
        except Exception as exc:  # requests' connection errors and timeouts
            name = type(exc).__name__
            shown = shown_url(self.url)
            if "Timeout" in name or "timed out" in str(exc):
                raise ApiError(f"GitLab at {shown} did not answer within {self.timeout:g} s reading {what}") from None
            if "Connection" in name:
                raise ApiError(f"cannot connect to GitLab at {shown} ({name}) reading {what}") from None
            raise

    def _api(self, what: str, path: str, query: dict[str, str] | None = None) -> bytes | None:
        """GET an API path with the token; None for 404."""
        from cilint.http_fetch import DeadlinePassed, FetchError, Policy, TooLarge, get

        url = f"{self.url}/api/v4/{path}" + (f"?{urllib.parse.urlencode(query)}" if query else "")
        headers = {"PRIVATE-TOKEN": self._token, "User-Agent": f"cilint/{__version__}"}
        try:
            response = get(url, headers, Policy(self.timeout, MAX_FILE_BYTES), self._deadline)
        except TooLarge:
            raise IncludeRefused(f"{what} is larger than the {MAX_FILE_BYTES:,} bytes GitLab reads per file") from None
        except DeadlinePassed:
            if self._deadline.remaining() <= 0:
                raise ApiError(f"GitLab requests took more than {self.run_seconds:g} s in all (reading {what})") from None
            raise ApiError(f"GitLab at {shown_url(self.url)} did not answer within {self.timeout:g} s reading {what}") from None
        except FetchError as exc:
            raise ApiError(f"GitLab at {shown_url(self.url)}: {exc} (reading {what})") from None
        status = response.status
        if status == 200:
            return response.body
        if status == 404:
            return None
        if status == 401:
            raise ApiError(f"GitLab refused the token (401) reading {what}: {TOKEN_HELP}")
        if status == 403:
            raise ApiError(f"GitLab answered 403 Forbidden reading {what}: the token's user cannot read it; {TOKEN_HELP}")
        raise ApiError(f"GitLab answered {status} reading {what}")

    def project_file(self, project: str, path: str, ref: str | None) -> Fetched | None:
        clean = path.lstrip("/")
        key = ("project", f"{project}:{clean}", ref or "")
        if key not in self.cache:
            quoted = urllib.parse.quote(project, safe="")
            data = self._api(f"`{clean}` of project `{project}`",
                             f"projects/{quoted}/repository/files/{urllib.parse.quote(clean, safe='')}/raw",
                             {"ref": ref or "HEAD"})
            self.cache[key] = None if data is None else Fetched(
                f"gitlab:{project}/{clean}@{ref or 'HEAD'}", _text(data), project, ref)
        return self.cache[key]

    def template(self, name: str) -> Fetched | None:
        key_name = name[: -len(".gitlab-ci.yml")] if name.endswith(".gitlab-ci.yml") else name
        key = ("template", key_name, "")
        if key not in self.cache:
            data = self._api(f"template `{name}`", f"templates/gitlab_ci_ymls/{urllib.parse.quote(key_name, safe='')}")
            content = None
            if data is not None:
                try:
                    import json  # stdlib: only when GitLab answers
                    answer = json.loads(_text(data))
                except ValueError:
                    answer = None
                content = answer.get("content") if isinstance(answer, dict) else None
                if not isinstance(content, str):
                    raise ApiError(f"GitLab's answer for template `{name}` is not a template (no `content`)")
                # JSON may escape lone surrogates (`\\ud83d`), which no file can hold
                content = content.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
            self.cache[key] = None if content is None else Fetched(f"gitlab:templates/{name}", _text(content), "", None)
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
        """An `include: remote:` URL, fetched as GitLab does: a plain GET without the token, and not
        from the local network unless allowed."""
        from cilint.http_fetch import DeadlinePassed, FetchError, Policy, TooLarge, get

        if not self.allow_remote:
            return None
        key = ("remote", url, "")
        if key not in self.cache:
            policy = Policy(self.timeout, MAX_FILE_BYTES, same_origin_redirects_only=False,
                            allow_local_network=self.allow_local_remote, max_redirects=3)
            try:
                response = get(url, {"User-Agent": "cilint"}, policy, self._deadline)
            except TooLarge:
                raise IncludeRefused(f"remote include {shown_url(url)} is larger than the {MAX_FILE_BYTES:,} bytes "
                                     "GitLab reads per file") from None
            except DeadlinePassed as exc:
                raise IncludeRefused(f"remote include not read: {exc}") from None
            except FetchError as exc:
                raise IncludeRefused(f"remote include not read: {exc}") from None
            if response.status == 404:
                self.cache[key] = None
            elif response.status != 200:
                raise IncludeRefused(f"remote include {shown_url(url)} answered HTTP {response.status}")
            else:
                self.cache[key] = Fetched(f"remote:{urllib.parse.urlsplit(url).path}", _text(response.body), "", None)
        return self.cache[key]


class _CrossOriginRedirect(Exception):
    pass


def _same_origin_session(url: str):  # type: ignore[no-untyped-def]
    import requests


    home = origin(url)

    class SameOriginSession(requests.Session):
        def get_redirect_target(self, resp):  # type: ignore[no-untyped-def]
            target = super().get_redirect_target(resp)
            if target is not None and origin(urllib.parse.urljoin(resp.url, target)) != home:
                raise _CrossOriginRedirect(
                    f"GitLab at {shown_url(url)} redirected to another origin "
                    f"({shown_url(urllib.parse.urljoin(resp.url, target))}); the token is sent only to "
                    f"{home[0]}://{home[1]}, so the redirect is not followed"
                )
            return target

    return SameOriginSession()


def _text(data: bytes | str) -> str:
    text = data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data
    return text[1:] if text.startswith("\ufeff") else text
