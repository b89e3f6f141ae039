"""Which runners may run a job and what they give it: executors, variables, feature flags."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from cilint.findings import Confidence
from cilint.loading.project import Project
from cilint.models.pipeline import Job
from cilint.models.variables import Variable

if TYPE_CHECKING:  # runner models load only for projects with runner configuration
    from cilint.models.runner import Runner, RunnerConfig


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


@dataclass(frozen=True, slots=True, eq=False)
class RunnerChoice:
    """A runner that may run a job, and why cilint thinks so (for the finding's message)."""

    runner: Runner
    config: RunnerConfig
    reason: str  # "tags" (mapped in [tool.cilint]) or "unmapped" (every runner is considered)


class RunnerChoices:
    """The runners and executors of each job, worked out once per job for one run.

    *Possible* runners are every runner that may pick the job up: without a `[[tool.cilint.runners]]`
    mapping that is every runner file found in the repository. *Confirmed* runners are those mapped
    by tags or given with --runner-config: runner files merely found (chart defaults, examples, test
    data) are often not the pipeline's runners, so claims that depend on a runner's settings use
    only these."""

    __slots__ = ("project", "_possible", "_presumed")

    def __init__(self, project: Project) -> None:
        self.project = project
        self._possible: dict[int, tuple[RunnerChoice, ...]] = {}
        self._presumed: dict[int, tuple[tuple[RunnerChoice, ...], Confidence]] = {}

    def possible(self, job: Job) -> tuple[RunnerChoice, ...]:
        found = self._possible.get(id(job))
        if found is None:
            found = self._possible[id(job)] = _possible_runners(self.project, job)
        return found

    def confirmed(self, job: Job) -> tuple[RunnerChoice, ...]:
        given = self.project.given_runner_configs
        return tuple(c for c in self.possible(job) if c.reason == "tags" or c.config.path in given)

    def presumed(self, job: Job) -> tuple[RunnerChoice, ...]:
        """The confirmed runners; else, without a mapping, the project's only runner: a runner file
        that is the only runner configuration found is taken to be the jobs' (medium confidence)."""
        return self._presumption(job)[0]

    def runner_confidence(self, job: Job) -> Confidence:
        """How sure a claim about the job's runner can be: high for confirmed runners, medium for the
        only runner file found, low with none (the executor setting or nothing)."""
        return self._presumption(job)[1]

    def _presumption(self, job: Job) -> tuple[tuple[RunnerChoice, ...], Confidence]:
        found = self._presumed.get(id(job))
        if found is None:
            confirmed = self.confirmed(job)
            if confirmed:
                found = (confirmed, Confidence.HIGH)
            elif self.project.config.runners or len(self.project.runners) != 1 or \
                    _chart_defaults(self.project.runners[0][0], self.project):
                found = ((), Confidence.LOW)
            else:
                found = (self.possible(job), Confidence.MEDIUM)
            self._presumed[id(job)] = found
        return found

    def presumed_executors(self, job: Job) -> frozenset[str]:
        """Executors of the presumed runners, else the `executor` setting, else empty."""
        return self._executors(self.presumed(job))

    def possible_executors(self, job: Job) -> frozenset[str]:
        """Executors of the possible runners, else the `executor` setting, else empty."""
        return self._executors(self.possible(job))

    def confirmed_executors(self, job: Job) -> frozenset[str]:
        """Executors of the confirmed runners, else the `executor` setting, else empty."""
        return self._executors(self.confirmed(job))

    def _executors(self, choices: tuple[RunnerChoice, ...]) -> frozenset[str]:
        found = {c.runner.executor for c in choices if c.runner.executor}
        if found:
            return frozenset(found)
        executor = self.project.config.executor
        return frozenset({executor}) if executor else frozenset()


def _chart_defaults(config: RunnerConfig, project: Project) -> bool:
    """Helm values beside a pipeline file: the directory is the chart's own repository (its pipeline
    lints and releases the chart), so the values are the chart's defaults, not this pipeline's runner."""
    if config.kind != "helm":
        return False
    directory = config.path.rpartition("/")[0]
    return any(p.path.rpartition("/")[0] == directory for p in project.pipelines)


def _possible_runners(project: Project, job: Job) -> tuple[RunnerChoice, ...]:
    """`config.toml` holds no tags, so without a `[[tool.cilint.runners]]` mapping every runner found
    is considered. With one, GitLab's rule applies: a runner needs all of the job's tags, and an
    untagged job needs a runner that runs untagged jobs. Mapped names not found are ignored."""
    mapping = project.config.runners
    if not mapping:
        return tuple(RunnerChoice(r, c, "unmapped") for c, r in project.runners)
    chosen = []
    for config, runner in project.runners:
        entry = next((m for m in mapping if m.name == runner.name), None)
        if entry is None:
            continue
        if (job.tags and set(job.tags) <= set(entry.tags)) or (not job.tags and entry.run_untagged):
            chosen.append(RunnerChoice(runner, config, "tags"))
    return tuple(chosen)


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


# An IPv4 link carries at least 68 bytes (RFC 791) and at most 65535; the kernel refuses an interface
# MTU outside that range, so Docker cannot create a network with it.
MIN_MTU, MAX_MTU = 68, 65535


def valid_mtu(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and MIN_MTU <= value <= MAX_MTU
