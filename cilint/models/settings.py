"""The project's cilint settings as data (read by `cilint.loading.settings`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from cilint.findings import Confidence, Finding, Severity

EXECUTORS = (
    "docker", "docker-windows", "docker+machine", "docker-autoscaler", "kubernetes", "shell", "ssh",
    "parallels", "virtualbox", "custom", "instance",
)


@dataclass(frozen=True, slots=True)
class RunnerMapping:
    """`[[tool.cilint.runners]]`: which job tags a runner (by its `name` in config.toml) picks up."""

    name: str
    tags: tuple[str, ...] = ()
    run_untagged: bool = False


@dataclass(frozen=True, slots=True)
class ProjectConfig:
    """The project's cilint settings (`.cilint.toml` or `[tool.cilint]` in pyproject.toml)."""

    ci_file: str = ".gitlab-ci.yml"
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()  # gitignore-style patterns of files cilint never reads
    runners: tuple[RunnerMapping, ...] = ()
    executor: str | None = None  # the executor when no runner configuration is available
    confidence: Confidence | None = None  # the least confidence shown (`confidence = "low"` shows all)
    docs_url: str | None = None  # `docs-url`: the rule pages' URL template ("" links none)
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (gitignore-style pattern, rules)
    severity: tuple[tuple[str, Severity], ...] = ()  # rule id -> severity override
    source: str | None = None  # the settings file, for messages
    problems: tuple[Finding, ...] = field(default=())
