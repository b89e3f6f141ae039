"""What a job's commands see of a variable: the job's `variables:` (or every runner's `environment`),
unless the job's own script set it earlier in the same shell (`export DOCKER_HOST=...`, `X=...`).

`before_script` and `script` run in one shell, `after_script` and `hooks:` each in another (docs:
ci/yaml#after_script), so an assignment counts from its line on, within its shell. An assignment
that may not run (inside `if`, a loop, after `&&`) leaves the value unknown; one whose value runs a
command (`$(...)`) too.
"""

from __future__ import annotations

from collections.abc import Callable

from cilint.facts.jobs import JobFacts
from cilint.facts.runners import RunnerChoice, effective_variable
from cilint.facts.scripts import ScriptAssignment, ScriptCommand
from cilint.models.pipeline import Job
from cilint.models.variables import Variable, expand

SCRIPT_ORIGIN = "script"


def shell_of(section: str) -> int:
    """Which shell a script section runs in: 1 `before_script` + `script`, 2 `after_script`, 0 a hook."""
    return 1 if section in ("before_script", "script") else 2 if section == "after_script" else 0


def variable_seen(job: Job, name: str, runners: tuple[RunnerChoice, ...], jobs: JobFacts,
                  at: ScriptCommand | None = None) -> Variable | None:
    """`name` as the command `at` sees it; `at` None: as the end of `before_script` + `script` does."""
    assigned = last_assignment(job, name, jobs, at)
    if assigned is None or assigned.assignment.value is None:  # `export X` keeps what X holds
        return effective_variable(job, name, runners)
    return as_variable(assigned)


def last_assignment(job: Job, name: str, jobs: JobFacts, at: ScriptCommand | None = None) -> ScriptAssignment | None:
    shell = shell_of(at.line.section) if at is not None else 1
    if name + "=" not in jobs.shell_text(job, shell):
        return None  # most jobs set none of the variables asked for: their scripts need no reading here
    found = None
    for item in jobs.assignments(job):
        if at is not None and item.order >= at.order:
            break
        if item.assignment.name == name and shell_of(item.line.section) == shell:
            found = item
    return found


def as_variable(item: ScriptAssignment) -> Variable:
    """A script assignment as a variable written on its script line; its value None when it cannot be
    known (a command substitution, or an assignment that may not run)."""
    assignment = item.assignment
    value = assignment.value.text if assignment.value is not None else None
    if assignment.conditional or (value is not None and ("$(" in value or "`" in value)):
        value = None
    return Variable(assignment.name, value, True, item.line.node, item.line.node, SCRIPT_ORIGIN)


def expander_at(job: Job, jobs: JobFacts, at: ScriptCommand) -> Callable[[str], str | None]:
    """Expand `$VAR` as the command `at` would: the job's variables, with what the script set before
    it in its shell over them; None while a name stays unknown."""
    overlay = {}
    for item in jobs.assignments(job):
        if item.order >= at.order:
            break
        if shell_of(item.line.section) == shell_of(at.line.section) and item.assignment.value is not None:
            overlay[item.assignment.name] = as_variable(item)
    variables = {**job.variables, **overlay} if overlay else job.variables

    def expand_seen(text: str) -> str | None:
        result = expand(text, variables)
        return None if result.unresolved else result.text

    return expand_seen
