"""A name looked up in one container, as its resolver does it: /etc/hosts, then the candidate names
ndots and the search list give, in order, each to the container's nameservers, with the answer
expected and why (facts/resolution gives the containers)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from cilint.facts.hosts import (
    EMBEDDED_DNS,
    has_large_answers,
    is_cluster_name,
    is_internal_address,
    is_ip,
    is_partial_name,
    resolver_facts,
)
from cilint.facts.local_hosts import classify
from cilint.facts.resolution import CLUSTER_DOMAIN, Container, HostsEntry, JobNetwork

ANSWER, NXDOMAIN, UNKNOWN, NO_ANSWER = "answer", "NXDOMAIN", "unknown", "no answer"
MUSL_OPTIONS = frozenset({"ndots", "timeout", "attempts"})  # the resolv.conf options musl reads (resolvconf.c)


@dataclass(frozen=True, slots=True)
class Query:
    name: str  # the name asked
    server: str  # who answers it
    expected: str  # ANSWER, NXDOMAIN or UNKNOWN (depends on what the files do not say)


@dataclass(frozen=True, slots=True)
class Lookup:
    name: str
    container: str
    queries: tuple[Query, ...]
    outcome: str  # "resolves", "fails", "depends" or "no lookup"
    reason: str
    notes: tuple[str, ...] = ()
    entry: HostsEntry | None = None  # the /etc/hosts line that answers
    # why, as a word the rules test: "address", "hosts", "embedded", "desktop-only", "service-names",
    # "musl-search", "nxdomain", "upstream", "mdns", "cluster-service", "forwarded", "upstream-view"
    cause: str = ""

    @property
    def wasted(self) -> int:
        """Queries expected to fail before the one that answers (all of them when none does)."""
        count = 0
        for query in self.queries:
            if query.expected != NXDOMAIN:
                break
            count += 1
        return count


def lookup(name: str, container: Container, network: JobNetwork) -> Lookup:
    host = name.lower().rstrip(".")
    resolver = container.resolver
    if network.refused:
        return Lookup(name, container.name, (), "fails", network.refused, cause="pod-refused")
    if is_ip(host):
        return Lookup(name, container.name, (), "no lookup", "an address: nothing to resolve", cause="address")
    entry = next((e for e in resolver.hosts if e.name.lower() == host), None)
    notes = _notes(container) + (_alias_note(name) if name in network.invalid_aliases else ())
    if entry is not None:
        return Lookup(name, container.name, (Query(host, "/etc/hosts", ANSWER),), "resolves",
                      f"/etc/hosts maps it to {entry.target} ({entry.source.what})", notes, entry, "hosts")
    if host in resolver.embedded:
        return Lookup(name, container.name, (Query(host, "127.0.0.11", ANSWER),), "resolves",
                      "Docker's embedded resolver answers the name of a container on the network", notes,
                      cause="embedded")
    queries = tuple(_queries(name, host, container))
    outcome, reason, cause = _outcome(host, queries, container, network)
    return Lookup(name, container.name, queries, outcome, reason, notes, cause=cause)


def candidates(name: str, container: Container) -> list[str]:
    """The names the resolver asks, in order: with fewer dots than ndots the search list first; with
    more, the name first and then (glibc only) the search list."""
    host = name.lower().rstrip(".")
    resolver = container.resolver
    if name.endswith("."):
        return [host]
    searches = [f"{host}.{s.value}" for s in resolver.search if s.known]
    if host.count(".") < resolver.ndots:
        return [*searches, host]
    return [host, *(searches if resolver.library != "musl" else [])]


def _server(container: Container) -> str:
    resolver = container.resolver
    if resolver.embedded:
        return "127.0.0.11"
    servers = _reachable(container) or [s.value for s in resolver.nameservers]
    return servers[0] if len(servers) == 1 else ", ".join(servers) if servers else "no nameserver"


def _reachable(container: Container) -> list[str]:
    """The nameservers that can answer: 127.0.0.11 answers only on a user-defined Docker network."""
    resolver = container.resolver
    return [s.value for s in resolver.nameservers if resolver.embedded or s.value != EMBEDDED_DNS]


def _public_only(container: Container) -> bool:
    """Every nameserver is a public resolver (8.8.8.8, 1.1.1.1...), which knows no internal name."""
    servers = _reachable(container)
    return bool(servers) and all(s in resolver_facts()["public_resolvers"] for s in servers)


def _queries(name: str, host: str, container: Container) -> list[Query]:
    server = _server(container)
    return [Query(candidate, server, _expected(candidate, host, container)) for candidate in candidates(name, container)]


def _expected(candidate: str, host: str, container: Container) -> str:
    resolver = container.resolver
    if not resolver.embedded and resolver.nameservers and not _reachable(container):
        return NO_ANSWER  # the only server is 127.0.0.11 where no embedded resolver listens
    if classify(host) is not None:
        return NXDOMAIN  # only a developer machine's resolver has it
    cluster_candidate = candidate.endswith(f".{CLUSTER_DOMAIN}") or candidate == CLUSTER_DOMAIN
    if cluster_candidate and candidate != host:  # a search domain added to the name
        if not resolver.cluster:
            return NXDOMAIN
        # `minio.gitlab` or `postgres` may be a Service of the cluster; an outside name is not
        return UNKNOWN if is_partial_name(host) or "." not in host else NXDOMAIN
    if candidate != host:
        return NXDOMAIN  # another search domain: assumed to hold no such name
    if host.endswith(f".{CLUSTER_DOMAIN}"):
        return UNKNOWN if resolver.cluster else NXDOMAIN  # the cluster DNS answers its own zone
    if is_cluster_name(host) or is_partial_name(host):
        return NXDOMAIN  # `minio.gitlab`, `web.gitlab.svc`: names only the search list completes
    if "." not in host:
        return NXDOMAIN  # a single label is no public name
    if is_public_name(host):
        return ANSWER
    return NXDOMAIN if _public_only(container) else UNKNOWN  # a public resolver has no internal zone


def is_public_name(host: str) -> bool:
    """A name whose last label is a public top-level domain (the upstream resolver knows it)."""
    last = host.rsplit(".", 1)[-1]
    return "." in host and (last in _public_tlds() or (len(last) == 2 and last.isalpha()))


@cache
def _public_tlds() -> frozenset[str]:
    return frozenset(resolver_facts()["public_tlds"])


def _outcome(host: str, queries: tuple[Query, ...], container: Container, network: JobNetwork) -> tuple[str, str, str]:
    desktop = classify(host)
    if desktop is not None:
        return "fails", f"only {desktop.provider} defines it: no runner maps it (extra_hosts, host_aliases)", "desktop-only"
    if host in network.dropped:
        return "fails", "the runner leaves out service names that are not DNS-1123 labels (`__`)", "dropped-name"
    reason = _missing_name(host, container, network)
    if reason is not None:
        return "fails", reason, "service-names"
    if queries and all(q.expected == NO_ANSWER for q in queries):
        return ("fails", "127.0.0.11 answers only inside a user-defined Docker network: here no resolver listens "
                "there, every query times out", "no-embedded")
    answered = next((q for q in queries if q.expected != NXDOMAIN), None)
    tried = next((i for i, q in enumerate(queries) if q.expected != NXDOMAIN), len(queries))
    before = f" after {tried} failed quer{'y' if tried == 1 else 'ies'} of the search list" if tried else ""
    if answered is None:
        if _public_only(container):
            return "fails", "only public resolvers are asked, and they know no internal name", "public-only"
        if container.resolver.library == "musl" and "." in host and host.count(".") >= container.resolver.ndots and any(
                s.known for s in container.resolver.search):  # glibc would go on with the search list
            return "fails", "musl tries the search list only for names with fewer dots than ndots", "musl-search"
        return "fails", "no candidate name exists: every query is expected to get NXDOMAIN", "nxdomain"
    if container.resolver.old_musl and has_large_answers(host):
        return ("fails", f"its answer is too large for 512 bytes, and the musl of Alpine {container.resolver.old_musl} "
                "never retries a truncated answer over TCP", "musl-truncated")
    if answered.expected == ANSWER:
        return "resolves", f"through upstream DNS{before}", "upstream"
    if _mixed(container) and not is_public_name(host):
        if container.resolver.library == "musl":
            return ("fails", "at random: musl asks every nameserver at once and takes the first answer, and a public "
                    "server's NXDOMAIN for an internal name often comes first", "musl-race")
        return ("depends", "on which server answers: internal and public servers together (glibc asks them in order, "
                "and a timeout of the internal one hands the name to a public one that knows none)", "mixed-views")
    if host.endswith(".local") and not host.endswith(CLUSTER_DOMAIN) and not _zone_searched(host, container):
        return ("depends", ".local is mDNS: only a nameserver that serves that zone answers (containers run no mDNS)",
                "mdns")
    if answered.name.endswith(f".{CLUSTER_DOMAIN}") or is_cluster_name(answered.name):
        return "depends", f"on whether the cluster has that Service{before}: not in the files", "cluster-service"
    if container.resolver.cluster:
        return "depends", f"on the view of the servers the cluster DNS forwards to{before}: not in the files", "forwarded"
    return "depends", f"on the upstream server's view{before}: not in the files", "upstream-view"


def _mixed(container: Container) -> bool:
    """Internal and public nameservers together (the cluster DNS and Docker's embedded one are internal)."""
    resolver = container.resolver
    views = {is_internal_address(s.value) for s in resolver.nameservers if s.known} - {None}
    if resolver.cluster or resolver.embedded:
        views.add(True)
    return views == {True, False}


def _zone_searched(host: str, container: Container) -> bool:
    """A search domain names the zone: the runner's DNS is taken to serve it (an Active Directory domain)."""
    return any(s.known and (s.value.strip(".") == "local" or host.endswith("." + s.value.strip(".")))
               for s in container.resolver.search)


def _missing_name(host: str, container: Container, network: JobNetwork) -> str | None:
    """Why a container cannot resolve a name of the job's own containers, when it cannot."""
    own = {n for c in network.containers if c.role in ("service", "build") for n in c.names}
    if host not in own:
        return None
    if container.role == "dind-run":
        return "a container dind starts is on dind's own bridge: the job's service names do not exist there"
    if network.executor == "kubernetes" or container.resolver.embedded:
        return None
    if "network_mode" in network.network:
        return "with network_mode host there are no service names: reach services on 127.0.0.1"
    if container.role != "build":
        return "on legacy links only the job container has the services' names (FF_NETWORK_PER_BUILD gives them to all)"
    return None


def _alias_note(alias: str) -> tuple[str, ...]:
    return (f"`{alias}` is not a DNS-1123 name: the Kubernetes executor refuses the job's pod for it, and some "
            "tools reject it",)


def _notes(container: Container) -> tuple[str, ...]:
    resolver = container.resolver
    notes = list(container.notes)
    servers = [s.value for s in resolver.nameservers if s.known]
    ignored = [o.value for o in resolver.options if o.value.split(":", 1)[0] not in MUSL_OPTIONS]
    if resolver.library == "musl" and ignored:
        notes.append(f"musl ignores the option{'s' if len(ignored) > 1 else ''} {', '.join(ignored)}: it reads only "
                     "ndots, timeout and attempts")
    if not resolver.embedded and EMBEDDED_DNS in servers and len(servers) > 1:
        notes.append("127.0.0.11 answers only inside a user-defined Docker network: each query to it times out "
                     "before the next server is asked")
    notes.extend(f"{source.what} rewrites /etc/resolv.conf: what it writes decides" for source in resolver.rewritten)
    return tuple(notes)
