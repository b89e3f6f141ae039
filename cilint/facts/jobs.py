"""What a job's scripts and variables say, worked out once per job for one run: its commands in run
order, the hosts it names and where each is written."""

from __future__ import annotations

from collections.abc import Iterable

from cilint.facts.references import Reference, job_references
from cilint.facts.scripts import JobScripts, ScriptAssignment, ScriptCommand, job_scripts
from cilint.models.pipeline import Job
from cilint.syntax.tree import Node


class JobFacts:
    """Per-job caches, keyed by the job object (jobs outlive one run's facts). It holds no project,
    so the runner facts that keep it refer to nothing that refers back to them."""

    __slots__ = ("_scripts", "_texts", "_references", "_hosts")

    def __init__(self) -> None:
        self._scripts: dict[int, JobScripts] = {}
        self._texts: dict[tuple[int, int], str] = {}
        self._references: dict[int, tuple[Reference, ...]] = {}
        self._hosts: dict[tuple[int, ...], dict[str, Node]] = {}

    def commands(self, job: Job) -> tuple[ScriptCommand, ...]:
        """The commands of `hooks:`, `before_script` + `script` and `after_script`, in run order."""
        return self.scripts(job).commands

    def assignments(self, job: Job) -> tuple[ScriptAssignment, ...]:
        """The variables the scripts set in their shells, in run order (facts/environment)."""
        return self.scripts(job).assignments

    def shell_text(self, job: Job, shell: int) -> str:
        """The text of one shell's script lines (0 hooks, 1 before_script + script, 2 after_script),
        to rule out a name before reading the scripts."""
        key = (id(job), shell)
        found = self._texts.get(key)
        if found is None:
            lines = job.hooks if shell == 0 else job.after_script if shell == 2 else (*job.before_script, *job.script)
            found = self._texts[key] = "\n".join(line.text for line in lines)
        return found

    def scripts(self, job: Job) -> JobScripts:
        found = self._scripts.get(id(job))
        if found is None:
            found = self._scripts[id(job)] = job_scripts(job)
        return found

    def references(self, job: Job) -> tuple[Reference, ...]:
        """Hosts the job names in its variables and its commands' targets."""
        found = self._references.get(id(job))
        if found is None:
            found = self._references[id(job)] = job_references(job, self.commands(job))
        return found

    def hosts(self, jobs: Iterable[Job]) -> dict[str, Node]:
        """Host -> where it is first written, over `jobs` (runners often share one set of jobs)."""
        chosen = tuple(jobs)
        key = tuple(map(id, chosen))
        found = self._hosts.get(key)
        if found is None:
            found = {}
            for job in chosen:
                for reference in self.references(job):
                    found.setdefault(reference.host, reference.node)
            self._hosts[key] = found
        return found
