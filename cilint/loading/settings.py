"""Project settings: `[tool.cilint]` in pyproject.toml, or the top level of `.cilint.toml`.

A settings file cilint cannot use is reported as a finding with its line (CIL001 for TOML syntax,
CIL004 for a setting that is unknown or has the wrong type) and the defaults are used for what is
wrong, so the rest of the analysis still runs.
"""

from __future__ import annotations

from cilint.catalog import rule_id_of, selector_problem
from cilint.findings import Confidence, Finding, Location, Severity, Span
from cilint.input_rules import invalid_settings, syntax_error
from cilint.models.settings import EXECUTORS, ProjectConfig, RunnerMapping
from cilint.syntax.tree import MapNode, Node, ScalarNode, SeqNode

_KEYS = {"ci-file", "select", "ignore", "exclude", "runners", "executor", "confidence", "docs-url", "per-file-ignores",
         "severity"}
_RUNNER_KEYS = {"name", "tags", "run-untagged"}


def find_settings(files: dict[str, str]) -> tuple[str, str] | None:
    """(file name, text) of the settings file among the root's `.cilint.toml` and `pyproject.toml`."""
    if ".cilint.toml" in files:
        return ".cilint.toml", files[".cilint.toml"]
    if "pyproject.toml" in files and "cilint" in files["pyproject.toml"]:
        return "pyproject.toml", files["pyproject.toml"]
    return None


def parse_settings(name: str, text: str) -> ProjectConfig:
    from cilint.syntax.toml import parse_toml  # ~7M instructions at start-up: only with a settings file

    parsed = parse_toml(text, name)
    if parsed.problem is not None or parsed.root is None:
        offset = parsed.problem.offset if parsed.problem else 0
        message = parsed.problem.message if parsed.problem else "unreadable"
        finding = syntax_error(f"TOML syntax error in the cilint settings: {message}",
                          Location(name, Span(offset, offset)), Severity.BLOCKER, route=("settings",))
        return ProjectConfig(source=name, problems=(finding,))
    table: Node | None = parsed.root
    if name.rsplit("/", 1)[-1] == "pyproject.toml":
        tool = parsed.root.get("tool")
        table = tool.get("cilint") if isinstance(tool, MapNode) else None
    if not isinstance(table, MapNode):
        return ProjectConfig()
    return _Reader(name).read(table)


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[Finding] = []

    def problem(self, node: Node, message: str) -> None:
        self.problems.append(
            invalid_settings(f"invalid cilint setting: {message}", Location(self.source, node.span),
                    Severity.MAJOR, route=("settings", message))
        )

    def read(self, table: MapNode) -> ProjectConfig:
        for key, (key_node, _) in table.entries.items():
            if key not in _KEYS:
                self.problem(key_node, f"unknown setting `{key}` (known: {', '.join(sorted(_KEYS))})")
        ci_file = self.string(table, "ci-file") or ".gitlab-ci.yml"
        executor = self.string(table, "executor")
        if executor is not None and executor not in EXECUTORS:
            self.problem(table.get("executor"), f"`executor` must be one of {', '.join(EXECUTORS)}")  # type: ignore[arg-type]
            executor = None
        confidence = None
        written = self.string(table, "confidence")
        if written is not None:
            try:
                confidence = Confidence.parse(written)
            except ValueError as exc:
                self.problem(table.get("confidence"), str(exc))  # type: ignore[arg-type]
        return ProjectConfig(
            ci_file=ci_file.lstrip("/"),
            docs_url=self.docs_url(table.get("docs-url")),
            select=self.selectors(table, "select"),
            ignore=self.selectors(table, "ignore"),
            exclude=self.strings(table, "exclude"),
            runners=self.runners(table.get("runners")),
            executor=executor,
            confidence=confidence,
            per_file_ignores=self.per_file_ignores(table.get("per-file-ignores")),
            severity=self.severities(table.get("severity")),
            source=self.source,
            problems=tuple(self.problems),
        )

    def string(self, table: MapNode, key: str) -> str | None:
        node = table.get(key)
        if node is None:
            return None
        if isinstance(node, ScalarNode) and isinstance(node.value, str) and node.value:
            return node.value
        self.problem(node, f"`{key}` must be a non-empty string")
        return None

    def docs_url(self, node: Node | None) -> str | None:
        """An https URL template whose placeholders are `{id}` and `{name}`, or "" for no links."""
        if node is None:
            return None
        value = node.value if isinstance(node, ScalarNode) else None
        if not isinstance(value, str):
            self.problem(node, "`docs-url` must be a string")
            return None
        if value == "":
            return ""
        try:
            shown = value.format(id="DNS001", name="desktop-only-hostname")
        except (KeyError, IndexError, ValueError):
            self.problem(node, "`docs-url` may use only the placeholders {id} and {name}")
            return None
        if not shown.startswith(("https://", "http://")):
            self.problem(node, "`docs-url` must be an http(s) URL")
            return None
        return value

    def strings(self, table: MapNode, key: str) -> tuple[str, ...]:
        node = table.get(key)
        if node is None:
            return ()
        if isinstance(node, ScalarNode) and isinstance(node.value, str):
            return (node.value,)
        if isinstance(node, SeqNode) and all(isinstance(i, ScalarNode) and isinstance(i.value, str) for i in node.items):
            return tuple(i.value for i in node.items)  # type: ignore[attr-defined]
        self.problem(node, f"`{key}` must be a list of strings")
        return ()

    def selectors(self, table: MapNode, key: str, label: str | None = None) -> tuple[str, ...]:
        """Rule ids, id prefixes or names; one that selects no rule is a problem at its own line and is
        left out (a list left empty then selects every rule, as if it were not written)."""
        written = self.strings(table, key)
        node = table.get(key)
        items = node.items if isinstance(node, SeqNode) else [node] * len(written)
        kept = []
        for value, item in zip(written, items):
            problem = selector_problem(value)
            if problem is None:
                kept.append(value)
            else:
                self.problem(item, f"{label or f'`{key}`'}: {problem}")  # type: ignore[arg-type]
        return tuple(kept)

    def per_file_ignores(self, node: Node | None) -> tuple[tuple[str, tuple[str, ...]], ...]:
        if node is None:
            return ()
        if not isinstance(node, MapNode):
            self.problem(node, '`per-file-ignores` must be a table of pattern = ["RULE", ...]')
            return ()
        return tuple((pattern, self.selectors(node, pattern, f"`per-file-ignores` `{pattern}`"))
                     for pattern, _ in node.items())

    def severities(self, node: Node | None) -> tuple[tuple[str, Severity], ...]:
        if node is None:
            return ()
        if not isinstance(node, MapNode):
            self.problem(node, '`severity` must be a table of RULE = "info|minor|major|critical|blocker"')
            return ()
        out: list[tuple[str, Severity]] = []
        for rule, (key_node, value) in node.entries.items():
            rule_id = rule_id_of(rule)
            if rule_id is None:
                self.problem(key_node, f"`severity`: {selector_problem(rule) or f'`{rule}` is a prefix, not one rule'}")
                continue
            try:
                out.append((rule_id, Severity.parse(value.value if isinstance(value, ScalarNode) else "")))
            except ValueError as exc:
                self.problem(value, f"severity of {rule}: {exc}")
        return tuple(out)

    def runners(self, node: Node | None) -> tuple[RunnerMapping, ...]:
        if node is None:
            return ()
        items = node.items if isinstance(node, SeqNode) else [node]
        mappings = []
        for item in items:
            if not isinstance(item, MapNode):
                self.problem(item, "`runners` must be an array of tables (`[[tool.cilint.runners]]`)")
                continue
            for key, (key_node, _) in item.entries.items():
                if key not in _RUNNER_KEYS:
                    self.problem(key_node, f"unknown runner setting `{key}` (known: name, tags, run-untagged)")
            name = self.string(item, "name")
            if name is None and item.get("name") is None:
                self.problem(item, "a `[[tool.cilint.runners]]` entry needs `name` (the runner's name in config.toml)")
            untagged = item.get("run-untagged")
            run_untagged = False
            if untagged is not None:
                if isinstance(untagged, ScalarNode) and isinstance(untagged.value, bool):
                    run_untagged = untagged.value
                else:
                    self.problem(untagged, "`run-untagged` must be true or false")
            tags = self.strings(item, "tags")
            if name is not None:
                mappings.append(RunnerMapping(name, tags, run_untagged))
        return tuple(mappings)
