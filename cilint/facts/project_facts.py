"""The facts of one project for one run: created by the engine, handed to every check, dropped
with the run. Each fact is worked out on first use (most runs select only some rules)."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cached_property
from typing import TYPE_CHECKING

from cilint.facts.dind import DindSetup, dind_setups
from cilint.facts.job_networks import job_networks
from cilint.facts.jobs import JobFacts
from cilint.facts.lookup import Lookup, lookup
from cilint.facts.positions import Positions
from cilint.facts.references import Reference
from cilint.facts.resolution import JobNetwork
from cilint.facts.resolv_conf import Write, resolv_conf_writes
from cilint.facts.runner_jobs import RunnerJobs, runner_jobs
from cilint.facts.runners import RunnerChoice, RunnerChoices
from cilint.facts.scripts import ScriptCommand
from cilint.loading.project import Project
from cilint.models.pipeline import Job
from cilint.syntax.tree import Node

if TYPE_CHECKING:  # runner models load only for projects with runner configuration
    from cilint.models.runner import Runner


class Facts:
    """What several rules derive from one project. Nothing it holds refers back to it."""

    def __init__(self, project: Project, jobs: JobFacts | None = None) -> None:
        """`jobs`: per-job caches to share with other runs over the same jobs (the variants)."""
        self.project = project
        self.jobs = jobs if jobs is not None else JobFacts()
        self.runners = RunnerChoices(project)
        self._networks: dict[int, list[JobNetwork]] = {}

    def commands(self, job: Job) -> tuple[ScriptCommand, ...]:
        return self.jobs.commands(job)

    def references(self, job: Job) -> tuple[Reference, ...]:
        return self.jobs.references(job)

    def hosts(self, job: Job) -> Iterator[tuple[str, Node]]:
        """Hosts the job names, with where each is written."""
        return ((r.host, r.node) for r in self.jobs.references(job))

    def possible_runners(self, job: Job) -> tuple[RunnerChoice, ...]:
        return self.runners.possible(job)

    def confirmed_runners(self, job: Job) -> tuple[RunnerChoice, ...]:
        return self.runners.confirmed(job)

    def possible_executors(self, job: Job) -> frozenset[str]:
        return self.runners.possible_executors(job)

    def confirmed_executors(self, job: Job) -> frozenset[str]:
        return self.runners.confirmed_executors(job)

    def networks(self, job: Job) -> list[JobNetwork]:
        """The job's containers and their resolvers on each runner that may run it (facts/resolution)."""
        found = self._networks.get(id(job))
        if found is None:
            found = self._networks[id(job)] = job_networks(job, self.runners.possible(job),
                                                           self.project.config.executor, self.jobs)
        return found

    def lookups(self, job: Job, name: str, container: str = "build") -> list[Lookup]:
        """`name` looked up in one of the job's containers, on each runner that may run it (facts/lookup):
        what `cilint trace` shows."""
        found = []
        for network in self.networks(job):
            chosen = network.container(container)
            if chosen is not None:
                found.append(lookup(name, chosen, network))
        return found

    @cached_property
    def positions(self) -> Positions:
        return Positions(self.project)

    @cached_property
    def dind_setups(self) -> tuple[DindSetup, ...]:
        return dind_setups(self.project, self.runners, self.jobs)

    @cached_property
    def runner_jobs(self) -> tuple[RunnerJobs, ...]:
        return runner_jobs(self.project, self.runners, self.jobs)

    def runner_jobs_of(self, runner: Runner) -> RunnerJobs | None:
        return next((rj for rj in self.runner_jobs if rj.runner is runner), None)

    @cached_property
    def resolv_conf_writes(self) -> tuple[Write, ...]:
        return tuple(resolv_conf_writes(self.project, self.jobs, self.runners, self.positions))
