"""Images and services: Docker-in-Docker services, musl-based images, `--dns` flags, the docker client image."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cilint.data import load
from cilint.facts.runners import RunnerChoice
from cilint.facts.scripts import ScriptCommand
from cilint.models.images import parse_image
from cilint.models.pipeline import Image, Job, Service
from cilint.syntax.tree import Node, SeqNode

_DIND = re.compile(r"(^|/)docker:([0-9][0-9.]*-)?dind(-rootless)?(-alpine[0-9.]*)?$")
_DNS_FLAG = re.compile(r"^--dns(?:=(?P<value>.*))?$")
IMAGE_COMMANDS = {"build", "pull", "push", "login", "buildx", "compose", "run", "tag", "image"}


def image_facts() -> dict[str, Any]:
    return load("images.toml")


def is_dind(service: Service) -> bool:
    """A Docker-in-Docker daemon service (dns-catalog.md section 0, "dind service detection")."""
    name = service.name.lower()
    return bool(_DIND.search(name)) or "dind" in (parse_image(name).tag or "") or "dind" in name.rsplit("/", 1)[-1]


# GitLab's predefined Dependency Proxy prefixes (docs: user/packages/dependency_proxy): what they
# stand for, so that `$CI_DEPENDENCY_PROXY_GROUP_IMAGE_PREFIX/docker:dind` reads as a proxied image.
_DEPENDENCY_PROXY_PREFIX = re.compile(
    r"^\$\{?CI_DEPENDENCY_PROXY_(?:DIRECT_)?GROUP_IMAGE_PREFIX\}?/", re.IGNORECASE)


@lru_cache(maxsize=1024)
def is_docker_library_dind(reference: str) -> bool:
    """A dind tag of the Docker Official Image `docker` (not a third-party image named like it),
    whose entrypoint's TLS default cilint knows."""
    text = _DEPENDENCY_PROXY_PREFIX.sub("gitlab.invalid/group/dependency_proxy/containers/", reference.strip().lower())
    image = parse_image(text)
    if "dind" not in (image.tag or ""):
        return False
    return bool(_docker_library().match(image.path))


@lru_cache(maxsize=1)
def _docker_library() -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{fnmatch.translate(p)})" for p in image_facts()["docker_library_repositories"]))


@lru_cache(maxsize=1024)
def is_musl_image(reference: str) -> bool:
    facts = image_facts()
    image = parse_image(reference.lower())
    tag = image.tag or ""
    if any(fragment in tag for fragment in facts["musl_tag_fragments"]):
        return True
    return bool(_musl_repositories().match(image.path))


@lru_cache(maxsize=1)
def _musl_repositories() -> re.Pattern[str]:
    """The `musl_repositories` globs of images.toml as one pattern."""
    return re.compile("|".join(f"(?:{fnmatch.translate(p)})" for p in image_facts()["musl_repositories"]))


@dataclass(frozen=True, slots=True, eq=False)
class DnsFlag:
    """A `--dns` server given to a command."""

    value: str  # the server given
    node: Node  # the command item holding it


def dns_flags(service: Service) -> Iterator[DnsFlag]:
    """`--dns=X` / `--dns X` items in a service's `command`."""
    items = service.command_node.items if isinstance(service.command_node, SeqNode) else []
    texts = list(service.command)
    for index, text in enumerate(texts):
        match = _DNS_FLAG.match(text.strip())
        if not match or index >= len(items):
            continue
        value = match.group("value")
        if value is None and index + 1 < len(texts):
            value = texts[index + 1]
        yield DnsFlag((value or "").strip(), items[index])


def uses_docker_images(commands: tuple[ScriptCommand, ...]) -> bool:
    """A job with these commands pulls, builds, pushes or runs images through a docker client."""
    for item in commands:
        command = item.command
        if command.name in ("docker", "podman") and command.args and command.args[0].text in IMAGE_COMMANDS:
            return True
        if command.name in ("docker-compose",):
            return True
    return False


def job_image(job: Job, runners: tuple[RunnerChoice, ...] = ()) -> Image | None:
    """The job's image: its own, else the default image of the runners known to run it (when they agree)."""
    if job.image is not None:
        return job.image
    defaults = {c.runner.docker.text("image") or c.runner.kubernetes.text("image") for c in runners}
    if len(defaults) == 1 and None not in defaults:
        name = defaults.pop()
        assert name is not None
        return Image(name, job.key)
    return None


def is_docker_cli_image(job: Job, runners: tuple[RunnerChoice, ...] = ()) -> bool:
    """The job runs in the `docker` image with its own entrypoint, which points the client at the
    dind service (an `entrypoint:` override replaces it)."""
    image = job_image(job, runners)
    if image is None or image.entrypoint is not None:
        return False
    expansion = job.expand(image.name)
    text = re.sub(r"\$\{?[A-Za-z0-9_]+\}?", "", expansion.text) if expansion.unresolved else expansion.text
    # The dind image also holds the client; jobs that use it as their image are given the benefit of the doubt.
    return parse_image(text).short_name.lower() == "docker"


_ALPINE_TAG = re.compile(r"(?:^|[-_])alpine(\d+)\.(\d+)")
_VERSION_TAG = re.compile(r"^v?(\d+)\.(\d+)")


def before_tcp_fallback(major: int, minor: int) -> bool:
    since = tuple(int(p) for p in image_facts()["musl_tcp_fallback_since"].split("."))
    return (major, minor) < since


def old_alpine(reference: str) -> str | None:
    """The Alpine release of an image when it predates musl's TCP fallback, else None."""
    image = parse_image(reference.lower())
    tag = image.tag or ""
    match = _ALPINE_TAG.search(tag)
    if match and before_tcp_fallback(int(match.group(1)), int(match.group(2))):
        return f"{match.group(1)}.{match.group(2)}"
    if image.short_name == "alpine":
        match = _VERSION_TAG.match(tag)
        if match and before_tcp_fallback(int(match.group(1)), int(match.group(2))):
            return f"{match.group(1)}.{match.group(2)}"
    return None
