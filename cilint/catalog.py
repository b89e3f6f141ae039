"""The rule catalog: one YAML file per rule in `rules/` (installed as the package `cilint._rules`)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from cilint.findings import Severity
from cilint.source import SourceFile
from cilint.syntax.nodes import plain
from cilint.syntax.yaml import parse_yaml

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
    rules: dict[str, RuleMeta] = {}
    from importlib import (
        resources,  # stdlib, ~5 ms of cold start: only when a rule's metadata is read
    )

    package = resources.files("cilint._rules")
    for entry in sorted(package.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".yml"):
            continue
        meta = _meta(entry.name, read_rule_file(entry.name, entry.read_text(encoding="utf-8")))
        rules[meta.id] = meta
    return rules


def read_rule_file(filename: str, text: str) -> Any:
    """A rule file as plain Python data, read by cilint's own YAML layer (the rule files mean the same
    in YAML 1.1 and 1.2: a test compares them with ruamel's reading). ruamel's safe loader took twice
    as long: 24 ms for the whole catalog, against 12."""
    source = SourceFile(filename, text)
    parsed = parse_yaml(source)
    if parsed.problem is not None:
        where = source.position(parsed.problem.offset)
        raise CatalogError(f"{filename}:{where.line}:{where.column}: {parsed.problem.message}")
    if len(parsed.documents) != 1:
        raise CatalogError(f"{filename}: expected one YAML document")
    return plain(parsed.documents[0].root)


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


@cache
def rule_meta(rule_id: str) -> RuleMeta | None:
    """One rule's entry, reading only its own file (a report names a few rules, not all)."""
    if not (rule_id[:3].isalpha() and rule_id[3:].isdigit()):
        return None
    from importlib import resources  # as in load_catalog

    entry = resources.files("cilint._rules").joinpath(f"{rule_id}.yml")
    if not entry.is_file():
        return None
    return _meta(entry.name, read_rule_file(entry.name, entry.read_text(encoding="utf-8")))


def rule_name(rule_id: str) -> str | None:
    meta = rule_meta(rule_id)
    return meta.name if meta else None


@cache
def rule_ids() -> tuple[str, ...]:
    """Every rule id, from the catalog's file names (nothing is parsed)."""
    from importlib import resources  # as in load_catalog

    return tuple(sorted(e.name[:-4] for e in resources.files("cilint._rules").iterdir()
                        if e.name.endswith(".yml") and e.name[:3].isalpha() and e.name[3:-4].isdigit()))


def rule_id_of(selector: str) -> str | None:
    """The id a rule id or rule name (`dind-dns-flag`) stands for; None for anything else."""
    written = selector.strip()
    if written.upper() in rule_ids():
        return written.upper()
    if "-" in written:  # a name always has a hyphen, an id never: the catalog is read only for names
        return next((m.id for m in load_catalog().values() if m.name == written), None)
    return None


def selector_problem(selector: str) -> str | None:
    """Why `selector` (a rule id, an id prefix, a rule name or ALL) selects no rule, with the closest
    one when it looks like a typo; None when it selects at least one rule."""
    from cilint.spelling import closest

    written = selector.strip()
    if not written:
        return "an empty rule selector"
    if written.upper() == "ALL" or rule_id_of(written) is not None:
        return None
    if "-" in written:
        hint = closest(written, [m.name for m in load_catalog().values()])
        return f"no rule is named `{written}`" + (f" (did you mean `{hint}`?)" if hint else "")
    if written.isalnum() and any(i.startswith(written.upper()) for i in rule_ids()):
        return None
    hint = closest(written.upper(), rule_ids())
    return (f"no rule id is or starts with `{written}`" + (f" (did you mean `{hint}`?)" if hint else "")
            + "; `cilint rules` lists them")
