"""GLC011 runner-value-rejected: A runner setting of a type or value GitLab Runner does not accept."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from cilint.checks.base import Check, CheckContext
from cilint.data import load
from cilint.findings import Finding, Severity
from cilint.spelling import closest
from cilint.syntax.nodes import location
from cilint.syntax.tree import MapNode, Node, ScalarNode, SeqNode

if TYPE_CHECKING:  # runner models load only for projects with runner configuration
    from cilint.models.runner import Setting, Table

_TYPE_WORDS = {"string": "a string", "int": "an integer", "bool": "a boolean (true or false)",
               "strings": "a list of strings", "string-or-strings": "a string or a list of strings",
               "table": "a table"}


class RunnerValueRejected(Check):
    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        if not ctx.project.runner_configs:
            return
        from cilint.models.runner import Table  # runner models: only with runner configuration

        data = load("runner_values.toml")
        for config in ctx.project.runner_configs:
            if config.root is not None:
                yield from self._types(Table("", config.root), data["types"]["global"], "")
            for runner in config.runners:
                yield from self._types(runner.table, data["types"]["runners"], runner.name)
                for executor in ("docker", "kubernetes"):
                    table = runner.table.table(executor)
                    yield from self._types(table, data["types"][executor], runner.name)
                    yield from self._pull_policies(table, data["pull_policies"], runner.name)
                yield from self._executor(runner.table.setting("executor"), data, runner.name)

    def _types(self, table: Table, types: dict[str, list[str]], runner: str) -> Iterator[Finding]:
        for kind, keys in types.items():
            for key in keys:
                setting = table.setting(key)
                if setting is None or setting.is_template or _fits(setting.node, kind):
                    continue
                where = f"`{table.name}.{key}`".replace("`.", "`") if table.name else f"`{key}`"
                yield self._finding(
                    setting, runner, f"{where} must be {_TYPE_WORDS[kind]}, not {_written(setting.node)}",
                    why="GitLab Runner's TOML decoder rejects the value ('incompatible types') and the runner does "
                        "not load this configuration: it does not start, or keeps its previous one",
                    remedy=_remedy(setting.node, kind),
                    route=("type", table.name, key))

    def _pull_policies(self, table: Table, allowed: list[str], runner: str) -> Iterator[Finding]:
        for key in ("pull_policy", "allowed_pull_policies"):
            setting = table.setting(key)
            if setting is None or setting.is_template:
                continue
            for item in _strings(setting.node):
                value = str(item.value)
                if value not in allowed and "$" not in value:
                    hint = closest(value, allowed)
                    yield self._finding(
                        setting, runner, f"`{table.name}.{key}` `{value}` is not a pull policy",
                        why=f"GitLab Runner fails every job it pulls an image for: 'unsupported pull_policy' (it knows "
                            f"{', '.join(allowed)})",
                        remedy=f"write `{hint}`" if hint else f"use one of {', '.join(allowed)}",
                        route=("pull_policy", table.name, value), node=item)

    def _executor(self, setting: Setting | None, data: dict[str, Any], runner: str) -> Iterator[Finding]:
        value = setting.value if setting is not None and not setting.is_template else None
        if not isinstance(value, str) or value in data["executors"] or "$" in value:
            return
        removed = value in data["removed_executors"]
        hint = closest(value, data["executors"])
        assert setting is not None
        yield self._finding(
            setting, runner, f"executor `{value}` " + ("was removed in GitLab Runner 17.0" if removed else "does not exist")
            + (f"; did you mean `{hint}`?" if hint and not removed else ""),
            why="the runner takes no job with it ('executor not found')",
            remedy=f"write `{hint}`" if hint else f"use one of {', '.join(data['executors'])}",
            route=("executor", value))

    def _finding(self, setting: Setting, runner: str, statement: str, why: str, remedy: str,
                 route: tuple[str, ...], node: Node | None = None) -> Finding:
        return Finding(self.rule_id, f"runner `{runner}`: {statement}" if runner else statement,
                       location(node or setting.node), Severity.BLOCKER, route=("runner", runner, *route),
                       why=why, remedy=remedy)


def _fits(node: Node, kind: str) -> bool:
    value = node.value if isinstance(node, ScalarNode) else None
    if kind == "string":
        return isinstance(value, str)
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "table":
        return isinstance(node, MapNode)
    strings = isinstance(node, SeqNode) and all(isinstance(i, ScalarNode) and isinstance(i.value, str) for i in node.items)
    return strings or (kind == "string-or-strings" and isinstance(value, str))


def _strings(node: Node) -> list[ScalarNode]:
    items = node.items if isinstance(node, SeqNode) else [node]
    return [i for i in items if isinstance(i, ScalarNode) and isinstance(i.value, str)]


def _written(node: Node) -> str:
    if isinstance(node, MapNode):
        return "a table"
    if isinstance(node, SeqNode):
        return "a list" if node.items else "an empty list"
    value = node.value if isinstance(node, ScalarNode) else None
    kinds = {bool: "a boolean", int: "an integer", float: "a float", str: "a string"}
    return f"{kinds.get(type(value), 'a ' + type(value).__name__)} ({node.text if isinstance(node, ScalarNode) else value})"


def _remedy(node: Node, kind: str) -> str:
    text = node.text if isinstance(node, ScalarNode) else None
    value = node.value if isinstance(node, ScalarNode) else None
    if text is not None and kind == "string":
        return f'quote it: `"{text}"`'
    if isinstance(value, str) and kind == "strings":
        return f'write it as a list: `["{value}"]`'
    if isinstance(value, str) and kind == "bool" and value.lower() in ("true", "false"):
        return f"write `{value.lower()}` without quotes"
    if isinstance(value, str) and kind == "int" and value.strip().lstrip("-").isdigit():
        return f"write `{value.strip()}` without quotes"
    if kind == "table" and isinstance(node, SeqNode):
        return "write a table of its own, one `\"key\" = \"value\"` line per entry, instead of a list"
    return f"write {_TYPE_WORDS[kind]}"
