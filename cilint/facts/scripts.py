"""A job's scripts as commands in the order they run, and `$VAR` expansion through its variables."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from cilint.models.pipeline import Job, ScriptLine
from cilint.shell.bash import Command, analyse


@dataclass(frozen=True, slots=True, eq=False)
class ScriptCommand:
    """One command of a job's scripts, with the line it is on and its place in the run order."""

    line: ScriptLine
    command: Command
    order: int  # position in the job's run order (before_script then script, then after_script)


def job_commands(job: Job) -> tuple[ScriptCommand, ...]:
    """Commands in the order the job runs them: `hooks:` before the clone, then `before_script` and
    `script` in one shell (so a `set +e` carries over), then `after_script` in a new shell."""
    return tuple(_job_commands(job))


def _job_commands(job: Job) -> Iterator[ScriptCommand]:
    order = 0
    for sections in ((job.hooks,), (job.before_script, job.script), (job.after_script,)):
        errexit = True
        for section in sections:
            for line in section:
                script = analyse(line.text, errexit)
                errexit = script.errexit_after
                for command in script.commands:
                    yield ScriptCommand(line, command, order)
                    order += 1


def expander(job: Job) -> Callable[[str], str | None]:
    """Expand `$VAR` through the job's variables; None while a name stays unknown."""

    def expand(text: str) -> str | None:
        result = job.expand(text)
        return None if result.unresolved else result.text

    return expand
