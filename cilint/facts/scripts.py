"""A job's scripts as commands in the order they run, and `$VAR` expansion through its variables."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from cilint.models.pipeline import Job, ScriptLine
from cilint.shell.bash import Assignment, Command, analyse


@dataclass(frozen=True, slots=True, eq=False)
class ScriptCommand:
    """One command of a job's scripts, with the line it is on and its place in the run order."""

    line: ScriptLine
    command: Command
    order: int  # position in the job's run order (before_script then script, then after_script)


@dataclass(frozen=True, slots=True, eq=False)
class ScriptAssignment:
    """A variable a job's script sets in its shell, with its place in the same run order: the
    commands after it (in the same shell) see the value."""

    line: ScriptLine  # its section says which shell it runs in (facts/environment.shell_of)
    assignment: Assignment
    order: int


@dataclass(frozen=True, slots=True, eq=False)
class JobScripts:
    commands: tuple[ScriptCommand, ...]
    assignments: tuple[ScriptAssignment, ...]


def job_scripts(job: Job) -> JobScripts:
    """The commands and the shell variable assignments of a job's scripts, in the order the job runs
    them: `hooks:` before the clone, then `before_script` and `script` in one shell (so a `set +e`
    carries over), then `after_script` in a new shell."""
    commands: list[ScriptCommand] = []
    assignments: list[ScriptAssignment] = []
    order = 0
    for sections in ((job.hooks,), (job.before_script, job.script), (job.after_script,)):
        errexit = True
        for section in sections:
            for line in section:
                script = analyse(line.text, errexit)
                errexit = script.errexit_after
                if not script.assignments:  # most lines: commands only, already in order
                    for command in script.commands:
                        commands.append(ScriptCommand(line, command, order))
                        order += 1
                    continue
                steps: list[tuple[int, Command | Assignment]] = sorted(
                    [(c.start, c) for c in script.commands] + [(a.start, a) for a in script.assignments],
                    key=lambda step: step[0])
                for _, step in steps:
                    if isinstance(step, Command):
                        commands.append(ScriptCommand(line, step, order))
                    else:
                        assignments.append(ScriptAssignment(line, step, order))
                    order += 1
    return JobScripts(tuple(commands), tuple(assignments))


def expander(job: Job) -> Callable[[str], str | None]:
    """Expand `$VAR` through the job's variables; None while a name stays unknown."""

    def expand(text: str) -> str | None:
        result = job.expand(text)
        return None if result.unresolved else result.text

    return expand
