"""Writes to /etc/resolv.conf in job scripts and runner scripts."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cilint.facts.jobs import JobFacts
from cilint.facts.positions import Positions
from cilint.facts.runners import RunnerChoices
from cilint.findings import Location
from cilint.loading.project import Project
from cilint.models.pipeline import Job
from cilint.shell.bash import Command, analyse
from cilint.syntax.tree import ScalarNode

if TYPE_CHECKING:  # runner models load only for projects with runner configuration
    from cilint.models.runner import Runner, Setting


RESOLV_CONF = "/etc/resolv.conf"
_WRITERS = {"tee", "cp", "mv", "ln", "install", "dd"}


def writes_resolv_conf(command: Command) -> bool:
    if any(r.target.text == RESOLV_CONF and r.operator.lstrip("0123456789&").startswith(">") for r in command.redirects):
        return True
    args = [a.text for a in command.args]
    if command.name == "sed" and any(a.startswith("-i") or a == "--in-place" for a in args):
        return RESOLV_CONF in args
    if command.name in _WRITERS:
        return bool(args) and (args[-1] == RESOLV_CONF or f"of={RESOLV_CONF}" in args)
    return False


def written_text(command: Command) -> str | None:
    """The whole text a command writes over /etc/resolv.conf, when it is in the script:
    `echo "nameserver 10.0.0.2" > /etc/resolv.conf`, `printf 'nameserver %s\n' ...` is not."""
    replaces = any(r.target.text == RESOLV_CONF and r.operator.lstrip("0123456789&") == ">" for r in command.redirects)
    if not replaces or command.name != "echo" or not all(a.literal for a in command.args):
        return None
    args = [a.text for a in command.args]
    escapes = "-e" in args
    text = " ".join(a for a in args if a not in ("-e", "-n"))
    return text.replace("\\n", "\n") if escapes else text


def writes_etc_hosts(command: Command) -> bool:
    if any(r.target.text == "/etc/hosts" and r.operator.startswith(">") for r in command.redirects):
        return True
    return command.name == "tee" and any(a.text == "/etc/hosts" for a in command.args)


def etc_hosts_names(command: Command) -> set[str]:
    """The names a command that writes /etc/hosts adds (`echo "$IP name other" >> /etc/hosts`)."""
    if not writes_etc_hosts(command) or command.name not in ("echo", "printf", "tee"):
        return set()
    words = [w for a in command.args for w in a.text.split() if not w.startswith("-") and w != "/etc/hosts"]
    return {w.lower() for w in words[1:] if "$" not in w and not w.startswith("%")}


@dataclass(frozen=True, slots=True, eq=False)
class Write:
    """A command that rewrites /etc/resolv.conf, and where it runs."""

    command: Command
    location: Location
    where: str  # "job `x` (before_script)" or "runner `r` pre_get_sources_script"
    setting: Setting | None = None  # the runner script setting, when in a runner config
    runner: Runner | None = None
    job_executors: frozenset[str] = frozenset()
    job: Job | None = None  # the job whose script it is


def resolv_conf_writes(project: Project, job_facts: JobFacts, choices: RunnerChoices, positions: Positions) -> Iterator[Write]:
    """Commands of jobs and runner scripts that write /etc/resolv.conf."""
    for job in project.jobs():
        if not any(RESOLV_CONF in line.text for line in (*job.hooks, *job.script_lines())):
            continue
        for item in job_facts.commands(job):
            if writes_resolv_conf(item.command):
                yield Write(item.command, positions.inside(item.line.node, item.command.start, item.command.end),
                            f"job `{job.name}` ({item.line.section})", job_executors=choices.possible_executors(job),
                            job=job)
    for _, runner in project.runners:
        for setting in runner.scripts():
            if not isinstance(setting.node, ScalarNode) or not isinstance(setting.value, str):
                continue
            if RESOLV_CONF not in setting.value:
                continue
            for command in analyse(setting.value).commands:
                if writes_resolv_conf(command):
                    yield Write(command, positions.inside(setting.node, command.start, command.end),
                                f"runner `{runner.name}` {setting.key}", setting, runner)
