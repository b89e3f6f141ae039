"""DNS007 docker-embedded-dns-misuse: 127.0.0.11, Docker's embedded resolver, used where it does not exist."""

from __future__ import annotations

from collections.abc import Iterator

from cilint.checks.base import Check, CheckContext
from cilint.facts.hosts import EMBEDDED_DNS
from cilint.facts.images import dns_flags, is_dind
from cilint.facts.lookup import is_public_name
from cilint.facts.resolution import service_container
from cilint.facts.runners import DOCKER_EXECUTORS, network_per_build, truthy
from cilint.findings import Confidence, Finding, Location, Severity, Subject
from cilint.models.pipeline import Job, Service
from cilint.syntax.nodes import location
from cilint.syntax.tree import SeqNode


FLAG_NETWORK_PER_BUILD = "FF_NETWORK_PER_BUILD"


class EmbeddedDnsMisuse(Check):
    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        for _, runner in ctx.project.runners:
            if runner.executor != "kubernetes":
                continue
            nameservers = runner.kubernetes.table("dns_config").setting("nameservers")
            if nameservers is not None and isinstance(nameservers.node, SeqNode):
                for item in nameservers.node.items:
                    if getattr(item, "value", None) == EMBEDDED_DNS:
                        rj = ctx.facts.runner_jobs_of(runner)
                        yield self._finding(location(item), f"runner `{runner.name}` lists {EMBEDDED_DNS} as a pod "
                                            "nameserver", ("k8s-nameserver", runner.name),
                                            subjects=rj.subjects(sorted(rj.own_hosts())) if rj else ())
        for write in ctx.facts.resolv_conf_writes:
            executors = {write.runner.executor} if write.runner else set(write.job_executors)
            if "kubernetes" in executors and any(EMBEDDED_DNS in a.text for a in write.command.args):
                yield self._finding(write.location, f"{write.where} writes {EMBEDDED_DNS} into a pod's resolv.conf",
                                    ("resolv.conf", write.where), subjects=_job_subjects(ctx, write.job, "build"))
        reported: set[int] = set()
        for job in ctx.jobs():
            for service in job.services:
                if not is_dind(service):
                    continue
                if not any(True for _ in dns_flags(service)) and id(service.name_node) not in reported:
                    finding = self._per_build_network(ctx, job, service)
                    if finding is not None:
                        reported.add(id(service.name_node))
                        yield finding
                for flag in dns_flags(service):
                    if flag.value != EMBEDDED_DNS:
                        continue
                    for choice in ctx.facts.possible_runners(job):
                        executor = choice.runner.executor or ""
                        if executor == "kubernetes" or (
                            executor in DOCKER_EXECUTORS and not network_per_build(job, choice.runner)
                        ):
                            where = ("the Kubernetes executor" if executor == "kubernetes"
                                     else "the Docker executor without a per-build network (FF_NETWORK_PER_BUILD off)")
                            yield self._finding(location(flag.node),
                                                f"`--dns={EMBEDDED_DNS}` on the dind service of job `{job.name}`",
                                                ("dind", job.name, choice.runner.name),
                                                f"; runner `{choice.runner.name}` runs the job on {where}",
                                                _job_subjects(ctx, job, _dind_run(job, service)))
                            break

    def _per_build_network(self, ctx: CheckContext, job: Job, service: Service) -> Finding | None:
        """dind on the per-build network: its resolv.conf holds only 127.0.0.11, so dockerd gives the
        containers it starts (RUN steps, `docker run`) Google's 8.8.8.8 and 8.8.4.4 instead
        (gitlab-runner#27867)."""
        runners = [c for c in ctx.facts.possible_runners(job) if (c.runner.executor or "") in DOCKER_EXECUTORS]
        flag = job.variables.get(FLAG_NETWORK_PER_BUILD)
        if runners:
            if not all(network_per_build(job, c.runner) for c in runners):
                return None
            confidence = ctx.facts.runners.runner_confidence(job)
            where = f"runner `{runners[0].runner.name}` runs it on the per-build network"
        elif not ctx.facts.possible_runners(job) and flag is not None and truthy(flag.value):
            confidence = Confidence.MEDIUM  # the flag needs a Docker executor, which nothing here confirms
            where = "the job turns on the per-build network"
        else:
            return None
        return Finding(
            self.rule_id,
            f"dind service `{service.name}` of job `{job.name}` has no `--dns`, and {where}",
            location(service.name_node), Severity.MINOR, route=("per-build-network", job.name, service.name),
            confidence=confidence,
            why=(f"on `FF_NETWORK_PER_BUILD` its resolv.conf names only Docker's embedded {EMBEDDED_DNS}, which the "
                 "containers dockerd starts cannot reach, so dockerd gives them 8.8.8.8 and 8.8.4.4: RUN steps and "
                 "`docker run` never see internal names and fail where public DNS is blocked"),
            remedy="start dind with `--dns=` your network's resolver (`command: [\"--dns=10.0.0.2\"]`)",
            subjects=_job_subjects(ctx, job, _dind_run(job, service), internal_only=True),
        )

    def _finding(self, where: Location, statement: str, route: tuple[str, ...], why: str = "",
                 subjects: tuple[Subject, ...] = ()) -> Finding:
        return Finding(
            self.rule_id, statement, where, Severity.MAJOR, route=route, subjects=subjects,
            why=(f"{EMBEDDED_DNS} is Docker's embedded resolver, which exists only inside containers on a user-defined "
                 f"Docker network; here nothing answers on it and every lookup fails{why}"),
            remedy="use the address of a real resolver (the cluster DNS or your network's)",
        )


def _dind_run(job: Job, service: Service) -> str:
    """How `cilint trace` names the containers a dind service starts."""
    return service_container(job, service).replace("service:", "dind-run:", 1)


def _job_subjects(ctx: CheckContext, job: Job | None, container: str, internal_only: bool = False) -> tuple[Subject, ...]:
    """The names the job uses, looked up in `container` (for the containers a dind service starts: the
    names its builds and `docker run` reach, taken to be the job's)."""
    if job is None:
        return ()
    hosts = dict.fromkeys(r.host for r in ctx.facts.references(job))
    return tuple(Subject(job.name, h, container) for h in hosts if not internal_only or not is_public_name(h))
