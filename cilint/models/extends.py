"""`extends:` and `!reference`, resolved as GitLab resolves them.

Order (GitLab `Gitlab::Ci::Config#build_config`): includes are merged, then `extends` is expanded,
then `!reference` tags are resolved, so a reference sees the extended job.

extends (docs: ci/yaml#extends; code `lib/gitlab/ci/config/extendable/entry.rb`): parents are deep
merged in list order and the job on top; hashes merge, arrays are replaced; at most 10 ancestors
(`MAX_NESTING_LEVELS`); unknown parents and cycles are errors.

!reference (docs: ci/yaml/yaml_optimization#reference-tags): `[job, key, ...]` into the merged
configuration, nested at most 10 levels.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cilint.findings import Finding, Severity
from cilint.input_rules import extends_reference_problem
from cilint.models.merge import deep_merge, with_entries
from cilint.syntax.nodes import location, scalar_text, string_list
from cilint.syntax.tree import MapNode, Node, ScalarNode, SeqNode
from cilint.syntax.yaml import MAX_EXPANDED_BYTES, expanded_size

MAX_EXTENDS_ANCESTORS = 10
MAX_REFERENCE_DEPTH = 10


@dataclass(frozen=True, slots=True, eq=False)
class Completeness:
    """How sure a missing `extends` parent or `!reference` target is missing in GitLab too."""

    complete: bool = True  # every include could be read
    standalone: bool = False  # a file no pipeline of the project includes, analysed on its own

    def unknown(self, message: str) -> tuple[Severity, str]:
        if not self.complete:
            return Severity.INFO, (
                f"{message}; it may be defined in an include cilint could not read (see CIL002)"
            )
        if self.standalone:
            return Severity.INFO, (
                f"{message}; this file is analysed on its own (no pipeline of this project "
                "includes it), so a pipeline that includes it may define it"
            )
        return Severity.BLOCKER, message


@dataclass(eq=False)
class _Extender:
    """Resolves `extends:` for one merged configuration, each job once."""

    config: MapNode
    findings: list[Finding]
    completeness: Completeness
    done: dict[str, MapNode] = field(default_factory=dict)

    def job(self, name: str, chain: tuple[str, ...]) -> MapNode | None:
        cached = self.done.get(name)
        if cached is not None:
            return cached
        node = self.config.get(name)
        if not isinstance(node, MapNode):
            return None
        extends = node.get("extends")
        if extends is None:
            self.done[name] = node
            return node
        merged: Node | None = None
        for parent_node in string_list(extends):
            parent = scalar_text(parent_node) or ""
            if parent in chain or parent == name:
                self._report(
                    parent_node,
                    f"circular dependency detected in `extends`: {' -> '.join((*chain, name, parent))}",
                    ("extends-cycle", name),
                )
                continue
            parent_config = self.config.get(parent)
            if parent_config is None:
                severity, message = self.completeness.unknown(
                    f"`{name}` extends `{parent}`, which is not defined"
                )
                self._report(parent_node, message, ("extends-unknown", name, parent), severity)
                continue
            if not isinstance(parent_config, MapNode):
                self._report(
                    parent_node, f"`{parent}` is not a job or hash and cannot be extended",
                    ("extends-invalid", name, parent),
                )
                continue
            resolved = self.job(parent, (*chain, name))
            if resolved is not None:
                merged = deep_merge(merged, _without(resolved, "extends"))
        result = deep_merge(merged, node)
        assert isinstance(result, MapNode)
        self.done[name] = result
        return result

    def _report(
        self, node: Node, message: str, route: tuple[str, ...], severity: Severity = Severity.BLOCKER
    ) -> None:
        self.findings.append(extends_reference_problem(message, location(node), severity, route=route))

    # -- nesting depth: a property of the ancestry, whatever order the jobs are written in ---------

    def parents(self, name: str) -> list[tuple[str, Node]]:
        node = self.config.get(name)
        extends = node.get("extends") if isinstance(node, MapNode) else None
        if extends is None:
            return []
        named = ((scalar_text(p) or "", p) for p in string_list(extends))
        return [(parent, p) for parent, p in named if isinstance(self.config.get(parent), MapNode)]

    def height(self, name: str, heights: dict[str, int], open_: set[str]) -> int:
        """Levels of `extends` above `name` (0: it extends nothing); cycles count as nothing (they
        are reported on their own)."""
        known = heights.get(name)
        if known is not None:
            return known
        open_.add(name)
        height = 0
        for parent, _ in self.parents(name):
            if parent not in open_:
                height = max(height, 1 + self.height(parent, heights, open_))
        open_.discard(name)
        heights[name] = height
        return height

    def report_depth(self) -> None:
        """GitLab rejects any job whose ancestry is more than MAX_EXTENDS_ANCESTORS levels deep. One
        finding per too-deep chain, from the job at its top, at the `extends` entry where the
        chain passes the limit (following the deepest ancestry)."""
        heights: dict[str, int] = {}
        names = [n for n, v in self.config.entries.items() if isinstance(v[1], MapNode) and "extends" in v[1]]
        deep = [n for n in names if self.height(n, heights, set()) > MAX_EXTENDS_ANCESTORS]
        extended = {parent for n in deep for parent, _ in self.parents(n)}
        for top in deep:
            if top in extended:
                continue  # part of a longer chain, reported from its top
            name = top
            for _ in range(MAX_EXTENDS_ANCESTORS):
                name = max(self.parents(name), key=lambda p: heights.get(p[0], 0))[0]
            parent_node = max(self.parents(name), key=lambda p: heights.get(p[0], 0))[1]
            self._report(
                parent_node,
                f"nesting too deep in `extends` (more than {MAX_EXTENDS_ANCESTORS} levels from `{top}`)",
                ("extends-depth", top),
            )


def expand_extends(config: MapNode, findings: list[Finding], completeness: Completeness) -> MapNode:
    extender = _Extender(config, findings, completeness)
    extender.report_depth()
    entries = dict(config.entries)
    for name, (key_node, value) in config.entries.items():
        if isinstance(value, MapNode) and "extends" in value:
            resolved = extender.job(name, ())
            if resolved is not None:
                entries[name] = (key_node, resolved)
    return with_entries(config, entries)


def _without(node: MapNode, key: str) -> MapNode:
    if key not in node.entries:
        return node
    return with_entries(node, {k: v for k, v in node.entries.items() if k != key})


class _References:
    def __init__(self, config: MapNode, findings: list[Finding], completeness: Completeness) -> None:
        self.config = config
        self.findings = findings
        self.completeness = completeness
        # (node id, depth) -> resolution: a reference reached along many paths is resolved once per
        # depth (the depth limit is the only thing that differs), not once per path
        self.memo: dict[tuple[int, int], Node] = {}
        self.active: set[int] = set()
        self.sizes: dict[int, int] = {}  # expanded sizes of resolved nodes (see expanded_size)
        self.measured: list[Node] = []  # keeps the measured nodes alive, so their ids stay theirs

    def resolve(self, node: Node, depth: int) -> Node:
        key = (id(node), depth)
        known = self.memo.get(key)
        if known is not None:
            return known
        if node.is_reference and isinstance(node, SeqNode):
            result = self._follow(node, depth)
        elif isinstance(node, SeqNode):
            # Scalars (most nodes) resolve to themselves: skipped here rather than by a call each.
            items = [item if type(item) is ScalarNode else self.resolve(item, depth) for item in node.items]
            result = node
            if any(a is not b for a, b in zip(items, node.items)):
                result = SeqNode(node.path, node.start, node.end, node.tag, node.anchor, node.flow)
                result.items = items
        elif isinstance(node, MapNode):
            entries = {}
            changed = False
            for key, (key_node, value) in node.entries.items():
                new_value = value if type(value) is ScalarNode else self.resolve(value, depth)
                changed |= new_value is not value
                entries[key] = (key_node, new_value)
            result = with_entries(node, entries) if changed else node
        else:
            result = node
        self.memo[key] = result
        return result

    def _follow(self, ref: SeqNode, depth: int) -> Node:
        path = [scalar_text(item) for item in ref.items]
        shown = ", ".join(p or "?" for p in path)
        if depth >= MAX_REFERENCE_DEPTH:
            self._report(ref, f"`!reference [{shown}]` is nested more than {MAX_REFERENCE_DEPTH} levels deep")
            return _empty_like(ref)
        if id(ref) in self.active:
            self._report(ref, f"`!reference [{shown}]` refers to itself (circular reference)")
            return _empty_like(ref)
        if not path or any(p is None for p in path):
            self._report(ref, "`!reference` needs a list of job and key names")
            return _empty_like(ref)
        target: Node | None = self.config
        for part in path:
            target = target.get(part) if isinstance(target, MapNode) else None  # type: ignore[arg-type]
            if target is None:
                severity, message = self.completeness.unknown(
                    f"`!reference [{shown}]` could not be found: `{part}` is not defined there"
                )
                self._report(ref, message, severity)
                return _empty_like(ref)
        assert target is not None
        self.active.add(id(ref))
        try:
            resolved = self.resolve(target, depth + 1)
        finally:
            self.active.discard(id(ref))
        self.measured.append(resolved)
        if expanded_size(resolved, MAX_EXPANDED_BYTES, self.sizes) > MAX_EXPANDED_BYTES:
            self._report(
                ref,
                f"`!reference [{shown}]` expands to more than {MAX_EXPANDED_BYTES:,} bytes of configuration "
                "(references inside what it brings in multiply it); cilint does not expand it, so what it "
                "brings in is not checked",
                Severity.MAJOR,
            )
            return _empty_like(ref)
        return resolved

    def _report(self, node: Node, message: str, severity: Severity = Severity.BLOCKER) -> None:
        self.findings.append(
            extends_reference_problem(message, location(node), severity, route=("reference", message))
        )


def resolve_references(config: MapNode, findings: list[Finding], completeness: Completeness) -> MapNode:
    resolved = _References(config, findings, completeness).resolve(config, 0)
    assert isinstance(resolved, MapNode)
    return resolved


def _empty_like(node: Node) -> Node:
    return SeqNode(node.path, node.start, node.end, "tag:yaml.org,2002:seq", None, True)

