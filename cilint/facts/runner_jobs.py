"""Each runner with the jobs that may run on it, the hosts they name and the musl images in use."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from cilint.facts.hosts import (
    is_cluster_name,
    is_internal_address,
    is_partial_name,
    looks_like_cluster_dns,
)
from cilint.facts.images import image_facts, is_dind, is_musl_image
from cilint.facts.jobs import JobFacts
from cilint.facts.runners import RunnerChoices
from cilint.findings import Confidence, Subject
from cilint.loading.project import Project
from cilint.models.pipeline import Job
from cilint.shell.network import hosts_in_text
from cilint.syntax.nodes import scalar_text
from cilint.syntax.tree import Node

if TYPE_CHECKING:  # runner models load only for projects with runner configuration
    from cilint.models.runner import Runner, RunnerConfig, Setting


def default_image(runner: Runner) -> Setting | None:
    """The image a runner gives a job that sets no `image:` (`[runners.docker]` or
    `[runners.kubernetes]` `image`, by its executor)."""
    table = runner.kubernetes if runner.executor == "kubernetes" else runner.docker
    setting = table.setting("image")
    return setting if setting is not None and scalar_text(setting.node) else None


def helper_is_musl(runner: Runner) -> bool:
    facts = image_facts()
    table = runner.kubernetes if runner.executor == "kubernetes" else runner.docker
    helper = table.text("helper_image")
    if helper:
        return is_musl_image(helper)
    flavor = table.text("helper_image_flavor") or facts["helper_default_flavor"]
    return any(fnmatch.fnmatchcase(flavor, p) for p in facts["helper_musl_flavors"])


@dataclass(frozen=True, eq=False)
class RunnerJobs:
    """A runner, the jobs that may run on it, the hosts they name and whether musl images are in use."""

    config: RunnerConfig
    runner: Runner
    jobs: tuple[Job, ...]
    musl_images: tuple[str, ...]  # musl images in use (helper first)
    unmapped: bool
    job_facts: JobFacts = field(repr=False)
    # that `jobs` run on this runner: high when mapped or given with --runner-config, medium for the
    # project's only runner file, low when every runner file found gets every job
    jobs_confidence: Confidence = Confidence.HIGH

    def own_hosts(self) -> set[str]:
        """The hosts of the runner's own settings (URL, cache server), not its jobs'."""
        return {h for h, node in self.hosts.items() if node.path == self.runner.path}

    def subjects(self, names: Iterable[str]) -> tuple[Subject, ...]:
        """Where each name is looked up: in the container of the first of the runner's jobs that uses it,
        or, for the runner's own (its GitLab URL, cache server), in the helper of its first job."""
        found = []
        own = self.own_hosts()
        for name in names:
            job = next((j for j in self.jobs if any(r.host == name for r in self.job_facts.references(j))), None)
            if job is not None:
                found.append(Subject(job.name, name))
            elif name in own:
                found.append(Subject(self.jobs[0].name, name, "helper") if self.jobs else
                             Subject("", name, "helper", self.runner.name))
        return tuple(found)

    def confidence_for(self, hosts: Iterable[str]) -> Confidence:
        """Of a claim about these hosts: high when one is the runner's own, else how sure the jobs are its."""
        return Confidence.HIGH if set(hosts) & self.own_hosts() else self.jobs_confidence

    @property
    def musl_confidence(self) -> Confidence:
        """Of "musl images are in use": high when the runner's own helper image is one."""
        return Confidence.HIGH if "helper image" in self.musl_images else self.jobs_confidence

    @property
    def jobs_on_default_image(self) -> tuple[Job, ...]:
        """The runner's jobs that set no `image:` and so run its default image."""
        return tuple(job for job in self.jobs if job.image is None)

    @cached_property
    def hosts(self) -> dict[str, Node]:
        """Host -> where it is named first: the runner's own, then its jobs' (variables and commands).
        Worked out on first use: only some rules need them, and for a project's jobs that means
        reading every script."""
        hosts: dict[str, Node] = {}
        runner = self.runner
        for key in ("url", "clone_url"):
            setting = runner.table.setting(key)
            for host in hosts_in_text(runner.table.text(key) or ""):
                hosts.setdefault(host, setting.node if setting else runner.table.node)  # type: ignore[arg-type]
        if self.config.helm_values is not None and runner.url is None:
            node = self.config.helm_values.get("gitlabUrl")
            for host in hosts_in_text(scalar_text(node) or ""):
                hosts.setdefault(host, node)  # type: ignore[arg-type]
        address = runner.table.table("cache").table("s3").setting("ServerAddress")
        if address is not None:
            text = scalar_text(address.node) or ""
            host = urlsplit(text if "://" in text else f"//{text}").hostname
            if host:
                hosts.setdefault(host.lower(), address.node)
        for host, node in self.job_facts.hosts(self.jobs).items():
            hosts.setdefault(host, node)
        return hosts


def runner_jobs(project: Project, choices: RunnerChoices, job_facts: JobFacts) -> tuple[RunnerJobs, ...]:
    return tuple(_runner_jobs(project, choices, job_facts))


def _runner_jobs(project: Project, choices: RunnerChoices, job_facts: JobFacts) -> Iterator[RunnerJobs]:
    # What each job contributes is worked out once per job: without a runner mapping every runner
    # gets every job, and per (runner, job) pair this was most of a run's check time on projects
    # with many runner files.
    if not project.runner_configs:
        return
    per_job = []
    for job in project.jobs():
        runner_ids = frozenset(id(c.runner) for c in choices.possible(job))
        images = ([job.image.name] if job.image else []) + [s.name for s in job.services if not is_dind(s)]
        musl = [i for i in images if is_musl_image(job.expand(i).text)]
        per_job.append((job, runner_ids, musl))
    for config, runner in project.runners:
        chosen = [(job, musl) for job, runner_ids, musl in per_job if id(runner) in runner_ids]
        musl = (["helper image"] if helper_is_musl(runner) else []) + [i for _, images in chosen for i in images]
        image = default_image(runner)
        name = scalar_text(image.node) if image is not None else None
        if name and is_musl_image(name) and any(job.image is None for job, _ in chosen):
            musl.append(name)  # the default image of the jobs that set none
        unmapped = not project.config.runners and bool(chosen)
        if not unmapped or config.path in project.given_runner_configs:
            confidence = Confidence.HIGH
        else:
            confidence = Confidence.MEDIUM if choices.presumed(chosen[0][0]) else Confidence.LOW
        yield RunnerJobs(config, runner, tuple(job for job, _ in chosen), tuple(dict.fromkeys(musl)),
                         unmapped=unmapped, job_facts=job_facts, jobs_confidence=confidence)


def _musl_note(rj: RunnerJobs) -> str:
    shown = ", ".join(f"`{m}`" if m != "helper image" else "the Alpine helper image" for m in rj.musl_images[:3])
    return f"musl images are in use ({shown})"


def lost_cluster_names(rj: RunnerJobs, policy: str, nameservers: tuple[str, ...], searches: tuple[str, ...]) -> list[str]:
    """Cluster names the runner's jobs use that a pod with this DNS policy cannot resolve."""
    if policy not in ("Default", "None"):
        return []
    if policy == "None" and any(looks_like_cluster_dns(s) for s in nameservers) and any(
            s.endswith("svc.cluster.local") or s == "cluster.local" for s in searches):
        return []
    # a partial name (`redis.cache`: Service `redis` in namespace `cache`) resolves only through the
    # cluster search list too
    return sorted(h for h in rj.hosts if is_cluster_name(h) or is_partial_name(h) or _runner_single_label(h, rj))


def _runner_single_label(host: str, rj: RunnerJobs) -> bool:
    """A single-label name from the runner's own settings (GitLab URL, cache server): a Service."""
    if "." in host or host in ("localhost",) or is_internal_address(host) is not None:
        return False
    node = rj.hosts[host]
    return node.path == rj.runner.path and bool(re.fullmatch(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?", host))
