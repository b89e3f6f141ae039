"""discover -> parse -> model -> checks -> filter: one run over one or more project roots."""

from __future__ import annotations

import gc
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cilint.checks import ALL_CHECKS
from cilint.config import ProjectConfig, find_settings, parse_settings
from cilint.discover import (
    Inventory,
    inventory,
    is_component_path,
    looks_like_helm_values,
)
from cilint.findings import Finding, Location, Severity, Span
from cilint.models.includes import IncludeResolver, IncludeResult
from cilint.models.pipeline import Pipeline, build_pipeline
from cilint.models.project import Project
from cilint.results import Options, ProjectResult, Result, UsageError, fails  # noqa: F401 (the entry point re-exports them)
from cilint.source import SourceFile
from cilint.suppress import apply_suppressions
from cilint.workspace import Workspace

if TYPE_CHECKING:  # runner models load only for projects with runner configuration
    from cilint.models.runner import RunnerConfig


def run(options: Options) -> Result:
    # The analysis builds many small acyclic objects; the cyclic collector's full passes over them
    # made run time grow faster than the input (measured: x2.7 per doubling of jobs, x1.8 without).
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _run(options)
    finally:
        if enabled:
            gc.enable()


def _run(options: Options) -> Result:
    groups = _group_by_root(options.paths)
    extra_runner_configs = [p.resolve() for p in options.runner_configs]
    for path in extra_runner_configs:
        if not path.is_file():
            raise UsageError(f"--runner-config {path}: no such file")
    results = []
    for root, targets in groups.items():
        ws = Workspace(root, options.overlay)
        config = load_config(ws)
        project = load_project(root, targets, config, extra_runner_configs, ws, options.gitlab)
        select = options.select or config.select
        ignore = options.ignore + config.ignore

        def enabled(rule_id: str, select: tuple[str, ...] = select, ignore: tuple[str, ...] = ignore) -> bool:
            return (not select or _matches(rule_id, select)) and not (ignore and _matches(rule_id, ignore))

        findings = list(project.findings)
        for check in ALL_CHECKS:
            if enabled(check.rule_id):  # a rule that is not selected costs nothing
                findings.extend(check.run(project))
        project.memo.clear()  # what the checks shared refers back to the project: a reference cycle

        findings = apply_suppressions(findings, ws.files(), enabled)
        findings = [f for f in findings if enabled(f.rule_id)]
        findings = _per_file(findings, config)
        prefix = _path_prefix(root, groups) if len(groups) > 1 else ""
        results.append(ProjectResult(root, ws.files(), _dedupe_and_sort(findings, project), prefix))
    return Result(results)


def _path_prefix(root: Path, roots: Iterable[Path]) -> str:
    """The root relative to the working directory when every root is under it, else relative to
    the roots' common directory: report paths stay relative (Code Quality requires it) and unique."""
    import os

    cwd = Path.cwd().resolve()
    every = list(roots)
    base = cwd if all(_under(r, cwd) for r in every) else Path(os.path.commonpath(every))
    from cilint.discover import shown_name

    shown = shown_name(root.relative_to(base).as_posix())
    return "" if shown == "." else shown + "/"


# -- which roots and files ---------------------------------------------------------------------


def _group_by_root(paths: Iterable[Path]) -> dict[Path, list[Path] | None]:
    """Project root -> files to lint there (None: the whole project)."""
    groups: dict[Path, list[Path] | None] = {}
    from cilint.discover import shown_name

    for raw in paths:
        if shown_name(str(raw)) != str(raw):
            raise UsageError(f"{shown_name(str(raw))}: the path is not valid UTF-8; rename it")
        if not raw.exists():
            raise UsageError(f"{raw}: no such file or directory")
        path = raw.resolve()
        if path.is_dir():
            groups[path] = None
            continue
        root = _root_of(path)
        existing = groups.get(root, [])
        if existing is not None:
            existing.append(path)
            groups[root] = existing
    return groups


def _root_of(file: Path) -> Path:
    """The project a single file belongs to: its git work tree, else its directory."""
    for parent in file.parents:
        if (parent / ".git").exists():
            return parent
    import subprocess  # only when a single file is checked inside a git work tree

    try:
        top = subprocess.run(
            ["git", "-C", str(file.parent), "rev-parse", "--show-toplevel"],
            capture_output=True, text=True, timeout=10, check=False,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        top = ""
    return Path(top).resolve() if top else file.parent


# -- loading a project -------------------------------------------------------------------------


def load_config(ws: Workspace) -> ProjectConfig:
    texts = {}
    for name in (".cilint.toml", "pyproject.toml"):
        if ws.exists(name):
            source = ws.source(name)
            if isinstance(source, SourceFile):
                texts[name] = source.text
    found = find_settings(texts)
    return parse_settings(*found) if found else ProjectConfig()


def load_project(
    root: Path,
    targets: list[Path] | None,
    config: ProjectConfig,
    extra_runner_configs: list[Path],
    ws: Workspace | None = None,
    gitlab: Any = None,
) -> Project:
    ws = ws or Workspace(root)
    findings: list[Finding] = list(config.problems)
    listing: list[str] = []
    inv: Inventory | None = None

    def list_files() -> list[str]:
        nonlocal inv
        if inv is None:
            inv = inventory(root, config.exclude)
            listing.extend(inv.files)
        return listing

    pipeline_paths: list[str] = []
    runner_paths: list[str] = []
    if targets is None:
        inv = inventory(root, config.exclude)
        listing.extend(inv.files)
        main = config.ci_file
        if ws.exists(main):
            pipeline_paths.append(main)
        elif config.source is not None and config.ci_file != ".gitlab-ci.yml":
            findings.append(
                Finding(
                    "CIL002",
                    f"`ci-file` in {config.source} names `{main}`, which does not exist",
                    Location(main, Span(0, 0)),
                    Severity.MAJOR,
                    route=("ci-file",),
                )
            )
        pipeline_paths.extend(p for p in (*inv.pipelines, *inv.components) if p != main)
        runner_paths.extend(inv.runner_tomls)
        findings.extend(_unreadable_finding(path, reason) for path, reason in inv.unreadable)
        findings.extend(_bad_name_finding(name) for name in inv.bad_names)
        runner_paths.extend(p for p in inv.helm_candidates if _is_helm_values(ws, p))
    else:
        for target in targets:
            rel = ws.relative(target)
            kind = _classify(ws, rel)
            (runner_paths if kind == "runner" else pipeline_paths).append(rel)
    given: list[str] = []
    for extra in extra_runner_configs:
        if not _under(extra, root):
            ws.outside.add(str(extra))
        given.append(ws.relative(extra) if _under(extra, root) else str(extra))
    runner_paths.extend(given)

    resolved = _resolve_all(ws, pipeline_paths, list_files, gitlab)
    included = {f for path, r in resolved.items() for f in r.files if f != path}
    pipelines: list[Pipeline] = []
    for path, result in resolved.items():
        if path in included and path != config.ci_file:
            continue  # analysed as part of the pipeline that includes it
        findings.extend(result.findings)
        if path == config.ci_file and _blank(ws, path):
            findings.append(Finding(
                "CIL001", f"`{path}` is empty; GitLab creates no pipeline and says 'Please provide content of "
                f"{path}'", Location(path, Span(0, 0)), Severity.BLOCKER, route=("empty", path)))
        elif path == config.ci_file and result.no_content:
            findings.append(Finding(
                "CIL001", f"`{path}` defines no jobs and no keywords (only comments, a null or an empty mapping); GitLab "
                "creates no pipeline from it", Location(path, Span(0, 0)), Severity.BLOCKER, route=("empty", path)))
        if result.config is None:
            continue
        partial = any(f.rule_id == "CIL002" for f in result.findings)
        standalone = path != config.ci_file and not is_component_path(path)
        pipeline = build_pipeline(
            path, tuple(result.files), result.config, findings, result.header, partial, standalone,
            has_references=result.has_references,
        )
        pipelines.append(pipeline)
    runner_configs: list[RunnerConfig] = []
    if runner_paths:
        from cilint.models.runner_files import (
            load_runner_configs,  # runner models: only when needed
        )

        for path in dict.fromkeys(runner_paths):
            runner_configs.extend(load_runner_configs(ws, path, findings))
    return Project(
        root=root,
        workspace=ws,
        pipelines=tuple(pipelines),
        runner_configs=tuple(runner_configs),
        findings=tuple(findings),
        config=config,
        given_runner_configs=frozenset(given),
    )


def _blank(ws: Workspace, path: str) -> bool:
    source = ws.source(path)
    return isinstance(source, SourceFile) and not source.text.strip()


def _unreadable_finding(path: str, reason: str) -> Finding:
    kind = "a runner configuration" if path.endswith(".toml") else "Helm values with a runner configuration"
    return Finding(
        "CIL002",
        f"`{path}` was not checked: {reason}; if it is {kind}, give cilint read access to it",
        Location(path, Span(0, 0)),
        Severity.MINOR,
        route=("unreadable", path),
    )


def _bad_name_finding(name: str) -> Finding:
    return Finding(
        "CIL001",
        f"the file name `{name}` is not valid UTF-8, so the file was not read; GitLab shows and includes "
        "files by UTF-8 paths: rename it",
        Location(name, Span(0, 0)),
        Severity.MAJOR,
        route=("file-name", name),
    )


def _resolve_all(ws: Workspace, paths: list[str], list_files, gitlab: Any = None) -> dict[str, IncludeResult]:  # type: ignore[no-untyped-def]
    """Each pipeline file with its includes merged; a file already included by one resolved before it
    (the main pipeline comes first) is not resolved on its own: it is analysed as part of that one."""
    results: dict[str, IncludeResult] = {}
    included: set[str] = set()
    for index, path in enumerate(dict.fromkeys(paths)):
        if index and path in included:
            continue
        results[path] = result = IncludeResolver(ws, list_files, gitlab).resolve(path)
        included.update(f for f in result.files if f != path)
    return results


def _under(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def _classify(ws: Workspace, rel: str) -> str:
    if rel.endswith(".toml"):
        return "runner"
    if is_component_path(rel) or rel.endswith((".gitlab-ci.yml", ".gitlab-ci.yaml")):
        return "pipeline"
    source = ws.source(rel)
    if isinstance(source, SourceFile) and looks_like_helm_values(source.text) and _is_helm_values(ws, rel):
        return "runner"
    return "pipeline"


def _is_helm_values(ws: Workspace, rel: str) -> bool:
    source = ws.source(rel)
    if not isinstance(source, SourceFile):
        return False
    parsed = ws.yaml(source)
    if parsed.problem is not None:
        return True  # it reads like runner Helm values but cannot be read: reported, not skipped
    if not parsed.documents:
        return False
    from cilint.models.runner_files import helm_runner_sections

    return bool(helm_runner_sections(parsed.documents[0].root))


# -- selection and order -----------------------------------------------------------------------


def _matches(rule_id: str, patterns: Iterable[str]) -> bool:
    for pattern in patterns:
        pattern = pattern.strip()
        if pattern.upper() == "ALL" or (pattern and rule_id.startswith(pattern.upper())):
            return True
        # A rule name (`include-problem`) always has a hyphen, an id or prefix never: the catalog is
        # read only for names.
        if "-" in pattern:
            from cilint.catalog import rule_name

            if pattern == rule_name(rule_id):
                return True
    return False


def _per_file(findings: list[Finding], config: ProjectConfig) -> list[Finding]:
    """`per-file-ignores` and `severity` overrides from the settings."""
    if not config.per_file_ignores and not config.severity:
        return findings
    import dataclasses

    import pathspec

    ignores = [(pathspec.GitIgnoreSpec.from_lines([p]), codes) for p, codes in config.per_file_ignores]
    overrides = dict(config.severity)
    kept = []
    for finding in findings:
        if any(spec.match_file(finding.path) and _matches(finding.rule_id, codes) for spec, codes in ignores):
            continue
        severity = overrides.get(finding.rule_id)
        kept.append(dataclasses.replace(finding, severity=severity) if severity is not None else finding)
    return kept


def _dedupe_and_sort(findings: list[Finding], project: Project) -> list[Finding]:
    unique: dict[tuple[object, ...], Finding] = {}
    for finding in findings:
        key = (finding.rule_id, finding.location, finding.message)
        unique.setdefault(key, finding)
    return sorted(
        unique.values(),
        key=lambda f: (f.location.path, f.location.span.start, f.rule_id, f.message),
    )
