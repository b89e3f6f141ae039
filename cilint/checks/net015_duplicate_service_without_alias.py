"""NET015 duplicate-service-without-alias: The same service image twice without distinct aliases."""

from __future__ import annotations

from collections.abc import Iterator

from cilint.checks.base import Check, CheckContext
from cilint.edits.entries import add_line_below
from cilint.edits.pipeline import add_service_entry
from cilint.edits.scalars import replace_scalar
from cilint.facts.hosts import is_dns1123_subdomain
from cilint.findings import Applicability, Finding, Fix, Related, Severity
from cilint.models.images import parse_image
from cilint.models.pipeline import Job, Service
from cilint.source import SourceFile
from cilint.syntax.nodes import location
from cilint.syntax.tree import MapNode, ScalarNode


def _image_key(job: Job, service: Service) -> str:
    expansion = job.expand(service.name)
    return parse_image(expansion.text if not expansion.unresolved else service.name).path.lower()


class DuplicateServiceWithoutAlias(Check):
    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        for job in ctx.jobs():
            executors = ctx.facts.confirmed_executors(job)
            if executors and executors <= {"kubernetes"}:
                continue  # every service is in the job's pod, reached on localhost: names do not tell them apart (NET010: ports)
            groups: dict[str, list[Service]] = {}
            for service in job.services:
                groups.setdefault(_image_key(job, service), []).append(service)
            for image, services in groups.items():
                if len(services) > 1:
                    yield from self._group(ctx, job, image, services)

    def _group(self, ctx: CheckContext, job: Job, image: str, services: list[Service]) -> Iterator[Finding]:
        unaliased = [s for s in services if not s.aliases]
        explicit = [a for s in services for a in s.aliases]
        collisions = sorted({a for a in explicit if explicit.count(a) > 1})
        if len(unaliased) < 2 and not collisions:
            return
        derived = image.replace("/", "__")
        second = unaliased[1] if len(unaliased) > 1 else next(s for s in services if set(s.aliases) & set(collisions))
        if len(unaliased) > 1:
            statement = f"job `{job.name}` starts `{image}` {len(services)} times, {len(unaliased)} without `alias:`"
            why = (f"they all get the hostname `{derived}`, which reaches only one of them (GitLab Runner before 19.1 "
                   "starts only the first: 'Service ... is already created. Ignoring.'; later runners start each and "
                   "give the name to one)")
        else:
            shown = ", ".join(f"`{a}`" for a in collisions)
            statement = f"job `{job.name}` starts `{image}` {len(services)} times with the same alias {shown}"
            why = "the alias reaches only one of them"
        yield Finding(
            self.rule_id, statement, location(second.node), Severity.MAJOR,
            why=why, remedy="give each instance its own `alias:`",
            fix=self._fix(ctx, unaliased[1:], derived, services) if len(unaliased) > 1 and not collisions else None,
            related=(Related(location(services[0].node), "the first instance"),),
            route=("duplicate-service", job.name, image),
        )

    @staticmethod
    def _fix(ctx: CheckContext, services: list[Service], derived: str, group: list[Service]) -> Fix | None:
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
            if isinstance(node, ScalarNode):
                edit = add_service_entry(ctx.source_of(service.node), service, "alias", alias)
                if edit is None:
                    return None
                edits.append(edit)
                continue
            source = ctx.source(node.path)
            name_key = node.key_node("name") if isinstance(node, MapNode) else None
            if not isinstance(node, MapNode) or node.flow or name_key is None or not isinstance(source, SourceFile):
                return None
            if "alias" in node:  # written but empty (`alias: ""`): give it the value, never a second key
                empty = node.get("alias")
                if not isinstance(empty, ScalarNode) or empty.span.start == empty.span.end:
                    return None
                edits.append(replace_scalar(empty, alias))
                continue
            edits.append(add_line_below(source, name_key, service.name_node, f"alias: {alias}"))
        return Fix("Give every instance of the image its own alias", tuple(edits), Applicability.UNSAFE) if edits else None
