"""NET012 no-proxy-gaps: A proxy is set, but NO_PROXY misses the internal hosts the job or runner reaches, or is not portable."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from cilint.checks.base import Check, CheckContext
from cilint.edits.pipeline import add_sibling_entries
from cilint.edits.scalars import append_to_list_scalar
from cilint.facts.images import is_dind
from cilint.facts.proxy import PROXY_NAMES, NoProxy, is_internal, no_proxy_of
from cilint.facts.references import service_names
from cilint.facts.environment import SCRIPT_ORIGIN, variable_seen
from cilint.facts.scripts import expander
from cilint.findings import Applicability, Finding, Fix, Related, Severity
from cilint.models.pipeline import Job
from cilint.models.variables import Variable
from cilint.shell.network import command_targets
from cilint.syntax.nodes import location

if TYPE_CHECKING:  # runner models load only for projects with runner configuration
    from cilint.models.runner import Runner


_HTTP_URL = re.compile(r"\b(?:https?|wss?|tcp)://(?:[^/@\s]*@)?(\[[0-9a-fA-F:.]+\]|[^/:\s?#\"']+)")
_HTTP_TOOLS = frozenset({"curl", "wget", "http", "https", "helm", "kubectl"})


@dataclass(frozen=True, slots=True, eq=False)
class _Need:
    """A host that must bypass the proxy, and the reason."""

    host: str
    why: str


class NoProxyGaps(Check):
    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        reported: set[tuple[object, tuple[str, ...]]] = set()
        for job in ctx.jobs():
            for finding in (self._job(ctx, job), *self._portability(ctx, job)):
                if finding is not None and (finding.location, finding.route) not in reported:
                    reported.add((finding.location, finding.route))  # a global NO_PROXY: once, not per job
                    yield finding
        for config in ctx.project.runner_configs:
            for runner in config.runners:
                yield from self._runner(runner)

    def _job(self, ctx: CheckContext, job: Job) -> Finding | None:
        runners, jobs = ctx.facts.confirmed_runners(job), ctx.facts.jobs
        text = jobs.shell_text(job, 1)
        named = [n for n in PROXY_NAMES if n in job.variables or f"{n}=" in text or any(n in c.runner.environment for c in runners)]
        proxies = [v for n in named if (v := variable_seen(job, n, runners, jobs)) is not None and (v.value or "").strip()]
        if not proxies:
            return None
        no_proxy = no_proxy_of([v for n in ("NO_PROXY", "no_proxy") if (v := variable_seen(job, n, runners, jobs)) is not None])
        needs = [n for n in self._needs(ctx, job) if not no_proxy.covers(n.host)]
        if not needs:
            return None
        missing = list(dict.fromkeys(n.host for n in needs))
        anchor = no_proxy.variables[0] if no_proxy.variables else proxies[0]
        shown = ", ".join(f"`{m}`" for m in missing)
        what = f"`{anchor.name}` does not list {shown}" if no_proxy.variables else f"no `NO_PROXY` excludes {shown}"
        reasons = "; ".join(dict.fromkeys(f"`{n.host}`: {n.why}" for n in needs))
        return Finding(
            self.rule_id,
            f"job `{job.name}` sets `{proxies[0].name}` and {what}",
            location(anchor.node), Severity.MAJOR, fix=self._fix(ctx, anchor, no_proxy, missing),
            why=("requests to them go to the proxy, which cannot reach them ('proxyconnect tcp', 'Received HTTP code "
                 f"403 from proxy after CONNECT'); {reasons}"),
            remedy="add them to `NO_PROXY` and `no_proxy`",
            related=(Related(location(proxies[0].node), "the proxy"),),
            route=("no-proxy", *missing),
        )

    def _portability(self, ctx: CheckContext, job: Job) -> Iterator[Finding]:
        """Proxy settings that only some clients read as meant (GitLab's "we need to talk: NO_PROXY")."""
        if not any((v.value or "").strip() for n in PROXY_NAMES if (v := job.variables.get(n)) is not None):
            return
        tools = {item.command.name for item in ctx.facts.commands(job)}
        for upper in ("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY"):
            big, small = job.variables.get(upper), job.variables.get(upper.lower())
            if big is not None and small is not None and \
                    job.expand(big.value or "").text.strip() != job.expand(small.value or "").text.strip():
                yield Finding(
                    self.rule_id,
                    f"job `{job.name}` sets `{upper}` and `{upper.lower()}` to different values",
                    location(small.node), Severity.MINOR, route=("proxy-case", upper),
                    why=("each client reads one of them (curl and wget the lowercase one, Go programs such as docker "
                         "and kubectl the uppercase one first), so they go through different proxies"),
                    remedy="give both the same value",
                )
        http = job.variables.get("HTTP_PROXY")
        if http is not None and "http_proxy" not in job.variables and tools & {"curl", "wget"}:
            yield Finding(
                self.rule_id,
                f"job `{job.name}` sets only the uppercase `HTTP_PROXY`, which its "
                f"{' and '.join(sorted(tools & {'curl', 'wget'}))} calls ignore",
                location(http.node), Severity.MINOR, route=("proxy-lowercase",),
                why="curl ignores `HTTP_PROXY` for http:// URLs and wget never reads it, so those calls bypass the proxy",
                remedy="set `http_proxy` too",
            )
        for name in ("NO_PROXY", "no_proxy"):
            variable = job.variables.get(name)
            if variable is None or variable.value is None:
                continue
            entries = [e.strip() for e in re.split(r"[,\s]+", variable.value) if e.strip()]
            wildcard = [e for e in entries if "*" in e and e != "*" and not re.fullmatch(r"\*\.[^*]+", e)]
            if wildcard:
                yield Finding(
                    self.rule_id,
                    f"`{name}` of job `{job.name}` has wildcards clients do not understand: "
                    f"{', '.join(f'`{e}`' for e in wildcard)}",
                    location(variable.node), Severity.MINOR, route=("no-proxy-wildcard", name),
                    why="most clients understand a `*` only as a leading `*.`, so those hosts still go through the proxy",
                    remedy="use a domain suffix such as `.example.com`",
                )
            cidr = [e for e in entries if "/" in e]
            if cidr and "wget" in tools and name == "no_proxy":  # wget reads only the lowercase name
                yield Finding(
                    self.rule_id,
                    f"`{name}` of job `{job.name}` excludes address ranges "
                    f"({', '.join(f'`{e}`' for e in cidr)}), which wget ignores",
                    location(variable.node), Severity.MINOR, route=("no-proxy-cidr", name),
                    why=("wget does not understand ranges (Go clients and curl 7.86+ do): the job's wget calls to those "
                         "addresses still go to the proxy"),
                    remedy="list the hosts by name",
                )

    @staticmethod
    def _needs(ctx: CheckContext, job: Job) -> Iterator[_Need]:
        names: dict[str, str] = {}
        for service in job.services:
            for name in service_names(job, service):
                names[name] = service.name
        docker_host = job.variables.get("DOCKER_HOST")
        for variable in job.variables.values():
            if variable.value is None or variable.name.upper() in ("NO_PROXY",) + tuple(p.upper() for p in PROXY_NAMES):
                continue
            expansion = job.expand(variable.value)
            if expansion.unresolved:
                continue
            for match in _HTTP_URL.finditer(expansion.text):
                host = match.group(1).strip("[]").lower()
                if host in names:
                    yield _Need(host, f"the service `{names[host]}` (in `{variable.name}`)")
                elif host in ("localhost", "127.0.0.1"):
                    yield _Need(host, f"loopback (in `{variable.name}`)")
        if docker_host is None and any(is_dind(s) for s in job.services) and "docker" in names:
            if any(item.command.name == "docker" for item in ctx.facts.commands(job)):
                yield _Need("docker", "the dind service the docker client connects to")
        expand = expander(job)
        for item in ctx.facts.commands(job):
            if item.command.name not in _HTTP_TOOLS:
                continue
            for target in command_targets(item.command, expand):
                if target.host in names:
                    yield _Need(target.host, f"the service `{names[target.host]}` (`{target.tool}` in the script)")

    @staticmethod
    def _fix(ctx: CheckContext, anchor: Variable, no_proxy: NoProxy, missing: list[str]) -> Fix | None:
        if any(v.origin == SCRIPT_ORIGIN for v in (anchor, *no_proxy.variables)):
            return None  # set by a script line: the shell command is the user's to edit
        if not no_proxy.variables:
            value = ",".join(["localhost", "127.0.0.1", *[m for m in missing if m not in ("localhost", "127.0.0.1")]])
            edit = add_sibling_entries(ctx.source_of(anchor.key), anchor, {"NO_PROXY": f'"{value}"', "no_proxy": '"$NO_PROXY"'})
            return Fix("Set NO_PROXY for the internal hosts", (edit,), Applicability.UNSAFE) if edit else None
        edits = []
        for variable in no_proxy.variables:
            source = ctx.source_of(variable.node)
            edit = append_to_list_scalar(source, variable.node, missing) if source is not None else None
            if edit is None:
                return None
            edits.append(edit)
        return Fix("Add the internal hosts to NO_PROXY", tuple(edits), Applicability.UNSAFE) if edits else None

    def _runner(self, runner: Runner) -> Iterator[Finding]:
        proxies = [v for n in PROXY_NAMES if (v := runner.environment.get(n)) is not None and (v.value or "").strip()]
        if not proxies or not runner.url:
            return
        host = (urlsplit(runner.url).hostname or "").lower()
        if not host or not is_internal(host):
            return
        no_proxy = no_proxy_of([v for n in ("NO_PROXY", "no_proxy") if (v := runner.environment.get(n)) is not None])
        if no_proxy.covers(host):
            return
        anchor = no_proxy.variables[0] if no_proxy.variables else proxies[0]
        yield Finding(
            self.rule_id,
            f"runner `{runner.name}` proxies jobs, but `NO_PROXY` does not list its GitLab host `{host}`",
            location(anchor.node), Severity.MAJOR, route=("runner-no-proxy", runner.name),
            why=(f"`environment` gives jobs `{proxies[0].name}`: clones, artifact and cache transfers from job "
                 "containers to the internal GitLab go to the proxy and fail"),
            remedy=f"add `{host}` to `NO_PROXY` (and `no_proxy`) in `environment`",
        )
