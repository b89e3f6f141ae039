"""Facts about jobs, services and runners that several checks use."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cilint.loading.project import Project, RunnerChoice
from cilint.models.pipeline import Job
from cilint.models.variables import Variable

if TYPE_CHECKING:  # runner models load only for projects with runner configuration
    from cilint.models.runner import Runner


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


def known_executors(project: Project, job: Job) -> frozenset[str]:
    """Executors of the runners known to run `job`, else the project's `executor` setting."""
    found = {c.runner.executor for c in known_runners(project, job) if c.runner.executor}
    if found:
        return frozenset(found)
    return frozenset({project.config.executor}) if project.config.executor else frozenset()
