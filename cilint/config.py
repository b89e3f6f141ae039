"""Project settings: `[tool.cilint]` in pyproject.toml, or the top level of `.cilint.toml`."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class ConfigError(ValueError):
    """A settings file cilint cannot use; the message names the file and the key."""


@dataclass(frozen=True, slots=True)
class ProjectConfig:
    ci_file: str = ".gitlab-ci.yml"
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()  # gitignore-style patterns of files cilint never reads
    source: str | None = None  # the settings file, for messages


_KEYS = {"ci-file", "select", "ignore", "exclude", "runners", "per-file-ignores", "severity"}


def load_config(root: Path) -> ProjectConfig:
    for name, table_path in ((".cilint.toml", ()), ("pyproject.toml", ("tool", "cilint"))):
        path = root / name
        if not path.is_file():
            continue
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as exc:
            raise ConfigError(f"{name}: {exc}") from None
        table: Any = data
        for part in table_path:
            table = table.get(part, {}) if isinstance(table, dict) else {}
        if not table and name == "pyproject.toml":
            continue
        return _parse(table, name)
    return ProjectConfig()


def _parse(table: dict[str, Any], source: str) -> ProjectConfig:
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise ConfigError(f"{source}: unknown cilint setting(s): {', '.join(unknown)}")
    ci_file = table.get("ci-file", ".gitlab-ci.yml")
    if not isinstance(ci_file, str) or not ci_file:
        raise ConfigError(f"{source}: `ci-file` must be a non-empty string")
    return ProjectConfig(
        ci_file=ci_file.lstrip("/"),
        select=_strings(table, "select", source),
        ignore=_strings(table, "ignore", source),
        exclude=_strings(table, "exclude", source),
        source=source,
    )


def _strings(table: dict[str, Any], key: str, source: str) -> tuple[str, ...]:
    value = table.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{source}: `{key}` must be a list of strings")
    return tuple(value)
