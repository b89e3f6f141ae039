"""Facts about jobs, services and runners that several checks use."""

from __future__ import annotations

import fnmatch
import ipaddress
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from cilint.data import load
from cilint.models.images import parse_image
from cilint.models.pipeline import Image, Job, Service
from cilint.loading.project import Project, RunnerChoice
from cilint.models.variables import Variable
from cilint.syntax.yaml import YNode, YSeq

if TYPE_CHECKING:  # runner models load only for projects with runner configuration
    from cilint.models.runner import Runner

_DIND = re.compile(r"(^|/)docker:([0-9][0-9.]*-)?dind(-rootless)?(-alpine[0-9.]*)?$")
_DNS_FLAG = re.compile(r"^--dns(?:=(?P<value>.*))?$")
IMAGE_COMMANDS = {"build", "pull", "push", "login", "buildx", "compose", "run", "tag", "image"}


def image_facts() -> dict[str, Any]:
    return load("images.toml")


def is_dind(service: Service) -> bool:
    """A Docker-in-Docker daemon service (dns-catalog.md section 0, "dind service detection")."""
    name = service.name.lower()
    return bool(_DIND.search(name)) or "dind" in (parse_image(name).tag or "") or "dind" in name.rsplit("/", 1)[-1]


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


def is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


@dataclass(frozen=True, slots=True, eq=False)
class DnsFlag:
    """A `--dns` server given to a command."""

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


def known_runners(project: Project, job: Job) -> tuple[RunnerChoice, ...]:
    """Runners known to run `job`: mapped by tags in `[tool.cilint]`, or given with --runner-config.

    Runner files merely found in a repository (chart defaults, examples, test data) are often not
    the pipeline's runners; claims that depend on a runner's settings use only these."""
    return tuple(
        c for c in project.runners_for(job)
        if c.reason == "tags" or c.config.path in project.given_runner_configs
    )


def effective_variable(job: Job, name: str, runners: tuple[RunnerChoice, ...] = ()) -> Variable | None:
    """A job's variable as the job gets it: its own or global definition, else a runner's
    `environment` when every given runner agrees."""
    variable = job.variables.get(name)
    if variable is not None:
        return variable
    found = [c.runner.environment.get(name) for c in runners]
    if found and all(v is not None for v in found) and len({v.value for v in found if v}) == 1:
        return found[0]
    return None


def job_flag(job: Job, runners: tuple[RunnerChoice, ...], name: str) -> bool:
    """A feature flag as the job gets it (runner `[runners.feature_flags]` locks it)."""
    for choice in runners:
        locked = choice.runner.feature_flags.get(name)
        if locked is not None and isinstance(locked.value, bool):
            return locked.value
    variable = job.variables.get(name)
    if variable is not None:
        return truthy(variable.value)
    return any(c.runner.feature_flag(name) for c in runners)


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


def known_executors(project: Project, job: Job) -> frozenset[str]:
    """Executors of the runners known to run `job`, else the project's `executor` setting."""
    found = {c.runner.executor for c in known_runners(project, job) if c.runner.executor}
    if found:
        return frozenset(found)
    return frozenset({project.config.executor}) if project.config.executor else frozenset()
