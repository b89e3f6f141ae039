"""NET001 dind-tls-port-mismatch: DOCKER_HOST's port or TLS settings do not match the dind service's TLS mode."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from cilint.checks.base import Check, CheckContext
from cilint.edits.entries import yaml_scalar
from cilint.edits.pipeline import (
    add_sibling_entries,
)
from cilint.edits.scalars import replace_in_scalar
from cilint.facts.dind import DindSetup, _client_targets_service, _jobs, client_certs_shared, client_variable
from cilint.facts.images import is_docker_cli_image
from cilint.findings import Applicability, Confidence, Finding, Fix, Related, Severity
from cilint.source import SourceFile
from cilint.syntax.nodes import location


def _group(setups: Iterator[DindSetup], key) -> dict:
    groups: dict = {}
    for setup in setups:
        k = key(setup)
        if k is not None:
            groups.setdefault(k, []).append(setup)
    return groups


class DindTlsPortMismatch(Check):
    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        # One finding per DOCKER_HOST definition, dind service and TLS state. A fix edits the
        # definition (or adds a variable beside it), so it is offered only when every job that
        # reads the definition is in the same state: otherwise fixing one job breaks another.
        groups = _group(ctx.facts.dind_setups, lambda s: (id(s.docker_host.node), id(s.service.name_node), s.tls,
                                                         s.tls_explicit, s.port)
                        if s.docker_host is not None and s.tls is not None and _client_targets_service(s) else None)
        states: dict[int, set[tuple]] = {}
        for key in groups:
            states.setdefault(key[0], set()).add(key[2:])
        for key, setups in groups.items():
            jobs = [s.job.name for s in setups]
            finding = self._finding(ctx, setups[0], jobs)
            if finding is not None:
                yield finding if len(states[key[0]]) == 1 else replace(finding, fix=None)

    def _finding(self, ctx: CheckContext, s: DindSetup, jobs: list[str]) -> Finding | None:
        assert s.docker_host is not None
        where = f"`DOCKER_HOST` of {_jobs(jobs)}"
        related = (Related(location(s.service.name_node), f"the dind service `{s.service.name}`"),)
        if s.tls and s.port == 2375:
            if s.tls_explicit:
                severity, tls = Severity.BLOCKER, f"`DOCKER_TLS_CERTDIR` is `{s.tls_source.value}`" if s.tls_source else "TLS is on"
            else:
                severity, tls = Severity.MAJOR, ("`DOCKER_TLS_CERTDIR` is not set here, so the image default `/certs` "
                                                 "applies (unless the project's CI/CD settings or the runner's "
                                                 "`environment` set it to \"\")")
            statement = f"{where} uses port 2375, but dind service `{s.service.name}` listens only on 2376 (TLS)"
            why = f"{tls}; the job fails with 'Cannot connect to the Docker daemon at tcp://{s.host}:2375'"
            remedy = (f"use tcp://{s.host}:2376 with the TLS client variables, or turn TLS off with "
                      "`DOCKER_TLS_CERTDIR: \"\"`")
            fix = self._fix_plain(ctx, s) if not s.tls_explicit else self._fix_to_tls_port(ctx, s)
            return Finding(self.rule_id, statement, location(s.docker_host.node), severity, fix=fix, related=related,
                           why=why, remedy=remedy,
                           route=("tls-port", s.docker_host.name, s.service.name),
                           confidence=Confidence.HIGH if s.tls_explicit else Confidence.MEDIUM)  # the image default
        if not s.tls and s.port == 2376:
            return Finding(self.rule_id, f"{where} uses port 2376, but dind service `{s.service.name}` runs without TLS "
                           "on 2375", location(s.docker_host.node), Severity.BLOCKER,
                           why=f"the job fails with 'Cannot connect to the Docker daemon at tcp://{s.host}:2376'",
                           remedy=f"use tcp://{s.host}:2375",
                           fix=self._fix_port(ctx, s, ":2376", ":2375"), related=related,
                           route=("plain-port", s.docker_host.name, s.service.name))
        verify = client_variable(s.job, "DOCKER_TLS_VERIFY", s.runners, ctx.facts.jobs)
        if s.tls and s.port == 2376 and verify is None \
                and s.image is not None and not s.entrypoint_runs:
            reason = ("the Kubernetes executor does not run the image entrypoint that would set them"
                      if s.kubernetes and is_docker_cli_image(s.job, s.runners) else
                      f"the job image `{s.image}` is not the "
                      "`docker` image whose entrypoint sets them")
            statement = f"{where} uses TLS port 2376 without `DOCKER_TLS_VERIFY` and `DOCKER_CERT_PATH`"
            why = (f"{reason}, so the client speaks plain HTTP to a TLS port: 'Client sent an HTTP request to an "
                   "HTTPS server'")
            remedy = "set `DOCKER_TLS_VERIFY: \"1\"` and `DOCKER_CERT_PATH: \"$DOCKER_TLS_CERTDIR/client\"`"
            edit = add_sibling_entries(ctx.source_of(s.docker_host.key), s.docker_host, {
                "DOCKER_TLS_VERIFY": yaml_scalar("1"), "DOCKER_CERT_PATH": yaml_scalar("$DOCKER_TLS_CERTDIR/client")})
            fix = Fix("Set the TLS client variables", (edit,), Applicability.UNSAFE) if edit else None
            return Finding(self.rule_id, statement, location(s.docker_host.node), Severity.MAJOR, fix=fix,
                           why=why, remedy=remedy,
                           related=related, route=("tls-client", s.docker_host.name, s.service.name),
                           confidence=s.runner_confidence if s.kubernetes else Confidence.HIGH)
        return None

    @staticmethod
    def _fix_port(ctx: CheckContext, s: DindSetup, old: str, new: str) -> Fix | None:
        assert s.docker_host is not None
        source = ctx.source(s.docker_host.node.path)
        edit = replace_in_scalar(source, s.docker_host.node, old, new) if isinstance(source, SourceFile) else None
        return Fix(f"Connect to port {new[1:]}", (edit,), Applicability.UNSAFE) if edit else None

    @classmethod
    def _fix_to_tls_port(cls, ctx: CheckContext, s: DindSetup) -> Fix | None:
        """Port 2376 also needs the client certificates in the job: applied only where every runner of
        the job is known to share them (else NET002 would fire on the result), shown otherwise."""
        fix = cls._fix_port(ctx, s, ":2375", ":2376")
        if fix is None or client_certs_shared(s):
            return fix
        return replace(fix, title=fix.title + " (the runner must also share /certs/client: NET002)",
                       applicability=Applicability.DISPLAY_ONLY)

    @staticmethod
    def _fix_plain(ctx: CheckContext, s: DindSetup) -> Fix | None:
        assert s.docker_host is not None
        edit = add_sibling_entries(ctx.source_of(s.docker_host.key), s.docker_host, {"DOCKER_TLS_CERTDIR": yaml_scalar("")})
        return Fix("Turn dind TLS off to match port 2375", (edit,), Applicability.UNSAFE) if edit else None
