"""Facts about jobs, services and runners that several checks use."""

from __future__ import annotations

import fnmatch
import ipaddress
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources

from cilint.models.images import parse_image
from cilint.models.pipeline import Job, Service
from cilint.models.project import Project
from cilint.models.runner import Runner
from cilint.syntax.yaml import YNode, YSeq

_DIND = re.compile(r"(^|/)docker:([0-9][0-9.]*-)?dind(-rootless)?(-alpine[0-9.]*)?$")
_DNS_FLAG = re.compile(r"^--dns(?:=(?P<value>.*))?$")
IMAGE_COMMANDS = {"build", "pull", "push", "login", "buildx", "compose", "run", "tag", "image"}


@cache
def _image_facts() -> dict[str, list[str]]:
    text = resources.files("cilint.data").joinpath("images.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def is_dind(service: Service) -> bool:
    """A Docker-in-Docker daemon service (dns-catalog.md section 0, "dind service detection")."""
    name = service.name.lower()
    return bool(_DIND.search(name)) or "dind" in (parse_image(name).tag or "") or "dind" in name.rsplit("/", 1)[-1]


def is_musl_image(reference: str) -> bool:
    facts = _image_facts()
    image = parse_image(reference.lower())
    tag = image.tag or ""
    if any(fragment in tag for fragment in facts["musl_tag_fragments"]):
        return True
    return any(fnmatch.fnmatchcase(image.path, pattern) for pattern in facts["musl_repositories"])


def is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


@dataclass(frozen=True, slots=True)
class DnsFlag:
    value: str  # the server given
    node: YNode  # the command item holding it


def dns_flags(service: Service) -> Iterator[DnsFlag]:
    """`--dns=X` / `--dns X` items in a service's `command`."""
    items = service.command_node.items if isinstance(service.command_node, YSeq) else []
    texts = list(service.command)
    for index, text in enumerate(texts):
        match = _DNS_FLAG.match(text.strip())
        if not match or index >= len(items):
            continue
        value = match.group("value")
        if value is None and index + 1 < len(texts):
            value = texts[index + 1]
        yield DnsFlag((value or "").strip(), items[index])


def truthy(value: str | None) -> bool:
    return value is not None and value.strip().lower() in ("1", "true", "t", "yes", "on")


def network_per_build(job: Job, runner: Runner | None) -> bool:
    """FF_NETWORK_PER_BUILD as the job gets it: locked runner flag, else job/global variables, else
    the runner environment; ignored when `[runners.docker] network_mode` is set (facts 4.3)."""
    if runner is not None and runner.docker.text("network_mode"):
        return False
    if runner is not None:
        locked = runner.feature_flags.get("FF_NETWORK_PER_BUILD")
        if locked is not None and isinstance(locked.value, bool):
            return locked.value
    variable = job.variables.get("FF_NETWORK_PER_BUILD")
    if variable is not None:
        return truthy(variable.value)
    return bool(runner is not None and runner.feature_flag("FF_NETWORK_PER_BUILD"))


def uses_docker_images(job: Job, project: Project | None = None) -> bool:
    """The job pulls, builds, pushes or runs images through a docker client."""
    from cilint.checks.context import job_commands

    for item in job_commands(job, project):
        command = item.command
        if command.name in ("docker", "podman") and command.args and command.args[0].text in IMAGE_COMMANDS:
            return True
        if command.name in ("docker-compose",):
            return True
    return False


DOCKER_EXECUTORS = frozenset({"docker", "docker+machine", "docker-autoscaler", "docker-windows"})
