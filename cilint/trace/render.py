"""`cilint trace` output: a text tree for the terminal, JSON, and a Mermaid diagram that GitLab renders
in issues and merge request comments."""

from __future__ import annotations

import json
import re
from typing import Any

from cilint.facts.lookup import Lookup
from cilint.facts.resolution import Container, Line, Source
from cilint.source import SourceFile
from cilint.syntax.nodes import location
from cilint.trace.model import Trace, TracedContainer, TracedNetwork

_MARK = {"resolves": "resolves", "fails": "FAILS", "depends": "depends", "no lookup": "no lookup"}
_STYLES = {"resolves": "fill:#e6f4ea,stroke:#1e7e34", "fails": "fill:#fde8e8,stroke:#c62828",
           "depends": "fill:#fff8e1,stroke:#b28704", "no_lookup": "fill:#eeeeee,stroke:#777777"}


def _where(trace: Trace, source: Source) -> str:
    if source.location is None:
        return source.what
    file = trace.files.get(source.location.path)
    line = file.position(source.location.span.start).line if isinstance(file, SourceFile) else 0
    return f"{source.what} ({source.location.path}:{line})"


def _header(network: TracedNetwork) -> str:
    variant = f", in pipelines where {network.variant}" if network.variant else ""
    if network.network.runner is None:
        return f"on a runner cilint does not know ({network.network.executor}){variant}"
    runner = network.network.runner
    return f"on runner `{runner.name}` of {runner.path} ({network.network.executor} executor){variant}"


def text(trace: Trace) -> str:
    title = trace.job.name if trace.job.name.startswith("(") else f"job `{trace.job.name}`"
    out = [f"{title} ({_where(trace, Source('', location(trace.job.key)))[2:-1]})"]
    for network in trace.networks:
        out.append(f"  {_header(network)}")
        out.append(f"  network: {network.network.network}")
        for traced in network.containers:
            out.extend(_container_text(trace, traced))
    return "\n".join(out) + "\n"


def _container_text(trace: Trace, traced: TracedContainer) -> list[str]:
    container = traced.container
    resolver = container.resolver
    image = f" {container.image}" if container.image else ""
    out = [f"  - {container.name}{image}  [{resolver.library}: {_where(trace, resolver.library_source)}]",
           "      resolv.conf"]
    out.extend(_line_text(trace, "nameserver", line) for line in resolver.nameservers)
    if resolver.search:
        out.append(_line_text(trace, "search", resolver.search[0], " ".join(_value(s) for s in resolver.search)))
    out.extend(_line_text(trace, "options", line) for line in resolver.options)
    out.extend(f"        (rewritten by {_where(trace, source)})" for source in resolver.rewritten)
    if resolver.hosts:
        out.append("      /etc/hosts")
        out.extend(f"        {e.name} -> {e.target}   # {_where(trace, e.source)}" for e in resolver.hosts)
    for found in traced.lookups:
        out.extend(_lookup_text(found))
    return out


def _value(line: Line) -> str:
    return line.value if line.known or "<" in line.value else f"<{line.value}>"


def _line_text(trace: Trace, keyword: str, line: Line, shown: str | None = None) -> str:
    return f"        {keyword} {shown or _value(line)}   # {_where(trace, line.source)}"


def _lookup_text(found: Lookup) -> list[str]:
    dns = [q for q in found.queries if q.server != "/etc/hosts"]
    cost = f", {len(dns)} DNS quer{'y' if len(dns) == 1 else 'ies'}" if dns else ""
    wasted = f", {found.wasted} wasted" if found.wasted and found.outcome != "fails" else ""
    out = [f"      {found.name}: {_MARK[found.outcome]} ({found.reason}{cost}{wasted})"]
    out.extend(f"        {i}. {q.name} -> {q.server}: {q.expected}" for i, q in enumerate(found.queries, start=1))
    out.extend(f"        note: {note}" for note in found.notes)
    return out


def json_text(trace: Trace) -> str:
    def source(item: Source) -> dict[str, Any]:
        where = _where(trace, item)
        return {"what": item.what, "at": where[len(item.what) + 2:-1] if item.location else None}

    def line(item: Line) -> dict[str, Any]:
        return {"value": item.value, "known": item.known, "source": source(item.source)}

    def container(traced: TracedContainer) -> dict[str, Any]:
        c, r = traced.container, traced.container.resolver
        return {"name": c.name, "role": c.role, "image": c.image, "library": r.library,
                "library_source": source(r.library_source), "nameservers": [line(n) for n in r.nameservers],
                "search": [line(s) for s in r.search], "options": [line(o) for o in r.options],
                "hosts": [{"name": e.name, "target": e.target, "source": source(e.source)} for e in r.hosts],
                "rewritten_by": [source(s) for s in r.rewritten],
                "lookups": [{"name": f.name, "outcome": f.outcome, "reason": f.reason, "wasted": f.wasted, "notes": list(f.notes),
                             "queries": [{"name": q.name, "server": q.server, "expected": q.expected} for q in f.queries]}
                            for f in traced.lookups]}

    return json.dumps({"job": trace.job.name, "networks": [
        {"runner": n.network.runner.name if n.network.runner is not None else None, "executor": n.network.executor,
         "variant": n.variant, "network": n.network.network, "containers": [container(c) for c in n.containers]}
        for n in trace.networks]}, separators=(",", ":")) + "\n"  # one line: a trace of many runners is large


def mermaid_text(trace: Trace) -> str:
    """A flowchart: each runner a subgraph of containers, each container's nameserver, each name's path."""
    out = ["```mermaid", "flowchart LR"]
    for index, network in enumerate(trace.networks):
        out.extend(_network_mermaid(index, network))
    out.extend(f"  classDef {outcome} {style}" for outcome, style in _STYLES.items())
    out.append("```")
    return "\n".join(out) + "\n"


def _network_mermaid(index: int, network: TracedNetwork) -> list[str]:
    out = [f'  subgraph n{index}["{_label(_header(network))}"]', "    direction LR"]
    servers: dict[str, str] = {}
    edges: list[str] = []
    for position, traced in enumerate(network.containers):
        node = f"n{index}c{position}"
        out.append(f'    {node}["{_label(_container_label(traced.container))}"]')
        for found_index, found in enumerate(traced.lookups):
            target = f"{node}l{found_index}"
            shape = ("([", "])") if found.outcome == "resolves" else ("{{", "}}")
            out.append(f'    {target}{shape[0]}"{_label(f"{found.name}: {_MARK[found.outcome]}")}"{shape[1]}'
                       f':::{found.outcome.replace(" ", "_")}')
            via = found.queries[-1].server if found.queries else "/etc/hosts"
            server = servers.setdefault(via, f"n{index}s{len(servers)}")
            edges.append(f'    {node} -->|"{_label(found.name)}"| {server}')
            edges.append(f'    {server} -.->|"{_label(_edge(found))}"| {target}')
    out.extend(f'    {node}[("{_label(via)}")]' for via, node in servers.items())
    out.extend(edges)
    out.append("  end")
    return out


def _container_label(container: Container) -> str:
    image = f"<br/>{container.image}" if container.image else ""
    return f"{container.name}{image}<br/>{container.resolver.library}, ndots {container.resolver.ndots}"


def _edge(found: Lookup) -> str:
    if not found.queries:
        return found.reason[:60]
    if found.queries[-1].server == "/etc/hosts":
        return "hosts file"
    return f"{len(found.queries)} quer{'y' if len(found.queries) == 1 else 'ies'}, {found.wasted} NXDOMAIN"


def _label(text: str) -> str:
    """Text inside a quoted Mermaid label: quotes and markup characters as entity codes."""
    text = re.sub(r'["#]', lambda m: {'"': "#quot;", "#": "#35;"}[m.group(0)], text)
    return text.replace("<br/>", "\n").replace("<", "#lt;").replace(">", "#gt;").replace("\n", "<br/>").replace("`", "'")
