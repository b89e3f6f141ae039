"""How job containers resolve names, with musl's resolver in mind: DNS008 mixed nameservers, DNS009
partial names under a lowered `ndots`, DNS010 options musl ignores, DNS011 cluster names lost with
`dns_policy` none/default, DNS012 no TCP fallback in old Alpine, DNS013 `.local` names
(dns-catalog.md R13, R14, R15, R20, R16, R29; section 6 on cilint's own DNS fixes)."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from cilint.facts.hosts import (
    is_cluster_name,
    is_internal_address,
    looks_like_cluster_dns,
)
from cilint.facts.images import image_facts, is_dind, is_musl_image
from cilint.facts.references import job_references
from cilint.loading.project import Project
from cilint.models.pipeline import Job
from cilint.shell.network import hosts_in_text
from cilint.syntax.nodes import scalar_text
from cilint.syntax.yaml import YNode

if TYPE_CHECKING:  # runner models load only for projects with runner configuration
    from cilint.models.runner import Runner, RunnerConfig


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
    project: Project = field(repr=False)

    @cached_property
    def hosts(self) -> dict[str, YNode]:
        """Host -> where it is named first: the runner's own, then its jobs' (variables and commands).
        Worked out on first use: only some rules need them, and for a project's jobs that means
        reading every script."""
        hosts: dict[str, YNode] = {}
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
        for host, node in _jobs_hosts(self.project, self.jobs).items():
            hosts.setdefault(host, node)
        return hosts


def runner_jobs(project: Project) -> tuple[RunnerJobs, ...]:
    key = ("runner_jobs", 0)
    found = project.memo.get(key)
    if found is None:
        found = project.memo[key] = tuple(_runner_jobs(project))
    return found


def _runner_jobs(project: Project) -> Iterator[RunnerJobs]:
    # What each job contributes is worked out once per job: without a runner mapping every runner
    # gets every job, and per (runner, job) pair this was most of a run's check time on projects
    # with many runner files.
    if not project.runner_configs:
        return
    per_job = []
    for pipeline in project.pipelines:
        for job in pipeline.jobs.values():
            runner_ids = frozenset(id(c.runner) for c in project.runners_for(job))
            images = ([job.image.name] if job.image else []) + [s.name for s in job.services if not is_dind(s)]
            musl = [i for i in images if is_musl_image(job.expand(i).text)]
            per_job.append((job, runner_ids, musl))
    for config, runner in project.runners:
        chosen = [(job, musl) for job, runner_ids, musl in per_job if id(runner) in runner_ids]
        musl = (["helper image"] if helper_is_musl(runner) else []) + [i for _, images in chosen for i in images]
        yield RunnerJobs(config, runner, tuple(job for job, _ in chosen), tuple(dict.fromkeys(musl)),
                         unmapped=not project.config.runners and bool(chosen), project=project)


def _jobs_hosts(project: Project, jobs: tuple[Job, ...]) -> dict[str, YNode]:
    """The union of the hosts `jobs` name, kept per set of jobs (runners often share one)."""
    key = ("jobs_hosts", tuple(map(id, jobs)))
    found = project.memo.get(key)
    if found is None:
        found = {}
        for job in jobs:
            for host, node in job_hosts(project, job):
                found.setdefault(host, node)
        project.memo[key] = found
    return found


def job_hosts(project: Project, job: Job) -> Iterator[tuple[str, YNode]]:
    """Hosts a job names (its variables and its commands' targets), with where each is written."""
    for reference in job_references(project, job):
        yield reference.host, reference.node


def _musl_note(rj: RunnerJobs) -> str:
    shown = ", ".join(f"`{m}`" if m != "helper image" else "the Alpine helper image" for m in rj.musl_images[:3])
    return f"musl images are in use ({shown})"


def runner_jobs_of(project: Project, runner: Runner) -> RunnerJobs | None:
    return next((rj for rj in runner_jobs(project) if rj.runner is runner), None)


def lost_cluster_names(rj: RunnerJobs, policy: str, nameservers: tuple[str, ...], searches: tuple[str, ...]) -> list[str]:
    """Cluster names the runner's jobs use that a pod with this DNS policy cannot resolve."""
    if policy not in ("Default", "None"):
        return []
    if policy == "None" and any(looks_like_cluster_dns(s) for s in nameservers) and any(
            s.endswith("svc.cluster.local") or s == "cluster.local" for s in searches):
        return []
    return sorted(h for h in rj.hosts if is_cluster_name(h) or _runner_single_label(h, rj))


def _runner_single_label(host: str, rj: RunnerJobs) -> bool:
    """A single-label name from the runner's own settings (GitLab URL, cache server): a Service."""
    if "." in host or host in ("localhost",) or is_internal_address(host) is not None:
        return False
    node = rj.hosts[host]
    return node.path == rj.runner.path and bool(re.fullmatch(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?", host))
