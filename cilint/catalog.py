"""The rule catalog: one YAML file per rule in `rules/` (installed as the package `cilint._rules`)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from cilint.findings import Severity

_FIX_KINDS = ("none", "display-only", "unsafe", "safe")


@dataclass(frozen=True, slots=True, eq=False)
class RuleMeta:
    """One rule of the catalog, as read from its rules/<ID>.yml file."""

    id: str
    name: str
    title: str
    severity: Severity
    fix: str
    summary: str
    rationale: str
    fix_safety: str
    references: tuple[str, ...]
    examples: dict[str, Any]


class CatalogError(ValueError):
    pass


@cache
def load_catalog() -> dict[str, RuleMeta]:
    from ruamel.yaml import YAML

    loader = YAML(typ="safe", pure=False)
    rules: dict[str, RuleMeta] = {}
    package = resources.files("cilint._rules")
    for entry in sorted(package.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".yml"):
            continue
        data = loader.load(entry.read_text(encoding="utf-8"))
        meta = _meta(entry.name, data)
        rules[meta.id] = meta
    return rules


def _meta(filename: str, data: Any) -> RuleMeta:
    if not isinstance(data, dict):
        raise CatalogError(f"{filename}: not a mapping")
    missing = [k for k in ("id", "name", "title", "severity", "fix", "summary") if k not in data]
    if missing:
        raise CatalogError(f"{filename}: missing {', '.join(missing)}")
    if filename != f"{data['id']}.yml":
        raise CatalogError(f"{filename}: id {data['id']!r} does not match the file name")
    if data["fix"] not in _FIX_KINDS:
        raise CatalogError(f"{filename}: fix must be one of {', '.join(_FIX_KINDS)}")
    return RuleMeta(
        id=data["id"],
        name=data["name"],
        title=data["title"],
        severity=Severity.parse(data["severity"]),
        fix=data["fix"],
        summary=data.get("summary", ""),
        rationale=data.get("rationale", ""),
        fix_safety=data.get("fix_safety", ""),
        references=tuple(data.get("references") or ()),
        examples=dict(data.get("examples") or {}),
    )


def rule_name(rule_id: str) -> str | None:
    meta = load_catalog().get(rule_id)
    return meta.name if meta else None
