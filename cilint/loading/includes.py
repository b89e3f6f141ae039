"""`include:` resolution: which files make up a pipeline, merged the way GitLab merges them.

GitLab (docs: ci/yaml/includes, "Merge method for include") merges included files in order, nested
includes first, with a deep merge of hashes; the including file is merged last and wins. Only local
files (and components of this very project, `$CI_PROJECT_PATH`) can be read offline; `project:`,
`remote:`, `template:` and other `component:` includes are recorded as unresolved (CIL002, info).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cilint.findings import Finding, Location, Severity, Span
from cilint.gitlab_api import IncludeRefused
from cilint.input_rules import include_problem, syntax_error
from cilint.loading.workspace import (
    SourceFile,
    Workspace,
    syntax_finding,
    unreadable_finding,
)
from cilint.models.inputs import (
    InputProblem,
    content_index,
    given_input_problems,
    interpolate,
    split_header,
)
from cilint.models.merge import deep_merge, with_entries
from cilint.models.variants import Rule, entry_key, read_rules
from cilint.syntax.nodes import is_null, location, scalar_text
from cilint.syntax.tree import MapNode, Node, ScalarNode, SeqNode
from cilint.syntax.yaml import YamlDocument
from cilint.urls import shown_url

# docs: ci/yaml/includes "Maximum of 150 nested includes are allowed!" (counting duplicates).
MAX_INCLUDES = 150
_YAML_SUFFIXES = (".yml", ".yaml")
_SELF_COMPONENT = re.compile(
    r"^(?:\$CI_SERVER_FQDN|\$\{CI_SERVER_FQDN\}|\$CI_SERVER_HOST|\$\{CI_SERVER_HOST\})/"
    r"(?:\$CI_PROJECT_PATH|\$\{CI_PROJECT_PATH\})/(?P<name>[^@/]+)(?:@.*)?$"
)
_KINDS = ("local", "project", "remote", "template", "component")
_WEB_URL = re.compile(r"^https?://", re.IGNORECASE)


@dataclass(frozen=True, slots=True, eq=False)
class IncludeEntry:
    """One `include:` entry: its kind, its target and its node."""

    kind: str
    target: str | None  # None when the entry is malformed
    node: Node  # the include entry itself (its position is where a fix belongs)
    inputs: MapNode | None


@dataclass(eq=False)
class IncludeResult:
    """A pipeline file with its includes merged, and the files read for it."""

    config: MapNode | None  # the merged configuration (before extends/default/!reference)
    files: list[str] = field(default_factory=list)  # every local file read, in merge order
    findings: list[Finding] = field(default_factory=list)
    header: MapNode | None = None  # the `spec:` header of the main file, if any
    has_references: bool = False  # some file read uses `!reference`
    no_content: bool = False  # the main file itself holds no key (only comments, a null, `{}`)
    conditional: list[tuple[Node, list[Rule]]] = field(default_factory=list)  # entries with `rules:`


class IncludeResolver:
    def __init__(
        self, workspace: Workspace, list_files: Callable[[], Iterable[str]], remote: Any = None
    ) -> None:
        self.ws = workspace
        self.list_files = list_files
        self.remote = remote  # a cilint.gitlab_api.GitLabSource when --gitlab-url is given
        self.decide: Mapping[tuple[str, int], bool] | None = None  # a variant's include decisions
        self.origins: dict[str, tuple[str, str | None]] = {}  # fetched file -> (project, ref)
        self.count = 0
        self.limit_reported = False
        # (file, inputs) -> its expansion: GitLab merges a file each time it is included (15.10+:
        # duplicates are allowed and count towards the limit), and the expansion is the same each time
        self.expanded: dict[tuple[str, str], MapNode | None] = {}
        self.result = IncludeResult(config=None)

    def resolve(
        self, main: str, inputs: MapNode | None = None, decide: Mapping[tuple[str, int], bool] | None = None
    ) -> IncludeResult:
        """`main` with its includes merged; `inputs`: those a `trigger:include` entry gives a child;
        `decide`: which entries with `rules:` a variant includes (without it, every one may apply)."""
        self.decide = decide
        self.result.config = self._expand(main, inputs, (main,), None)
        return self.result

    # -- one file ----------------------------------------------------------------------------

    def _expand(
        self, path: str, inputs: MapNode | None, stack: tuple[str, ...], at: Location | None
    ) -> MapNode | None:
        content = self._load(path, inputs, at, is_main=len(stack) == 1)
        if content is None:
            return None
        merged: Node | None = None
        include_node = content.get("include")
        if include_node is not None:
            for entry in self._entries(include_node):
                rules = read_rules(entry.node.get("rules")) if isinstance(entry.node, MapNode) else None
                if rules is not None and self._readable(entry):  # an include not read changes nothing
                    self.result.conditional.append((entry.node, rules))
                    if self.decide is not None and not self.decide.get(entry_key(entry.node), True):
                        continue
                for sub in self._follow(entry, path, stack):
                    merged = deep_merge(merged, sub)
        own = with_entries(content, {k: v for k, v in content.entries.items() if k != "include"})
        result = deep_merge(merged, own)
        return result if isinstance(result, MapNode) else None

    def _load(self, path: str, inputs: MapNode | None, at: Location | None, is_main: bool) -> MapNode | None:
        source = self.ws.source(path)
        if not isinstance(source, SourceFile):
            self.result.findings.append(unreadable_finding(path, source, at))
            return None
        self.result.files.append(path)
        parsed = self.ws.yaml(source)
        self.result.has_references |= parsed.has_references
        if parsed.problem is not None:
            self.result.findings.append(
                syntax_finding(source, parsed.problem.headline, parsed.problem.offset)
            )
            return None
        header, content = split_header(parsed.documents)
        self._ignored_documents(source, parsed.documents)
        if not is_main and not source.text.strip():
            self._problem_at(
                at, path, f"the included file `{path}` is empty; GitLab rejects the pipeline ('Included "
                f"file `{path}` is empty or does not exist!')", Severity.BLOCKER)
            return None
        if is_main:
            self.result.header = header
        else:
            for node, message in given_input_problems(header, inputs):
                where = location(node) if node is not None else at or Location(path, Span(0, 0))
                self.result.findings.append(include_problem(
                    f"include `{path}`: {message}; GitLab rejects the pipeline", where, Severity.BLOCKER,
                    route=("include-inputs", path, message)))
        if header is not None or inputs is not None:
            problems: list[InputProblem] = []
            content = interpolate(content, header, inputs, problems)
            for problem in problems:
                self._problem(problem.node, problem.message, Severity.BLOCKER)
        if content is None or is_null(content) or (isinstance(content, MapNode) and not content.entries):
            self.result.no_content |= is_main
        if content is None or is_null(content):
            return MapNode(path, 0, 0, "tag:yaml.org,2002:map", None, False)
        if not isinstance(content, MapNode):
            self.result.findings.append(
                syntax_error(
                    f"the top level of `{path}` must be a mapping of jobs and keywords, "
                    f"not a {_kind_name(content)}",
                    location(content),
                    Severity.BLOCKER,
                    route=("top-level",),
                )
            )
            return None
        return content

    # -- include entries ---------------------------------------------------------------------

    def _entries(self, node: Node) -> Iterable[IncludeEntry]:
        items = node.items if isinstance(node, SeqNode) else [node]
        for item in items:
            if isinstance(item, ScalarNode):
                text = scalar_text(item)
                if text is None:
                    continue
                kind = "remote" if re.match(r"^https?://", text) else "local"
                yield IncludeEntry(kind, text, item, None)
            elif isinstance(item, MapNode):
                kinds = [k for k in _KINDS if k in item]
                inputs = item.get("inputs") or item.get("with")
                if len(kinds) != 1:
                    self._problem(
                        item,
                        "an include entry needs exactly one of `local`, `project`, `remote`, "
                        "`template` or `component`",
                        Severity.BLOCKER,
                    )
                    continue
                kind = kinds[0]
                target_node = item.get(kind)
                yield IncludeEntry(
                    kind,
                    scalar_text(target_node) if kind != "project" else _project_target(item),
                    item,
                    inputs if isinstance(inputs, MapNode) else None,
                )
            elif isinstance(item, SeqNode):
                yield from self._entries(item)
            else:
                self._problem(item, "an include entry must be a string or a mapping", Severity.BLOCKER)

    def _follow(self, entry: IncludeEntry, including: str, stack: tuple[str, ...]) -> Iterable[MapNode]:
        if not self._count(entry):
            return
        if entry.target is None:
            self._problem(entry.node, f"`include:{entry.kind}` has no usable value", Severity.BLOCKER)
            return
        if entry.kind == "remote" and not _WEB_URL.match(entry.target):
            # GitLab: "Remote file `...` does not have a valid address!"; it fetches over HTTP(S) only
            self._problem(
                entry.node,
                f"remote include `{_shown(entry.target)}` does not have a valid address: GitLab fetches "
                "remote includes with an HTTP GET, so the URL must start with http:// or https://",
                Severity.BLOCKER,
            )
            return
        if self.remote is not None and entry.kind != "local" and not (
            entry.kind == "component" and _self_component(entry.target)
        ):
            yield from self._fetch(entry, stack)
            return
        origin = self.origins.get(including)
        if entry.kind == "local" and origin is not None and self.remote is not None:

            try:
                fetched = self.remote.project_file(origin[0], entry.target, origin[1])
            except IncludeRefused as exc:
                self._problem(entry.node, str(exc), Severity.BLOCKER)
                return
            yield from self._fetched(entry, fetched, stack, f"`{entry.target}` in project `{origin[0]}`")
            return
        if entry.kind == "component":
            yield from self._own_component(entry, entry.target, stack)
            return
        if entry.kind != "local":
            reason = {
                "remote": "remote includes are not fetched (no network access unless --gitlab-url and "
                "--allow-remote-includes are given)",
                "template": "GitLab's built-in templates are fetched only with --gitlab-url",
                "project": "files of other projects are fetched only with --gitlab-url",
            }[entry.kind]
            self._unresolved(entry, reason)
            return
        yield from self._local_entry(entry, entry.target, stack)

    def _readable(self, entry: IncludeEntry) -> bool:
        if self.remote is not None or entry.kind == "local":
            return True
        return entry.kind == "component" and entry.target is not None and _self_component(entry.target) is not None

    def _own_component(self, entry: IncludeEntry, target: str, stack: tuple[str, ...]) -> Iterable[MapNode]:
        """A component of this very project (`$CI_SERVER_FQDN/$CI_PROJECT_PATH/name@...`)."""
        name = _self_component(target)
        if name is None:
            self._unresolved(entry, "component includes are not fetched without --gitlab-url")
            return
        path = self._component_path(name)
        if path is None:
            self._problem(
                entry.node,
                f"component `{name}` of this project not found: expected "
                f"`templates/{name}.yml` or `templates/{name}/template.yml`",
                Severity.BLOCKER,
            )
            return
        yield from self._local(path, entry, stack)

    def _local_entry(self, entry: IncludeEntry, target: str, stack: tuple[str, ...]) -> Iterable[MapNode]:
        """`include:local` (or a bare path): a file, or a glob, inside the project root."""
        if "$" in target:
            self._unresolved(entry, "the path uses a CI/CD variable, which is only known in GitLab")
            return
        if not target.endswith(_YAML_SUFFIXES):
            self._problem(
                entry.node,
                f"local include `{target}` does not have a `.yml` or `.yaml` extension",
                Severity.BLOCKER,
            )
            return
        if "*" in target:
            matches = self._glob(target)
            if not matches:
                self._problem(
                    entry.node, f"local include pattern `{target}` matches no file", Severity.BLOCKER
                )
            for path in matches:
                yield from self._local(path, entry, stack)
            return
        if target.lstrip("/").startswith("./"):
            self._problem(
                entry.node,
                f"local include `{target}`: GitLab looks the path up as written from the project root and "
                f"does not resolve `./` ('Local file `{target}` does not exist!'); write "
                f"`{target.lstrip('/')[2:]}`", Severity.BLOCKER)
            return
        path = self.ws.confine(target)
        if path is None:
            self._problem(
                entry.node,
                f"local include `{target}` points outside the project root; refused",
                Severity.BLOCKER,
            )
            return
        yield from self._local(path, entry, stack)

    def _fetch(self, entry: IncludeEntry, stack: tuple[str, ...]) -> Iterable[MapNode]:
        if entry.kind == "project":
            assert isinstance(entry.node, MapNode)
            project = scalar_text(entry.node.get("project")) or ""
            ref = scalar_text(entry.node.get("ref"))

            for file_node in _as_list(entry.node.get("file")):
                name = scalar_text(file_node) or ""
                try:
                    fetched = self.remote.project_file(project, name, ref)
                except IncludeRefused as exc:
                    self._problem(entry.node, str(exc), Severity.BLOCKER)
                    continue
                yield from self._fetched(entry, fetched, stack, f"`{name}` in project `{project}`")
            return
        if entry.kind == "remote" and not self.remote.allow_remote:
            self._unresolved(entry, "remote includes are fetched only with --allow-remote-includes")
            return
        fetch = {"template": self.remote.template, "component": self.remote.component, "remote": self.remote.remote}

        try:
            fetched = fetch[entry.kind](entry.target)
        except IncludeRefused as exc:
            self._problem(entry.node, str(exc), Severity.BLOCKER)
            return
        yield from self._fetched(entry, fetched, stack, f"`{_shown(entry.target)}`")

    def _fetched(self, entry: IncludeEntry, fetched: Any, stack: tuple[str, ...], what: str) -> Iterable[MapNode]:
        if fetched is None:
            self._problem(entry.node, f"include {what} not found through the GitLab API", Severity.BLOCKER)
            return
        self.ws.add_virtual(fetched.path, fetched.text)
        if fetched.project:
            self.origins[fetched.path] = (fetched.project, fetched.ref)
        yield from self._local(fetched.path, entry, stack)

    def _local(self, path: str, entry: IncludeEntry, stack: tuple[str, ...]) -> Iterable[MapNode]:
        if path in stack:
            chain = " -> ".join((*stack[stack.index(path):], path))
            self._problem(entry.node, f"include cycle: {chain}", Severity.BLOCKER)
            return
        if not self.ws.exists(path):
            self._problem(entry.node, f"local include `{path}` does not exist", Severity.BLOCKER)
            return
        key = (path, _inputs_key(entry.inputs))
        if key in self.expanded:
            sub = self.expanded[key]
        else:
            sub = self.expanded[key] = self._expand(path, entry.inputs, (*stack, path), location(entry.node))
        if sub is not None:
            yield sub

    def _count(self, entry: IncludeEntry) -> bool:
        self.count += 1
        if self.count <= MAX_INCLUDES:
            return True
        if not self.limit_reported:
            self.limit_reported = True
            self._problem(
                entry.node,
                f"more than {MAX_INCLUDES} includes (nested and duplicates count); GitLab rejects "
                f"the pipeline with 'Maximum of {MAX_INCLUDES} nested includes are allowed!'",
                Severity.BLOCKER,
            )
        return False

    def _glob(self, pattern: str) -> list[str]:
        wildcard = WildcardPath.parse(pattern.lstrip("/"))
        return sorted(p for p in self.list_files() if p.endswith(_YAML_SUFFIXES) and wildcard.matches(p))

    def _component_path(self, name: str) -> str | None:
        for candidate in (f"templates/{name}.yml", f"templates/{name}/template.yml"):
            if self.ws.exists(candidate):
                return candidate
        return None

    def _ignored_documents(self, source: SourceFile, documents: Sequence[YamlDocument]) -> None:
        """GitLab reads one document of a file (two with a `spec:` header); the others are ignored."""
        header, content = content_index(documents)
        used = {header, content}
        ignored = [d for i, d in enumerate(documents) if i not in used and d.root is not None and not is_null(d.root)]
        if not ignored:
            return
        first = ignored[0].root
        assert first is not None
        more = f" and {len(ignored) - 1} more after it" if len(ignored) > 1 else ""
        self.result.findings.append(syntax_error(
            f"GitLab ignores this YAML document{more}: it reads only the first document of a file (with "
            "a `spec:` header, the header and one configuration document), so the jobs and keywords "
            "here never take effect; merge the documents, or move this one to a file of its own",
            location(first),
            Severity.MAJOR,
            route=("ignored-document", source.path),
        ))

    def _problem_at(self, at: Location | None, path: str, message: str, severity: Severity) -> None:
        where = at if at is not None else Location(path, Span(0, 0))
        self.result.findings.append(include_problem(message, where, severity, route=("include", message)))

    def _problem(self, node: Node, message: str, severity: Severity) -> None:
        self.result.findings.append(
            include_problem(message, location(node), severity, route=("include", message))
        )

    def _unresolved(self, entry: IncludeEntry, reason: str) -> None:
        self.result.findings.append(
            include_problem(
                f"`include:{entry.kind}` `{_shown(entry.target or '')}` not resolved: {reason}; "
                "findings may be incomplete for jobs it defines or changes",
                location(entry.node),
                Severity.INFO,
                route=("include", entry.kind, entry.target or ""),
            )
        )


@dataclass(frozen=True, slots=True, eq=False)
class ChildFile:
    """A file of this project that a `trigger:include` entry starts as a child pipeline."""

    path: str
    entry: Node
    inputs: MapNode | None


def child_files(trigger: Node | None, ws: Workspace) -> tuple[list[ChildFile], list[Finding]]:
    """The local (and same-project component) files of a job's `trigger:include` (docs:
    ci/yaml#triggerinclude); `artifact:`, `project:`, `template:` and other components are only
    known in GitLab. A named file that does not exist fails the trigger job: a finding."""
    include = trigger.get("include") if isinstance(trigger, MapNode) else None
    if include is None:
        return [], []
    children: list[ChildFile] = []
    problems: list[Finding] = []
    for item in include.items if isinstance(include, SeqNode) else [include]:
        inputs = item.get("inputs") if isinstance(item, MapNode) else None
        if isinstance(item, ScalarNode):
            target, kind = scalar_text(item), "local"
        elif isinstance(item, MapNode) and "local" in item:
            target, kind = scalar_text(item.get("local")), "local"
        elif isinstance(item, MapNode) and "component" in item:
            target, kind = scalar_text(item.get("component")), "component"
        else:
            continue
        if not target or "$" in (target if kind == "local" else ""):
            continue
        if kind == "component":
            name = _self_component(target)
            path = next((c for c in (f"templates/{name}.yml", f"templates/{name}/template.yml")
                         if ws.exists(c)), None) if name else None
            if name is None:
                continue
        else:
            path = ws.confine(target)
        if path is None or not ws.exists(path):
            problems.append(include_problem(
                f"`trigger:include` names `{target}`, which is not a file of this project: GitLab cannot "
                "create the child pipeline and the trigger job fails", location(item), Severity.MAJOR,
                route=("trigger-include", target)))
            continue
        children.append(ChildFile(path, item, inputs if isinstance(inputs, MapNode) else None))
    return children, problems


def _shown(target: str) -> str:
    """An include target for a message: a URL without its user, password or query."""
    if "://" not in target:
        return target
    return shown_url(target)


def _project_target(item: MapNode) -> str | None:
    project = scalar_text(item.get("project"))
    files = [scalar_text(f) for f in _as_list(item.get("file"))]
    if project is None:
        return None
    shown = ", ".join(f for f in files if f) or "?"
    return f"{project}:{shown}"


def _as_list(node: Node | None) -> list[Node]:
    if isinstance(node, SeqNode):
        return node.items
    return [node] if node is not None else []


def _self_component(target: str) -> str | None:
    match = _SELF_COMPONENT.match(target.strip())
    return match.group("name") if match else None


def _inputs_key(inputs: MapNode | None) -> str:
    if inputs is None:
        return ""
    return f"{inputs.path}:{inputs.span.start}"


@dataclass(frozen=True, slots=True)
class WildcardPath:
    """GitLab's wildcard grammar for `include:local` (Repository#search_files_by_wildcard_path):
    `**` matches any characters, `/` included; `*` any characters but `/`; everything else,
    `?` and `[` too, is literal; the whole path must match. So `ci/**/*.yml` needs a directory
    under `ci/`, and `**/*.yml` never names a file at the root.

    GitLab compiles it for RE2, which runs in linear time; Python's `re` backtracks, and a pattern
    with many stars could take hours on one path, so the match runs as a set of states instead."""

    tokens: tuple[str, ...]  # "**", "*", or one literal character

    @classmethod
    def parse(cls, pattern: str) -> WildcardPath:
        tokens: list[str] = []
        i = 0
        while i < len(pattern):
            token = "**" if pattern.startswith("**", i) else pattern[i]
            i += len(token)
            if token in ("*", "**") and tokens and tokens[-1] in ("*", "**"):
                tokens[-1] = "**" if "**" in (token, tokens[-1]) else "*"  # `***` is `**`
            else:
                tokens.append(token)
        return cls(tuple(tokens))

    def matches(self, path: str) -> bool:
        stars = [i for i, t in enumerate(self.tokens) if t in ("*", "**")]
        if not stars:
            return path == "".join(self.tokens)
        prefix, suffix = "".join(self.tokens[:stars[0]]), "".join(self.tokens[stars[-1] + 1:])
        if not path.startswith(prefix) or not path.endswith(suffix) or len(path) < len(prefix) + len(suffix):
            return False  # most paths of a project fail here, before the walk over their characters
        states = self._closure({0})
        for char in path:
            following: set[int] = set()
            for state in states:
                if state == len(self.tokens):
                    continue
                token = self.tokens[state]
                if token == "**" or (token == "*" and char != "/"):
                    following.add(state)
                elif token == char:
                    following.add(state + 1)
            if not following:
                return False
            states = self._closure(following)
        return len(self.tokens) in states

    def _closure(self, states: set[int]) -> set[int]:
        """A star may match nothing: a state before one also stands after it."""
        done = set(states)
        for state in sorted(states):
            while state < len(self.tokens) and self.tokens[state] in ("*", "**"):
                state += 1
                done.add(state)
        return done


def _kind_name(node: Node) -> str:
    if isinstance(node, SeqNode):
        return "list"
    return "scalar"

