"""NET002 dind-tls-client-certs: TLS dind, but the runner does not share the client certificates with the job."""

from __future__ import annotations

from collections.abc import Iterator

from cilint.checks.base import Check, CheckContext
from cilint.edits.entries import (
    add_toml_key,
    append_to_array,
)
from cilint.edits.runner import runner_config_file
from cilint.facts.dind import DindSetup, _client_targets_service, _jobs, shares_client_certs
from cilint.facts.runners import (
    DOCKER_EXECUTORS,
    RunnerChoice,
)
from cilint.findings import Applicability, Confidence, Finding, Fix, Related, Severity
from cilint.syntax.nodes import location


def _client_uses_tls(s: DindSetup) -> bool:
    if not s.tls:
        return False
    if s.port is not None:
        return s.port == 2376 and _client_targets_service(s)
    return s.docker_host is None and s.entrypoint_runs


class DindTlsClientCerts(Check):
    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        reported: set[tuple[int, int]] = set()
        unknown: dict[int, tuple[DindSetup, list[str]]] = {}
        for s in ctx.facts.dind_setups:
            if not _client_uses_tls(s):
                continue
            if not s.runners:
                unknown.setdefault(id(s.service.name_node), (s, []))[1].append(s.job.name)
                continue
            for choice in s.runners:
                key = (id(choice.runner), id(s.service.name_node))
                if key in reported:
                    continue
                finding = self._runner(ctx, s, choice)
                if finding is not None:
                    reported.add(key)
                    yield finding
        for s, jobs in unknown.values():
            yield Finding(
                self.rule_id,
                f"dind service `{s.service.name}` (jobs {_jobs(jobs)}) uses TLS: the runner must share /certs/client",
                location(s.service.name_node), Severity.INFO, route=("certs-unknown-runner", s.service.name),
                why=("unless the runner shares the client certificates with the job, the client falls back to "
                     "tcp://docker:2375 ('Cannot connect to the Docker daemon')"),
                remedy=("share them (`volumes = [\"/certs/client\"]` in `[runners.docker]`, or an `empty_dir` mounted "
                        "at `/certs/client` on Kubernetes); pass the runner configuration with --runner-config to check it"),
                confidence=Confidence.LOW,  # a reminder: the runner that shares (or not) the certificates is unknown
            )

    def _runner(self, ctx: CheckContext, s: DindSetup, choice: RunnerChoice) -> Finding | None:
        runner = choice.runner
        if shares_client_certs(s, runner) is not False:
            return None
        if s.docker_host is None and any("docker.sock" in v for v in runner.docker.strings("volumes")):
            return None  # the docker image's entrypoint prefers a mounted socket: the client uses the host's daemon
        executor = runner.executor or ""
        if executor in DOCKER_EXECUTORS:
            setting = runner.docker.setting("volumes")
            anchor = setting.node if setting else (runner.docker.node or runner.table.node)
            fix = self._docker_fix(ctx, choice, setting)
            what = "`volumes` of `[runners.docker]` has no `/certs/client`"
            remedy = 'add `"/certs/client"` to `volumes` in `[runners.docker]`'
        else:
            anchor = runner.kubernetes.node or runner.table.node
            fix = None
            what = "`[runners.kubernetes]` mounts no volume at `/certs/client`"
            remedy = ("mount an `empty_dir` at `/certs/client` (`[[runners.kubernetes.volumes.empty_dir]]`), shared by "
                      "the job and its services")
        if anchor is None:
            return None
        return Finding(
            self.rule_id,
            f"runner `{runner.name}` runs job `{s.job.name}` with TLS dind, but {what}",
            location(anchor), Severity.BLOCKER, fix=fix,
            why=("the client never sees the certificates dind writes and fails ('Cannot connect to the Docker daemon "
                 "at tcp://docker:2375' or 'open /certs/client/ca.pem: no such file or directory')"),
            remedy=remedy,
            related=(Related(location(s.service.name_node), f"the dind service of job `{s.job.name}`"),),
            route=("certs", runner.name, s.service.name), confidence=s.runner_confidence,
        )

    @staticmethod
    def _docker_fix(ctx: CheckContext, choice: RunnerChoice, setting) -> Fix | None:
        source = runner_config_file(ctx.source(choice.runner.path), choice.config)
        if source is None:
            return None
        if setting is not None:
            edit = append_to_array(source, setting.node, "/certs/client")
        elif choice.runner.docker.node is not None:
            edit = add_toml_key(source, choice.runner.docker.node, "volumes", ["/certs/client", "/cache"])
        else:
            edit = None
        return Fix("Share /certs/client between the dind service and the job", (edit,), Applicability.UNSAFE) if edit else None
