"""How job containers resolve names, with musl's resolver in mind: DNS008 mixed nameservers, DNS009
partial names under a lowered `ndots`, DNS010 options musl ignores, DNS011 cluster names lost with
`dns_policy` none/default, DNS012 no TCP fallback in old Alpine, DNS013 `.local` names
(dns-catalog.md R13, R14, R15, R20, R16, R29; section 6 on cilint's own DNS fixes)."""

from __future__ import annotations

import fnmatch
import ipaddress
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from cilint.checks.common import (
    dns_flags,
    image_facts,
    is_dind,
    is_musl_image,
    known_runners,
)
from cilint.checks.local_hosts import classify
from cilint.checks.service_network import job_references
from cilint.data import load
from cilint.edits.entries import replace_scalar
from cilint.findings import Applicability, Finding, Fix, Related, Severity
from cilint.models.images import parse_image
from cilint.models.pipeline import Job
from cilint.loading.project import Project
from cilint.shell.network import hosts_in_text
from cilint.syntax.nodes import location, scalar_text
from cilint.syntax.yaml import YNode, YScalar

if TYPE_CHECKING:  # runner models load only for projects with runner configuration
    from cilint.models.runner import Runner, RunnerConfig, Setting

MUSL_OPTIONS = frozenset({"ndots", "timeout", "attempts"})  # musl src/network/resolvconf.c


def resolver_facts() -> dict[str, Any]:
    return load("resolvers.toml")


def is_internal_address(text: str) -> bool | None:
    """True for private/shared/link-local/loopback addresses, False for public ones, None if not an IP."""
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if text.strip() in resolver_facts()["public_resolvers"]:
        return False
    return not address.is_global


def looks_like_cluster_dns(text: str) -> bool:
    facts = resolver_facts()
    if text in facts["cluster_dns_hints"]:
        return True
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return False
    return address.version == 4 and not address.is_global and int(text.rsplit(".", 1)[1]) == facts["cluster_dns_last_octet"]


def is_partial_name(host: str) -> bool:
    """A dotted name that only resolves through the search list: `minio.gitlab`, `gitlab-minio.gitlab.svc`."""
    if "." not in host or host.endswith(".") or "$" in host or is_internal_address(host) is not None:
        return False
    if host.endswith((".cluster.local",)):
        return False
    last = host.rsplit(".", 1)[1]
    facts = resolver_facts()
    if last == "svc":
        return True
    if len(last) == 2 and last.isalpha() or last in facts["public_tlds"] or last in facts["private_tlds"]:
        return False
    return last.isalpha()


def is_cluster_name(host: str) -> bool:
    return host.endswith((".svc", ".svc.cluster.local", ".cluster.local")) or ".svc." in host


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


class MuslMixedNameservers:
    rule_id = "DNS008"

    def run(self, project: Project) -> Iterator[Finding]:
        for rj in runner_jobs(project):
            runner = rj.runner
            if runner.executor == "kubernetes":
                dns = runner.kubernetes_dns()
                setting = runner.kubernetes.table("dns_config").setting("nameservers")
                if setting is None or not dns.nameservers:
                    continue
                if dns.cluster_dns:
                    yield self._finding(rj, setting, list(dns.nameservers), (
                        f"with `dns_policy` {dns.policy} Kubernetes adds these servers after the cluster DNS, so "
                        "pods get resolvers with different views"))
                    continue
                yield from self._mixed(rj, setting, list(dns.nameservers))
            elif runner.docker.strings("dns"):
                setting = runner.docker.setting("dns")
                assert setting is not None
                yield from self._mixed(rj, setting, list(runner.docker.strings("dns")))
        yield from self._dind_flags(project)

    def _mixed(self, rj: RunnerJobs, setting: Setting, servers: list[str]) -> Iterator[Finding]:
        if mixed_views(servers):
            internal = [s for s in servers if is_internal_address(s)]
            public = [s for s in servers if is_internal_address(s) is False]
            yield self._finding(rj, setting, servers, (
                f"internal ({', '.join(internal)}) and public ({', '.join(public)}) resolvers answer differently "
                "for internal names"))

    def _finding(self, rj: RunnerJobs, setting: Setting, servers: list[str], why: str) -> Finding:
        musl = bool(rj.musl_images)
        impact = (f"{_musl_note(rj)}: musl queries every nameserver at once and takes the first answer, so a "
                  "public NXDOMAIN wins the race for internal names and lookups fail at random"
                  if musl else "glibc images try them in order, but any musl (Alpine) image would fail at random")
        return Finding(
            self.rule_id,
            f"runner `{rj.runner.name}` gives jobs the nameservers {', '.join(servers)}: {why}; {impact}. List only "
            "resolvers with the same view (one forwarder that knows the internal zones)",
            location(setting.node), Severity.MAJOR if musl else Severity.MINOR,
            route=("mixed-nameservers", rj.runner.name),
        )

    def _dind_flags(self, project: Project) -> Iterator[Finding]:
        seen: set[int] = set()
        for pipeline in project.pipelines:
            for job in pipeline.jobs.values():
                for service in job.services:
                    flags = [f for f in dns_flags(service) if is_internal_address(f.value) is not None]
                    views = {is_internal_address(f.value) for f in flags}
                    if views != {True, False} or id(flags[0].node) in seen:
                        continue
                    seen.add(id(flags[0].node))
                    yield Finding(
                        self.rule_id,
                        f"the dind service `{service.name}` of job `{job.name}` gives the containers it starts both "
                        f"internal and public resolvers ({', '.join(f.value for f in flags)}): in Alpine-based "
                        "build steps musl queries them in parallel, and a public NXDOMAIN for an internal name wins; "
                        "list resolvers with one view",
                        location(flags[0].node), Severity.MINOR, route=("mixed-dind-dns", job.name, service.name),
                    )


class NdotsBreaksPartialNames:
    rule_id = "DNS009"

    def run(self, project: Project) -> Iterator[Finding]:
        for rj in runner_jobs(project):
            if rj.runner.executor != "kubernetes" or not rj.musl_images:
                continue
            option = _ndots_option(rj.runner)
            if option is None:
                continue
            value_setting, ndots = option
            broken = sorted(h for h in rj.hosts if is_partial_name(h) and h.count(".") >= ndots)
            if not broken:
                continue
            wanted = max(h.count(".") for h in broken) + 1
            node = value_setting.node
            fix = None
            if isinstance(node, YScalar) and node.style in ('"', "'", "toml"):
                fix = Fix(f'Set ndots to "{wanted}"', (replace_scalar(node, f'"{wanted}"'),), Applicability.UNSAFE)
            first = rj.hosts[broken[0]]
            yield Finding(
                self.rule_id,
                f"runner `{rj.runner.name}` sets `ndots` to {ndots}, and {_musl_note(rj)}: musl never applies the "
                f"search list to a name with at least ndots dots, so the partial names {', '.join(f'`{h}`' for h in broken[:4])} "
                f"fail ('bad address'); use full names (`...svc.cluster.local`) or set ndots to {wanted}",
                location(node), Severity.MAJOR, fix=fix,
                related=(Related(location(first), f"`{broken[0]}` is used here"),),
                route=("partial-names", rj.runner.name),
            )


def _ndots_option(runner: Runner) -> tuple[Setting, int] | None:
    for option in runner.kubernetes.table("dns_config").tables("options"):
        if option.text("name") == "ndots":
            value = option.setting("value")
            text = scalar_text(value.node) if value else None
            if value is not None and text is not None and text.strip().isdigit():
                return value, int(text)
    return None


class MuslIgnoredResolvOptions:
    rule_id = "DNS010"

    def run(self, project: Project) -> Iterator[Finding]:
        for rj in runner_jobs(project):
            if rj.runner.executor != "kubernetes" or not rj.musl_images:
                continue
            for option in rj.runner.kubernetes.table("dns_config").tables("options"):
                name = option.text("name")
                setting = option.setting("name")
                if not name or name in MUSL_OPTIONS or setting is None:
                    continue
                yield Finding(
                    self.rule_id,
                    f"runner `{rj.runner.name}` sets the resolv.conf option `{name}`, which musl ignores (it reads only "
                    f"ndots, timeout and attempts), and {_musl_note(rj)}: those containers keep the behaviour the "
                    "option was meant to fix (the conntrack-race timeouts, UDP-only answers); use NodeLocal DNSCache "
                    "or glibc-based images",
                    location(setting.node), Severity.MINOR, route=("musl-ignored-option", rj.runner.name, name),
                )


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


def mixed_views(servers: list[str]) -> bool:
    return {is_internal_address(s) for s in servers} - {None} == {True, False}


def _runner_single_label(host: str, rj: RunnerJobs) -> bool:
    """A single-label name from the runner's own settings (GitLab URL, cache server): a Service."""
    if "." in host or host in ("localhost",) or is_internal_address(host) is not None:
        return False
    node = rj.hosts[host]
    return node.path == rj.runner.path and bool(re.fullmatch(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?", host))


class ClusterNamesLost:
    rule_id = "DNS011"

    def run(self, project: Project) -> Iterator[Finding]:
        for rj in runner_jobs(project):
            runner = rj.runner
            if runner.executor != "kubernetes":
                continue
            dns = runner.kubernetes_dns()
            names = lost_cluster_names(rj, dns.policy, dns.nameservers, dns.searches)
            if not names:
                continue
            setting = runner.kubernetes.setting("dns_policy")
            assert setting is not None
            why = ("inherits the node's resolv.conf" if dns.policy == "Default" else
                   f"uses only {', '.join(dns.nameservers) or 'no nameserver'}")
            yield Finding(
                self.rule_id,
                f"runner `{runner.name}` sets `dns_policy = \"{dns.written_policy}\"`, which {why}: the cluster DNS and "
                f"its search list are gone, so the cluster names {', '.join(f'`{h}`' for h in names[:4])} do not "
                "resolve; keep `cluster-first` and tune `ndots`, or with `none` list the cluster DNS first and add "
                "`searches = [\"<namespace>.svc.cluster.local\", \"svc.cluster.local\", \"cluster.local\"]`",
                location(setting.node), Severity.MAJOR,
                related=(Related(location(rj.hosts[names[0]]), f"`{names[0]}` is used here"),),
                route=("cluster-names-lost", runner.name),
            )


_ALPINE_TAG = re.compile(r"(?:^|[-_])alpine(\d+)\.(\d+)")
_VERSION_TAG = re.compile(r"^v?(\d+)\.(\d+)")


def _before_tcp_fallback(major: int, minor: int) -> bool:
    since = tuple(int(p) for p in image_facts()["musl_tcp_fallback_since"].split("."))
    return (major, minor) < since


def old_alpine(reference: str) -> str | None:
    """The Alpine release of an image when it predates musl's TCP fallback, else None."""
    image = parse_image(reference.lower())
    tag = image.tag or ""
    match = _ALPINE_TAG.search(tag)
    if match and _before_tcp_fallback(int(match.group(1)), int(match.group(2))):
        return f"{match.group(1)}.{match.group(2)}"
    if image.short_name == "alpine":
        match = _VERSION_TAG.match(tag)
        if match and _before_tcp_fallback(int(match.group(1)), int(match.group(2))):
            return f"{match.group(1)}.{match.group(2)}"
    return None


def _large_answers(hosts: set[str]) -> list[str]:
    suffixes = tuple(resolver_facts()["large_answer_suffixes"])
    return sorted(h for h in hosts if h.endswith(suffixes) or h in suffixes)


class MuslNoTcpFallback:
    rule_id = "DNS012"

    def run(self, project: Project) -> Iterator[Finding]:
        seen: set[int] = set()
        for pipeline in project.pipelines:
            for job in pipeline.jobs.values():
                images = ([(job.image.name, job.image.node)] if job.image else []) + [
                    (s.name, s.name_node) for s in job.services]
                for name, node in images:
                    release = old_alpine(job.expand(name).text)
                    if release is None or id(node) in seen:
                        continue
                    seen.add(id(node))
                    hosts = {h for h, _ in job_hosts(project, job)}
                    yield self._finding(f"the image `{name}` of job `{job.name}`", release, _large_answers(hosts), node)
        for rj in runner_jobs(project):
            table = rj.runner.kubernetes if rj.runner.executor == "kubernetes" else rj.runner.docker
            flavor = table.setting("helper_image_flavor")
            text = scalar_text(flavor.node) if flavor else None
            match = re.fullmatch(r"alpine(\d+)\.(\d+)", text or "")
            if flavor is not None and match and _before_tcp_fallback(int(match.group(1)), int(match.group(2))):
                release = f"{match.group(1)}.{match.group(2)}"
                yield self._finding(f"runner `{rj.runner.name}`'s helper image (flavor `{text}`)", release,
                                    _large_answers(set(rj.hosts)), flavor.node)

    def _finding(self, what: str, release: str, large: list[str], node: YNode) -> Finding:
        since = image_facts()["musl_tcp_fallback_since"]
        detail = (f"; the job uses names with large answers ({', '.join(f'`{h}`' for h in large[:3])})" if large else "")
        return Finding(
            self.rule_id,
            f"{what} is based on Alpine {release}, whose musl cannot retry a truncated DNS answer over TCP (added in "
            f"musl 1.2.4, Alpine {since}): names with long CNAME chains fail with 'bad address' or 'Could not resolve "
            f"host'{detail}; use Alpine {since} or later, or a glibc-based image",
            location(node), Severity.MINOR if large else Severity.INFO, route=("old-musl", release),
        )


def _mentions(job: Job, text: str) -> bool:
    """The text appears in the job's scripts or variable values (a cheap filter before parsing)."""
    return any(text in line.text for line in (*job.hooks, *job.script_lines())) or any(
        text in (v.value or "") for v in job.variables.values())


class MdnsLocalName:
    rule_id = "DNS013"

    def run(self, project: Project) -> Iterator[Finding]:
        reported: set[tuple[str, int]] = set()
        for rj_or_job, hosts, mapped, searches in self._sources(project):
            for host, node in hosts:
                if not host.endswith(".local") or host.endswith("cluster.local") or classify(host) is not None:
                    continue
                zone = host.split(".", 1)[1] if host.count(".") > 1 else "local"
                if host in mapped or any(s.strip(".") in (zone, "local") or host.endswith("." + s.strip(".")) for s in searches):
                    continue
                if (host, id(node)) in reported:
                    continue
                reported.add((host, id(node)))
                yield Finding(
                    self.rule_id,
                    f"`{host}` ({rj_or_job}) is a `.local` name: on a developer machine mDNS (Bonjour/Avahi) resolves it, "
                    "but containers have no mDNS, so it resolves only if a DNS server of the runner serves that zone "
                    "(an Active Directory domain does); otherwise map it with `extra_hosts`/`host_aliases` or use a "
                    "unicast DNS name",
                    location(node), Severity.INFO, route=("mdns", host),
                )

    @staticmethod
    def _sources(project: Project) -> Iterator[tuple[str, list[tuple[str, YNode]], set[str], list[str]]]:
        for pipeline in project.pipelines:
            for job in pipeline.jobs.values():
                if not _mentions(job, ".local"):  # analyse only the jobs that can matter
                    continue
                runners = known_runners(project, job)
                mapped = {h for c in runners for h in c.runner.mapped_hosts()}
                searches = [s for c in runners for s in (*c.runner.docker.strings("dns_search"),
                                                         *c.runner.kubernetes_dns().searches)]
                mapped |= {a for s in job.services for a in s.aliases}
                yield f"job `{job.name}`", list(job_hosts(project, job)), mapped, searches
        for config, runner in project.runners:
            hosts = []
            for key in ("url", "clone_url"):
                setting = runner.table.setting(key)
                if setting is not None:
                    hosts += [(h, setting.node) for h in hosts_in_text(scalar_text(setting.node) or "")]
            searches = [*runner.docker.strings("dns_search"), *runner.kubernetes_dns().searches]
            yield f"runner `{runner.name}`", hosts, set(runner.mapped_hosts()), searches
