"""HTTP GET with the guarantees `--gitlab-url` promises: a deadline, a size cap, no credentials sent
to another origin, and (for remote includes) no requests to the local network.

requests (python-gitlab's transport) cannot give these: its timeout applies to each socket
operation, so a server that sends one byte a second holds a request for as long as it likes, and it
follows redirects to other hosts with custom headers such as PRIVATE-TOKEN attached. Here every
request runs against a deadline (a timer shuts the socket down when it passes, whatever phase the
request is in), the body is read in chunks up to a cap, redirects are followed only where the caller
allows it and each hop is checked again, and the address a host name resolves to is checked before
the connection is made to that very address (no second lookup).

Proxies from the environment (`https_proxy`, `http_proxy`, `no_proxy`) are used as curl does.
"""

from __future__ import annotations

import http.client
import ipaddress
import os
import socket
import ssl
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field

from cilint.urls import origin, shown_url  # noqa: F401 (callers of the fetcher use them with it)

REDIRECTS = (301, 302, 303, 307, 308)
_CHUNK = 64 * 1024


class FetchError(Exception):
    """A request that failed or was refused; the message names no credentials."""


class Refused(FetchError):
    """A request cilint would not make (scheme, address, redirect target)."""


class TooLarge(FetchError):
    """A body larger than the cap."""


class DeadlinePassed(FetchError):
    """The request or the run ran out of time."""


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    body: bytes
    url: str  # the final URL, after redirects
    headers: Mapping[str, str] = field(default_factory=dict)  # those of _KEPT_HEADERS, lower-case names


# What callers read of a response's headers: pagination and GitLab's rate limits (cilint scan)
_KEPT_HEADERS = ("retry-after", "ratelimit-remaining", "ratelimit-reset", "x-next-page", "x-total-pages", "x-total")


class Deadline:
    """The time a whole run may spend on requests."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.ends = time.monotonic() + seconds

    def remaining(self) -> float:
        return self.ends - time.monotonic()


@dataclass(frozen=True, slots=True)
class Policy:
    """What one request may do."""

    timeout: float  # seconds for the whole request (connect, headers and body)
    max_bytes: int
    same_origin_redirects_only: bool = True  # for requests that carry a token
    allow_local_network: bool = True  # False: refuse loopback, link-local, private and reserved addresses
    max_redirects: int = 5


def get(url: str, headers: Mapping[str, str], policy: Policy, deadline: Deadline) -> Response:
    """GET `url`, following redirects as `policy` allows. Raises FetchError (or a subclass)."""
    start_origin = origin(url)
    for _ in range(policy.max_redirects + 1):
        status, body, location, kept = _one(url, headers, policy, deadline)
        if status not in REDIRECTS or location is None:
            return Response(status, body, url, kept)
        target = urllib.parse.urljoin(url, location)
        if policy.same_origin_redirects_only and origin(target) != start_origin:
            raise Refused(
                f"{shown_url(url)} redirected to another origin ({shown_url(target)}); the request "
                f"carries a token, which is sent only to {start_origin[0]}://{start_origin[1]}, so the "
                "redirect is not followed (set --gitlab-url to the address GitLab redirects to)"
            )
        url = target
    raise FetchError(f"{shown_url(url)}: more than {policy.max_redirects} redirects")


def _one(
    url: str, headers: Mapping[str, str], policy: Policy, deadline: Deadline
) -> tuple[int, bytes, str | None, dict[str, str]]:
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError:
        raise Refused("the URL is not valid") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise Refused(f"only http:// and https:// URLs are fetched, not {shown_url(url)}")
    host = parts.hostname
    port = port or (443 if scheme == "https" else 80)
    limit = min(policy.timeout, deadline.remaining())
    if limit <= 0:
        raise DeadlinePassed(f"no time left for {shown_url(url)} (the run's {deadline.seconds:g} s for GitLab requests passed)")
    proxy = _proxy_for(scheme, host)
    # through a proxy the host is resolved by the proxy; it is resolved here only to check it
    address = (host, port) if proxy is not None and policy.allow_local_network else \
        _address(host, port, policy.allow_local_network, url)
    target = urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, ""))
    if proxy is not None:
        proxy_parts = urllib.parse.urlsplit(proxy)
        proxy_address = (proxy_parts.hostname or "", proxy_parts.port or 3128)
        connection = _connection(scheme, host, port, proxy_address, limit)
        if scheme == "https":
            connection.set_tunnel(host, port)
        else:
            target = urllib.parse.urlunsplit((scheme, parts.netloc.rpartition("@")[2], parts.path or "/", parts.query, ""))
    else:
        connection = _connection(scheme, host, port, address, limit)
    timer = threading.Timer(limit, _cut, (connection,))
    timer.daemon = True
    timer.start()
    started = time.monotonic()
    try:
        connection.request("GET", target, headers={"Accept-Encoding": "identity", **headers})
        response = connection.getresponse()
        location = response.getheader("Location")
        kept = {name: value for name in _KEPT_HEADERS if (value := response.getheader(name)) is not None}
        if response.status in REDIRECTS:
            return response.status, b"", location, kept
        body = _body(response, policy.max_bytes, url)
        if connection.cut:  # the timer's shutdown reads as the end of the body
            raise DeadlinePassed(f"{shown_url(url)} did not answer within {limit:g} s")
        declared = response.getheader("Content-Length")
        if declared and declared.isdigit() and len(body) < int(declared):
            raise FetchError(f"{shown_url(url)} ended after {len(body):,} of {int(declared):,} bytes")
        return response.status, body, location, kept
    except FetchError:
        raise
    except (OSError, http.client.HTTPException, ValueError) as exc:
        if connection.cut or time.monotonic() - started >= limit - 0.05:
            raise DeadlinePassed(f"{shown_url(url)} did not answer within {limit:g} s") from None
        raise FetchError(f"cannot read {shown_url(url)} ({type(exc).__name__})") from None
    finally:
        timer.cancel()
        connection.close()


def _body(response: http.client.HTTPResponse, max_bytes: int, url: str) -> bytes:
    """The response body, refused as soon as it (or its declared length) passes `max_bytes`."""
    declared = response.getheader("Content-Length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise TooLarge(f"{shown_url(url)} is {int(declared):,} bytes")
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = response.read(_CHUNK)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > max_bytes:
            raise TooLarge(f"{shown_url(url)} is more than {max_bytes:,} bytes")
        chunks.append(chunk)


def _cut(connection: _PinnedHTTP) -> None:
    """Wake a read blocked on the socket: shutdown() makes a pending recv return at once. (The
    connection forgets its socket once a response owns it, so the socket is kept aside.)"""
    connection.cut = True
    sock = connection.opened
    if sock is not None:
        try:
            socket.socket.shutdown(sock, socket.SHUT_RDWR)
        except OSError:
            pass


def _address(host: str, port: int, allow_local: bool, url: str) -> tuple[str, int]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise FetchError(f"cannot resolve the host of {shown_url(url)}") from None
    addresses = [info[4][0] for info in infos]
    if not allow_local:
        for text in addresses:
            ip = ipaddress.ip_address(text.split("%", 1)[0])
            mapped = getattr(ip, "ipv4_mapped", None)
            if not (mapped or ip).is_global:
                raise Refused(
                    f"{shown_url(url)} resolves to {text}, an address on the local network; GitLab "
                    "refuses such remote includes by default, and so does cilint "
                    "(--allow-local-remote-includes allows them)"
                )
    if not addresses:
        raise FetchError(f"cannot resolve the host of {shown_url(url)}")
    return addresses[0], port


def _proxy_for(scheme: str, host: str) -> str | None:
    proxies = urllib.request.getproxies()
    proxy = proxies.get(scheme)
    if not proxy or urllib.request.proxy_bypass(host):
        return None
    return proxy if "://" in proxy else f"http://{proxy}"


class _PinnedHTTP(http.client.HTTPConnection):
    """Connects to an address checked beforehand, not to a second lookup of the host name."""

    def __init__(self, host: str, port: int, address: tuple[str, int], timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address
        self.opened: socket.socket | None = None
        self.cut = False  # set when the deadline passed and the socket was shut down

    def connect(self) -> None:
        self.sock = self.opened = socket.create_connection(self._address, self.timeout)
        if self._tunnel_host:
            self._tunnel()


class _PinnedHTTPS(_PinnedHTTP):
    default_port = 443

    def __init__(self, host: str, port: int, address: tuple[str, int], timeout: float) -> None:
        super().__init__(host, port, address, timeout)
        self._context = ssl.create_default_context()
        bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
        if bundle and os.path.isfile(bundle):
            self._context.load_verify_locations(bundle)

    def connect(self) -> None:
        super().connect()
        server = self._tunnel_host or self.host
        self.sock = self.opened = self._context.wrap_socket(self.sock, server_hostname=server)


def _connection(scheme: str, host: str, port: int, address: tuple[str, int], timeout: float) -> _PinnedHTTP:
    kind = _PinnedHTTPS if scheme == "https" else _PinnedHTTP
    return kind(host, port, address, timeout)
