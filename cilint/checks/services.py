"""NET015 duplicate-service-without-alias and NET016 dind-unpinned-or-unprivileged."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator

from cilint.checks.common import DOCKER_EXECUTORS, is_dind
from cilint.checks.context import expander, job_commands
from cilint.edits.entries import double_quoted
from cilint.edits.pipeline import add_service_entry
from cilint.findings import Applicability, Edit, Finding, Fix, Related, Severity
from cilint.models.images import parse_image
from cilint.models.pipeline import Job, Service
from cilint.loading.project import Project, RunnerChoice
from cilint.shell.network import command_targets, value_hosts
from cilint.source import SourceFile
from cilint.syntax.nodes import location
from cilint.syntax.yaml import YMap, YScalar, resolve_plain

_FULL_VERSION = re.compile(r"^v?\d+\.\d+\.\d+")


def _image_key(job: Job, service: Service) -> str:
    expansion = job.expand(service.name)
    return parse_image(expansion.text if not expansion.unresolved else service.name).path.lower()


class DuplicateServiceWithoutAlias:
    rule_id = "NET015"

    def run(self, project: Project) -> Iterator[Finding]:
        for pipeline in project.pipelines:
            for job in pipeline.jobs.values():
                groups: dict[str, list[Service]] = {}
                for service in job.services:
                    groups.setdefault(_image_key(job, service), []).append(service)
                for image, services in groups.items():
                    if len(services) > 1:
                        yield from self._group(project, job, image, services)

    def _group(self, project: Project, job: Job, image: str, services: list[Service]) -> Iterator[Finding]:
        unaliased = [s for s in services if not s.aliases]
        explicit = [a for s in services for a in s.aliases]
        collisions = sorted({a for a in explicit if explicit.count(a) > 1})
        if len(unaliased) < 2 and not collisions:
            return
        derived = image.replace("/", "__")
        second = unaliased[1] if len(unaliased) > 1 else next(s for s in services if set(s.aliases) & set(collisions))
        reason = (f"{len(unaliased)} of them have no `alias:`, so they all get the hostname `{derived}` and the "
                  "runner starts only the first ('Service ... is already created. Ignoring.')"
                  if len(unaliased) > 1 else f"they share the alias {', '.join(f'`{a}`' for a in collisions)}")
        yield Finding(
            self.rule_id,
            f"job `{job.name}` starts `{image}` {len(services)} times and {reason}: give each instance its own `alias:`",
            location(second.node), Severity.MAJOR,
            fix=self._fix(project, unaliased[1:], derived, services) if len(unaliased) > 1 and not collisions else None,
            related=(Related(location(services[0].node), "the first instance"),),
            route=("duplicate-service", job.name, image),
        )

    @staticmethod
    def _fix(project: Project, services: list[Service], derived: str, group: list[Service]) -> Fix | None:
        # An instance written once and used twice (`- *pg` and `- *pg`) cannot get an alias of its
        # own: the edit would give both the same one.
        nodes = [id(s.node) for s in group]
        if len(set(nodes)) != len(nodes):
            return None
        edits = []
        for number, service in enumerate(services, start=2):
            alias = f"{derived.replace('__', '-')}-{number}"
            if not is_dns1123_subdomain(alias):
                return None  # an image name no alias can be made from (NET004 would report it)
            node = service.node
            if isinstance(node, YScalar):
                edit = add_service_entry(project, service, "alias", alias)
                if edit is None:
                    return None
                edits.append(edit)
                continue
            source = project.workspace.source(node.path)
            name_key = node.key_node("name") if isinstance(node, YMap) else None
            if not isinstance(node, YMap) or node.flow or name_key is None or not isinstance(source, SourceFile):
                return None
            if "alias" in node:  # written but empty (`alias: ""`): give it the value, never a second key
                empty = node.get("alias")
                if not isinstance(empty, YScalar) or empty.span.start == empty.span.end:
                    return None
                edits.append(Edit(node.path, empty.span, alias))
                continue
            line = source.position(name_key.span.start)
            indent = " " * (line.column - 1)
            end = source.text.find("\n", service.name_node.span.end)
            at = len(source.text) if end == -1 else end
            newline = "\r\n" if source.text[at - 1 : at] == "\r" else "\n"
            if newline == "\r\n":
                at -= 1
            edits.append(Edit(node.path, type(name_key.span)(at, at), f"{newline}{indent}alias: {alias}"))
        return Fix("Give every instance of the image its own alias", tuple(edits), Applicability.UNSAFE) if edits else None


class DindUnpinnedOrUnprivileged:
    """Reported once per place the service is written (a template used by many jobs is one finding).

    The privileged part needs to know the runner: a `[[tool.cilint.runners]]` mapping, or a runner
    configuration given with --runner-config. Runner files merely found in the repository (chart
    defaults, examples, test data) are often not the runners of this pipeline, so they are not used.
    """

    rule_id = "NET016"

    def run(self, project: Project) -> Iterator[Finding]:
        unpinned: dict[int, tuple[Service, list[str]]] = {}
        unprivileged: dict[tuple[int, str], tuple[Service, list[str], object]] = {}
        for pipeline in project.pipelines:
            for job in pipeline.jobs.values():
                for service in job.services:
                    if not is_dind(service):
                        continue
                    tag = parse_image(job.expand(service.name).text).tag or "latest"
                    if not _FULL_VERSION.match(tag) and "$" not in tag:
                        unpinned.setdefault(id(service.name_node), (service, []))[1].append(job.name)
                    for choice in self._unprivileged(project, job, service):
                        key = (id(service.name_node), choice.runner.name)
                        unprivileged.setdefault(key, (service, [], choice))[1].append(job.name)
        for service, jobs in unpinned.values():
            yield Finding(
                self.rule_id,
                f"the dind service `{service.name}` (jobs {_names(jobs)}) is not pinned to a full version: a new "
                "Docker release can change the daemon under the jobs (Dec 2023: iptables-nft made dind fail with "
                "'lookup docker ... no such host'); pin an exact version such as `docker:27.3.1-dind` and the "
                "matching CLI image",
                location(service.name_node), Severity.MINOR, route=("dind-unpinned", service.name),
            )
        for service, jobs, choice in unprivileged.values():
            runner = choice.runner  # type: ignore[attr-defined]
            section = "kubernetes" if runner.executor == "kubernetes" else "docker"
            table = runner.kubernetes if section == "kubernetes" else runner.docker
            anchor = table.node or runner.table.node
            yield Finding(
                self.rule_id,
                f"the dind service `{service.name}` (jobs {_names(jobs)}) needs a privileged container, but runner "
                f"`{runner.name}` does not run services privileged: dockerd fails to start and the jobs see "
                f"'lookup docker ... no such host'; set `privileged = true` in its `[runners.{section}]`",
                location(service.name_node), Severity.BLOCKER,
                related=((Related(location(anchor), f"runner `{runner.name}`"),) if anchor is not None else ()),
                route=("dind-unprivileged", service.name, runner.name),
            )

    @staticmethod
    def _unprivileged(project: Project, job: Job, service: Service) -> Iterator[RunnerChoice]:
        for choice in project.runners_for(job):
            if choice.reason != "tags" and choice.config.path not in project.given_runner_configs:
                continue
            runner = choice.runner
            executor = runner.executor or ""
            if executor in DOCKER_EXECUTORS:
                table = runner.docker
                privileged = table.flag("services_privileged")
                if privileged is None:
                    privileged = table.flag("privileged")
                allowed = table.strings("allowed_privileged_services")
                if privileged and allowed and not any(fnmatch.fnmatchcase(service.name, p) for p in allowed):
                    privileged = False
            elif executor == "kubernetes":
                table = runner.kubernetes
                privileged = table.flag("privileged")
            else:
                continue
            templated = any(s.is_template for s in (table.setting("privileged"), table.setting("services_privileged")) if s)
            if not privileged and not templated:
                yield choice


def _names(jobs: list[str]) -> str:
    shown = ", ".join(f"`{j}`" for j in jobs[:3])
    return shown + (f" and {len(jobs) - 3} more" if len(jobs) > 3 else "")


_DNS1123_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS1123_SUBDOMAIN = re.compile(rf"^{_DNS1123_LABEL}(\.{_DNS1123_LABEL})*$")


def is_dns1123_subdomain(name: str) -> bool:
    return len(name) <= 253 and bool(_DNS1123_SUBDOMAIN.match(name)) and all(len(p) <= 63 for p in name.split("."))


def _dns_safe(alias: str) -> str | None:
    """`alias` made a DNS-1123 subdomain label by label (invalid characters to `-`, no `-` at a label's
    ends, empty labels dropped); None when nothing valid is left."""
    labels = (re.sub(r"[^a-z0-9-]+", "-", label).strip("-")[:63].strip("-") for label in alias.lower().split("."))
    safe = ".".join(label for label in labels if label)
    return safe if safe and is_dns1123_subdomain(safe) else None


class ServiceAliasNotDnsSafe:
    """NET004: explicit aliases that are not DNS-1123 subdomains, and uses of `__` derived hostnames."""

    rule_id = "NET004"

    def run(self, project: Project) -> Iterator[Finding]:
        reported: set[int] = set()
        for pipeline in project.pipelines:
            for job in pipeline.jobs.values():
                executors = project.executors_for(job)
                for service in job.services:
                    for alias in service.aliases:
                        node = service.alias_node
                        if is_dns1123_subdomain(alias) or node is None or id(node) in reported:
                            continue
                        reported.add(id(node))
                        yield self._alias(job, service, alias, executors)
                yield from self._script_uses(project, job, executors, reported)
                for variable in job.variables.values():
                    node = variable.node
                    if variable.value is None or "__" not in variable.value or id(node) in reported:
                        continue
                    derived = {a for s in job.services for a in (s.derived_aliases(job.variables) or ()) if "__" in a}
                    used = sorted(h for h in value_hosts(variable.value) if h in derived)
                    if used and "kubernetes" in executors:
                        reported.add(id(node))
                        yield Finding(
                            self.rule_id,
                            f"`{variable.name}` of job `{job.name}` uses the service hostname `{used[0]}`, which the "
                            "Kubernetes executor drops (a derived name with `__` is not a valid DNS name): the lookup "
                            "fails with 'no such host'; give the service an `alias:` and use that",
                            location(node), Severity.BLOCKER, route=("derived-alias", job.name, variable.name),
                        )

    def _script_uses(self, project: Project, job: Job, executors: frozenset[str], reported: set[int]) -> Iterator[Finding]:
        """`__` derived hostnames named in the job's commands (`psql -h group__postgres`, a curl URL)."""
        if "kubernetes" not in executors or not job.services:
            return
        derived = {a for s in job.services for a in (s.derived_aliases(job.variables) or ()) if "__" in a}
        if not derived:
            return
        expand = expander(job)
        for item in job_commands(job, project):
            for target in command_targets(item.command, expand):
                if target.host in derived and id(item.line.node) not in reported:
                    reported.add(id(item.line.node))
                    yield Finding(
                        self.rule_id,
                        f"`{target.tool}` in job `{job.name}` connects to the service hostname `{target.host}`, which the "
                        "Kubernetes executor drops (a derived name with `__` is not a valid DNS name): the lookup fails "
                        "with 'no such host'; give the service an `alias:` and use that",
                        location(item.line.node), Severity.BLOCKER, route=("derived-alias-script", job.name, target.host),
                    )

    def _alias(self, job: Job, service: Service, alias: str, executors: frozenset[str]) -> Finding:
        node = service.alias_node
        assert node is not None
        safe = _dns_safe(alias)
        if "kubernetes" in executors:
            severity, effect = Severity.BLOCKER, ("the Kubernetes executor refuses to create the pod ('provided host "
                                                  f"alias {alias} ... is invalid DNS')")
        else:
            severity, effect = Severity.MINOR, ("on the Docker executor it works, but names that are not RFC 1123 "
                                                "can fail in clients, and on Kubernetes the job would not start")
        fix = None
        if safe and isinstance(node, YScalar) and node.value == alias and node.style in ("", "'", '"'):
            written = safe if isinstance(resolve_plain(safe), str) else double_quoted(safe)  # `0.0` is a float
            fix = Fix(f"Use the alias `{safe}`", (Edit(node.path, node.span, written),), Applicability.UNSAFE)
        return Finding(
            self.rule_id,
            f"the alias `{alias}` of service `{service.name}` (job `{job.name}`) is not a valid DNS-1123 name "
            f"(lowercase letters, digits, '-' and '.'): {effect}; use " + (f"`{safe}`" if safe else "such a name"),
            location(node), severity, fix=fix, route=("alias", service.name, alias),
        )
