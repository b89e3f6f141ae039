"""What a run is asked to do and what it found: the request (`Options`), the result per project
root, and the usage error. Below the engine, so that reports, the fix loop and the merge-request
comments read results without depending on the orchestrator."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cilint.findings import Confidence, Finding, Severity
from cilint.source import SourceFile

# Where every finding links its rule's page: the catalog as the release pipeline publishes it
# (GitLab Pages, one page per rule). `{id}` and `{name}` are the rule's; the `docs-url` setting
# overrides it (a mirror, an internal copy) and an empty one links nothing.
DOCS_URL = "https://cilint.gitlab.io/cilint/rules/{id}/"


@dataclass(frozen=True, slots=True, eq=False)
class Options:
    """What one run lints and how: the command line, after parsing."""

    paths: tuple[Path, ...] = (Path("."),)
    runner_configs: tuple[Path, ...] = ()
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    overlay: Mapping[str, str] = field(default_factory=dict)  # absolute path -> text (fixes not written yet)
    gitlab: Any = None  # cilint.gitlab_api.GitLabSource when --gitlab-url is given
    confidence: Confidence | None = None  # the least confidence shown (None: the settings', else medium)
    config: Path | None = None  # `--config FILE`: these settings for every root, not the root's own
    ci_file: str | None = None  # the main pipeline's path when the project declares it (GitLab's ci_config_path)


@dataclass(eq=False)
class ProjectResult:
    """The findings of one project root, and the files read for them (to show and fix findings).
    The project's model is not kept: a run over many roots holds one model at a time."""

    root: Path
    files: dict[str, SourceFile]
    findings: list[Finding] = field(default_factory=list)
    # What reports put before the project's paths: "" for a run over one root; in a run over several,
    # the root's path (relative to the working directory when under it), so that no two files of
    # the run are reported under one name.
    prefix: str = ""
    hidden: int = 0  # findings below the confidence shown
    docs_url: str = DOCS_URL  # the rule page of a finding, see DOCS_URL
    analysed: bool = True  # False when the root holds no pipeline and no runner configuration
    baselined: int = 0  # findings a `--baseline` file accepts, not shown
    # What Code Quality, SARIF, fingerprints and merge request positions put before a path: the root
    # relative to its git work tree's top (`prefix` is relative to the working directory).
    repo_prefix: str = ""
    outside: dict[str, str] = field(default_factory=dict)  # --runner-config outside the root -> as given
    # `check --trace`: id of a finding -> the lookup of its subject, as lines under it
    traces: dict[int, list[str]] = field(default_factory=dict)

    def shown(self, path: str, repository: bool = False) -> str:
        """`path` (relative to the root) as a report shows it: relative to the working directory, or
        with `repository`, to the repository's top; a file given outside the root, as it was given."""
        given = self.outside.get(path)
        if given is not None:
            return given
        return (self.repo_prefix if repository else self.prefix) + path


@dataclass(eq=False)
class Result:
    """The findings of one run, per project root."""

    projects: list[ProjectResult]

    @property
    def findings(self) -> list[Finding]:
        return [f for p in self.projects for f in p.findings]

    @property
    def hidden(self) -> int:
        return sum(p.hidden for p in self.projects)


class UsageError(Exception):
    """Bad command-line input (exit code 2)."""


def fails(findings: Iterable[Finding], threshold: Severity) -> bool:
    return any(f.severity >= threshold for f in findings)
