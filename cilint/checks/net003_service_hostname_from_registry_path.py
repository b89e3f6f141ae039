"""NET003 service-hostname-from-registry-path: A service pulled from a registry path or mirror does not get its short hostname."""

from __future__ import annotations

import re
from collections.abc import Iterator

from cilint.checks.base import Check, CheckContext
from cilint.edits.pipeline import add_service_entry
from cilint.facts.hosts import is_dns1123_subdomain
from cilint.facts.images import is_dind, is_docker_cli_image
from cilint.facts.references import Reference, service_names
from cilint.findings import Applicability, Confidence, Finding, Fix, Related, Severity, Subject
from cilint.models.images import parse_image
from cilint.models.pipeline import Job, Service
from cilint.syntax.nodes import location


_ONLY_A_VARIABLE = re.compile(r"\$(\w+|\{\w+\})")


class ServiceHostnameFromRegistryPath(Check):
    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        reported: set[int] = set()
        for job in ctx.jobs():
            if not any("/" in s.name or _ONLY_A_VARIABLE.fullmatch(s.name) for s in job.services):
                continue  # only a service pulled from a path, or named by a variable, may lose its short name
            provided: set[str] = set()
            for service in job.services:
                provided |= service_names(job, service)
            for choice in ctx.facts.confirmed_runners(job):
                provided |= set(choice.runner.mapped_hosts())
            references = {r.host: r for r in ctx.facts.references(job)}
            for service in job.services:
                finding = self._service(ctx, job, service, provided, references)
                if finding is None and _ONLY_A_VARIABLE.fullmatch(service.name) and not service.aliases:
                    finding = self._named_by_variable(ctx, job, service, provided, references)
                if finding is not None and id(service.name_node) not in reported:
                    reported.add(id(service.name_node))
                    yield finding

    def _service(self, ctx: CheckContext, job: Job, service: Service, provided: set[str],
                 references: dict[str, Reference]) -> Finding | None:
        written = job.expand(service.name).text
        image = parse_image(written)
        short = image.short_name.lower()
        if "/" not in image.repository or short in provided or "$" in short:
            return None
        reference = references.get(short)
        via = reference.via if reference else None
        if reference is None and short == "docker" and is_dind(service) and "DOCKER_HOST" not in job.variables \
                and is_docker_cli_image(job):
            via = "the `docker` image's default DOCKER_HOST (tcp://docker:2375/2376)"
        if via is None:
            return None
        same_short = [s for s in job.services if parse_image(job.expand(s.name).text).short_name.lower() == short]
        fix = None
        if not service.aliases and len(same_short) == 1:
            edit = add_service_entry(ctx.source_of(service.node), service, "alias", short)
            fix = Fix(f"Add `alias: {short}`", (edit,), Applicability.SAFE) if edit else None
        derived = service.derived_aliases(job.variables)
        shown = f" ({', '.join(f'`{d}`' for d in derived)})" if derived else ""
        related = (Related(location(reference.node), f"`{short}` is used here"),) if reference else ()
        return Finding(
            self.rule_id,
            f"job `{job.name}` reaches `{short}`, but service `{service.name}` is not named `{short}`",
            location(service.name_node), Severity.BLOCKER, fix=fix, related=related,
            why=(f"the job uses `{short}` in {via}; a service pulled from a registry path is named after the full "
                 f"path{shown}, so the lookup fails with 'no such host'"),
            remedy=f"add `alias: {short}` to the service",
            route=("registry-path-hostname", service.name, short), subjects=(Subject(job.name, short),),
        )

    def _named_by_variable(self, ctx: CheckContext, job: Job, service: Service, provided: set[str],
                           references: dict[str, Reference]) -> Finding | None:
        """A service written only as `$VAR`: the runner names it after the image the variable holds,
        so a job that reaches it by that derived name breaks when the value changes (a CI/CD setting,
        a mirror, a trigger)."""
        derived = service.derived_aliases(job.variables)
        others = provided - {a.lower() for a in derived or ()}
        if derived:
            reached = next((references[d] for d in derived if d in references and d not in others), None)
            image = f"`{job.expand(service.name).text}` here"
            confidence = Confidence.HIGH
        else:  # the value is not in the files: a single-label name nothing else provides can only be its
            reached = next((r for h, r in references.items() if "." not in h and h not in provided
                            and h not in ("localhost", "build")), None)
            image = "a value that is not in the files"
            confidence = Confidence.LOW
        if reached is None:
            return None
        alias = reached.host
        fix = None
        if is_dns1123_subdomain(alias):
            remedy = f"give the service `alias: {alias}`"
            edit = add_service_entry(ctx.source_of(service.node), service, "alias", alias)
            if edit is not None and derived:
                fix = Fix(f"Add `alias: {alias}`", (edit,), Applicability.SAFE)
        else:  # `a__b` is no DNS name: an alias of it would be refused on Kubernetes (NET004)
            remedy = f"give the service a DNS-safe `alias:` and use it where `{alias}` is written"
        return Finding(
            self.rule_id,
            (f"job `{job.name}` reaches service `{service.name}` as `{alias}`, a name the variable's value decides"
             if derived else f"job `{job.name}` reaches `{alias}`, which only the value of `{service.name}` could name"),
            location(service.name_node), Severity.MINOR, fix=fix, confidence=confidence,
            related=(Related(location(reached.node), f"`{alias}` is used here"),),
            route=("variable-image-hostname", service.name, alias), subjects=(Subject(job.name, alias),),
            why=(f"the runner names the service after the image `{service.name}` expands to ({image}); another "
                 "value (a CI/CD variable, a mirror, a trigger) renames it and the lookup fails with 'no such host'"),
            remedy=remedy,
        )
