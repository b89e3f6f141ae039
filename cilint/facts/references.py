"""The hosts a job names (variables, command targets) and the names its services get."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from cilint.facts.scripts import ScriptCommand, expander
from cilint.models.pipeline import Job, Service
from cilint.facts.hosts import is_ip
from cilint.shell.network import command_targets, hosts_in_text
from cilint.syntax.tree import Node

_HOST_NAMES = re.compile(r"(_HOST|_HOSTNAME|_URL|_URI|_ADDR|_ADDRESS|_ENDPOINT|_SERVER|_DSN)$", re.IGNORECASE)
_DOTTED_NUMBER = re.compile(r"^[0-9.]+$")
_BARE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$")


@dataclass(frozen=True, slots=True, eq=False)
class Reference:
    """A hostname a job uses, and where it is written."""

    host: str
    node: Node  # where the name is written
    via: str  # "variable `X`", "script", ...


@lru_cache(maxsize=4096)  # every job repeats the pipeline's global variables
def variable_hosts(name: str, value: str) -> tuple[str, ...]:
    """Hosts a variable value names: URLs and host:port always; a bare name only when the variable's
    name says it holds a host (`DB_HOST: postgres`, `REGISTRY_HOST: registry.example.com`). A bare
    dotted value of another variable is as likely a version (`PY_VERSION: 3.12`) or a file
    (`TF_FILE: config.tar.gz`); where the job uses it as a host (`curl https://$API/`, a URL in
    another variable) the use is the reference. A dotted number is never a name (an IPv4 address is
    an address)."""
    stripped = value.strip()
    found = tuple(h for h in hosts_in_text(stripped) if not _DOTTED_NUMBER.match(h) or is_ip(h))
    if found:
        return found
    if _HOST_NAMES.search(name) and _BARE.match(stripped) and (not _DOTTED_NUMBER.match(stripped) or is_ip(stripped)):
        return (stripped.rstrip(".").lower(),)
    return ()


def job_references(job: Job, commands: tuple[ScriptCommand, ...]) -> tuple[Reference, ...]:
    """Hosts a job names: URLs and host names in its variables, and its commands' network targets."""
    return tuple(_references(job, commands))


def _references(job: Job, commands: tuple[ScriptCommand, ...]) -> Iterator[Reference]:
    for variable in job.variables.values():
        value = variable.value
        if value is None:
            continue
        if "$" in value:  # most values have nothing to expand
            expansion = job.expand(value)
            if expansion.unresolved:
                continue
            value = expansion.text
        for host in variable_hosts(variable.name, value):
            yield Reference(host, variable.node, f"variable `{variable.name}`")
    expand = expander(job)
    for item in commands:
        for target in command_targets(item.command, expand):
            if not _DOTTED_NUMBER.match(target.host) or is_ip(target.host):
                yield Reference(target.host, item.line.node, f"`{target.tool}` in the script")


def service_names(job: Job, service: Service) -> set[str]:
    """Hostnames the runner gives the service: its aliases and the names derived from its image (those
    that can be worked out: an image name with an unknown variable derives none)."""
    derived = service.derived_aliases(job.variables)
    return {a.lower() for a in service.aliases} | {a.lower() for a in derived or ()}
