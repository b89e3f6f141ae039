"""Building a `Project` from a root: settings, which files are pipelines and runner configurations,
include resolution, the merged pipelines and the runner models."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cilint.findings import Finding, Location, Severity, Span
from cilint.input_rules import INCLUDE_PROBLEM, include_problem, syntax_error
from cilint.loading.discover import (
    Inventory,
    inventory,
    is_component_path,
    looks_like_helm_values,
)
from cilint.loading.includes import IncludeResolver, IncludeResult, child_files
from cilint.loading.project import Project
from cilint.loading.roots import under
from cilint.loading.settings import find_settings, parse_settings
from cilint.loading.workspace import Workspace
from cilint.models.pipeline import GLOBAL_KEYWORDS, Job, Pipeline, build_pipeline, extended_config, pipeline_variables
from cilint.models.settings import ProjectConfig
from cilint.models.variants import (
    Choice,
    jobs_with_rule_variables,
    read_rules,
    variants,
)
from cilint.results import UsageError
from cilint.source import SourceFile
from cilint.syntax.tree import MapNode


def load_config(ws: Workspace, explicit: Path | None = None) -> ProjectConfig:
    """The project's settings: `explicit` (`--config FILE`), else `.cilint.toml`, else `[tool.cilint]`
    of `pyproject.toml` at the root."""
    if explicit is not None:
        return _explicit_config(ws, explicit.resolve())
    texts = {}
    for name in (".cilint.toml", "pyproject.toml"):
        if ws.exists(name):
            source = ws.source(name)
            if isinstance(source, SourceFile):
                texts[name] = source.text
    found = find_settings(texts)
    return parse_settings(*found) if found else ProjectConfig()


def _explicit_config(ws: Workspace, path: Path) -> ProjectConfig:
    inside = under(path, ws.root)
    name = ws.relative(path) if inside else str(path)
    if not inside:
        ws.outside.add(name)
    source = ws.source(name) if path.is_file() else None
    if not isinstance(source, SourceFile):
        raise UsageError(f"--config {path}: no readable settings file there")
    if path.name == "pyproject.toml" and "cilint" not in source.text:
        raise UsageError(f"--config {path}: a pyproject.toml without [tool.cilint]")
    return parse_settings(name, source.text)


@dataclass(slots=True)
class _Files:
    """What a project's run reads: pipeline files, runner files, and the listing includes glob over."""

    root: Path
    exclude: tuple[str, ...]
    pipelines: list[str] = field(default_factory=list)
    runners: list[str] = field(default_factory=list)
    given: list[str] = field(default_factory=list)  # --runner-config paths as shown
    inventory: Inventory | None = None
    ws: Workspace | None = None  # told when the listing is used (a memoised load depends on it then)

    def listing(self) -> list[str]:
        """Every file of the project, listed the first time an include needs it."""
        if self.ws is not None and self.ws.log is not None:
            self.ws.log.listed = True
        if self.inventory is None:
            self.inventory = inventory(self.root, self.exclude)
        return self.inventory.files


def load_project(
    root: Path,
    targets: list[Path] | None,
    config: ProjectConfig,
    extra_runner_configs: list[Path],
    ws: Workspace | None = None,
    gitlab: Any = None,
    also: Iterable[Path] = (),
) -> Project:
    """The project at `root`: the whole of it (`targets` None) and the files of `also`, or only the
    files of `targets`. A file of `also` that an analysed pipeline includes is analysed as part of it."""
    ws = ws or Workspace(root)
    findings: list[Finding] = list(config.problems)
    files = _Files(root, config.exclude, ws=ws)
    if targets is None:
        findings.extend(_whole_project(ws, config, files))
    for target in (*(targets or ()), *also):
        rel = ws.relative(target)
        if rel not in files.pipelines and rel not in files.runners:
            (files.runners if _classify(ws, rel) == "runner" else files.pipelines).append(rel)
    for extra in extra_runner_configs:
        if not under(extra, root):
            ws.outside.add(str(extra))
        files.given.append(ws.relative(extra) if under(extra, root) else str(extra))
    files.runners.extend(files.given)
    pipelines = _pipelines(ws, config, files, gitlab, findings)
    runner_configs = []
    if files.runners:
        from cilint.loading.runner_files import (
            load_runner_configs,  # runner models: only when needed
        )

        for path in dict.fromkeys(files.runners):
            runner_configs.extend(load_runner_configs(ws, path, findings))
    return Project(
        root=root,
        workspace=ws,
        pipelines=tuple(pipelines),
        runner_configs=tuple(runner_configs),
        findings=tuple(findings),
        config=config,
        given_runner_configs=frozenset(files.given),
    )


def _whole_project(ws: Workspace, config: ProjectConfig, files: _Files) -> list[Finding]:
    """The pipeline and runner files of the whole root (the main pipeline first)."""
    findings = []
    inv = files.inventory = inventory(files.root, config.exclude)
    main = config.ci_file
    if ws.exists(main):
        files.pipelines.append(main)
    elif config.source is not None and config.ci_file != ".gitlab-ci.yml":
        findings.append(include_problem(
            f"`ci-file` in {config.source} names `{main}`, which does not exist",
            Location(main, Span(0, 0)), Severity.MAJOR, route=("ci-file",)))
    files.pipelines.extend(p for p in (*inv.pipelines, *inv.components) if p != main)
    files.runners.extend(inv.runner_tomls)
    findings.extend(_unreadable_finding(path, reason) for path, reason in inv.unreadable)
    findings.extend(_bad_name_finding(name) for name in inv.bad_names)
    files.runners.extend(p for p in inv.helm_candidates if _is_helm_values(ws, p))
    return findings


# docs: ci/pipelines/downstream_pipelines "you can nest child pipelines up to two levels deep"
MAX_CHILD_DEPTH = 2


def _pipelines(ws: Workspace, config: ProjectConfig, files: _Files, gitlab: Any, findings: list[Finding]) -> list[Pipeline]:
    resolved = _resolve_all(ws, files, gitlab)
    included = {f for path, r in resolved.items() for f in r.files if f != path}
    built: list[tuple[Pipeline, list[Finding]]] = []
    for path, result in resolved.items():
        if path in included and path != config.ci_file:
            continue  # analysed as part of the pipeline that includes it
        pipeline, found = _memoised(ws, ("build", path), files, gitlab,
                                    lambda p=path, r=result: _root_pipeline(p, r, config, ws, files, gitlab), result)
        if pipeline is None:
            findings.extend(found)
            continue
        built.append((pipeline, list(found)))  # a memoised load's list stays as it was
    started = {child.path for p, _ in built for job in p.jobs.values() if job.is_trigger
               for child in child_files(job.node.get("trigger"), ws)[0]}
    # a file some pipeline starts is analysed as that child, with what the parent passes
    roots = [(p, found) for p, found in built if p.path not in started or p.path == config.ci_file]
    children = _children([p for p, _ in roots], ws, files, gitlab, findings)
    pipelines: list[Pipeline] = []
    for pipeline, found in [*roots, *children]:
        findings.extend(found)
        pipelines.append(pipeline)
    return pipelines


def _children(
    parents: list[Pipeline], ws: Workspace, files: _Files, gitlab: Any, findings: list[Finding]
) -> list[tuple[Pipeline, list[Finding]]]:
    """The child pipelines the parents' `trigger:include` jobs start, to MAX_CHILD_DEPTH levels; a file
    that is already an ancestor (a pipeline that triggers itself) is not started again."""
    children: list[tuple[Pipeline, list[Finding]]] = []
    level = [(p, (p.path,)) for p in parents]
    for _ in range(MAX_CHILD_DEPTH):
        following = []
        for parent, ancestors in level:
            for job in parent.jobs.values():
                if not job.is_trigger:
                    continue
                targets, problems = child_files(job.node.get("trigger"), ws)
                findings.extend(problems)
                for target in targets:
                    if target.path in ancestors:
                        continue
                    result = IncludeResolver(ws, files.listing, gitlab).resolve(target.path, target.inputs)
                    found = list(result.findings)
                    if result.config is None:
                        continue
                    child = _with_variants(target.path, result, found, False, job, target.inputs, ws, files, gitlab)
                    children.append((child, found))
                    following.append((child, (*ancestors, target.path)))
        level = following
    return children


def _with_variants(
    path: str, result: IncludeResult, findings: list[Finding], standalone: bool, trigger: Job | None,
    inputs: MapNode | None, ws: Workspace, files: _Files, gitlab: Any,
) -> Pipeline:
    """The pipeline of `path`, and its other variants (models/variants) as its `alternatives`."""
    assert result.config is not None
    partial = any(f.rule_id == INCLUDE_PROBLEM for f in result.findings)

    def build(merged: MapNode, read: tuple[str, ...], found: list[Finding], choice: Choice | None,
              reuse: Pipeline | None = None) -> Pipeline:
        return build_pipeline(path, read, merged, found, result.header, partial, standalone,
                              has_references=result.has_references, trigger=trigger, choice=choice,
                              extended=True, reuse=reuse)

    config = extended_config(result.config, findings, partial, standalone, result.has_references)
    workflow_node = config.get("workflow")
    workflow = read_rules(workflow_node.get("rules")) if isinstance(workflow_node, MapNode) else None
    jobs = jobs_with_rule_variables(config, GLOBAL_KEYWORDS)
    if not result.conditional and workflow is None and not jobs:
        return build(config, tuple(result.files), findings, None)
    variables = pipeline_variables(config, trigger)
    known = {n: v.value for n, v in variables.items() if v.value is not None and "$" not in v.value}
    found = variants(result.conditional, workflow, jobs, known)
    if found.too_many:
        many = "more than 4,096 combinations of conditions" if found.too_many < 0 else f"{found.too_many} variants"
        findings.append(include_problem(
            f"the rules of `{path}` give {many}; cilint analyses the pipeline once, as if every "
            "conditional include applied and each job's first rule that sets variables did, so some "
            "findings may hold only for some pipelines", Location(path, Span(0, 0)), Severity.INFO,
            route=("variants", path)))
    pipelines: list[Pipeline] = []
    plain: Pipeline | None = None  # one built from `config` without workflow variables: its jobs serve others
    reported: dict[tuple[object, ...], Finding] = {}  # what building finds (GitLab's rejections): once
    for choice in found.choices:
        built: list[Finding] = []
        if all(choice.includes.values()):  # every file of the configuration: its extended form serves
            pipeline = build(config, tuple(result.files), built, choice, reuse=plain)
            if plain is None and not (choice.workflow is not None and choice.workflow.get("variables")):
                plain = pipeline
            pipelines.append(pipeline)
        else:
            again = IncludeResolver(ws, files.listing, gitlab).resolve(path, inputs, choice.includes)
            if again.config is not None:  # include problems: reported for the whole configuration
                merged = extended_config(again.config, [], partial, standalone, again.has_references)
                pipelines.append(build(merged, tuple(again.files), built, choice))
        reported.update(((f.rule_id, f.location, f.message), f) for f in built)
    findings.extend(reported.values())
    if not pipelines:
        return build(config, tuple(result.files), findings, None)
    return dataclasses.replace(pipelines[0], alternatives=tuple(pipelines[1:]))


def _empty_main_pipeline(ws: Workspace, path: str, result: IncludeResult) -> list[Finding]:
    source = ws.source(path)
    if isinstance(source, SourceFile) and not source.text.strip():
        message = f"`{path}` is empty; GitLab creates no pipeline and says 'Please provide content of {path}'"
    elif result.no_content:
        message = (f"`{path}` defines no jobs and no keywords (only comments, a null or an empty mapping); GitLab "
                   "creates no pipeline from it")
    else:
        return []
    return [syntax_error(message, Location(path, Span(0, 0)), Severity.BLOCKER, route=("empty", path))]


def _unreadable_finding(path: str, reason: str) -> Finding:
    kind = "a runner configuration" if path.endswith(".toml") else "Helm values with a runner configuration"
    return include_problem(
        f"`{path}` was not checked: {reason}; if it is {kind}, give cilint read access to it",
        Location(path, Span(0, 0)),
        Severity.MINOR,
        route=("unreadable", path),
    )


def _bad_name_finding(name: str) -> Finding:
    return syntax_error(
        f"the file name `{name}` is not valid UTF-8, so the file was not read; GitLab shows and includes "
        "files by UTF-8 paths: rename it",
        Location(name, Span(0, 0)),
        Severity.MAJOR,
        route=("file-name", name),
    )


def _resolve_all(ws: Workspace, files: _Files, gitlab: Any = None) -> dict[str, IncludeResult]:
    """Each pipeline file with its includes merged; a file already included by one resolved before it
    (the main pipeline comes first) is not resolved on its own: it is analysed as part of that one."""
    results: dict[str, IncludeResult] = {}
    included: set[str] = set()
    for index, path in enumerate(dict.fromkeys(files.pipelines)):
        if index and path in included:
            continue
        results[path] = result = _memoised(ws, ("resolve", path), files, gitlab,
                                           lambda p=path: IncludeResolver(ws, files.listing, gitlab).resolve(p))
        included.update(f for f in result.files if f != path)
    return results


def _root_pipeline(path: str, result: IncludeResult, config: ProjectConfig, ws: Workspace, files: _Files,
                   gitlab: Any) -> tuple[Pipeline | None, list[Finding]]:
    """The pipeline a file starts (None when it cannot be read), and what reading it found."""
    found = list(result.findings)
    if path == config.ci_file:
        found.extend(_empty_main_pipeline(ws, path, result))
    if result.config is None:
        return None, found
    standalone = path != config.ci_file and not is_component_path(path)
    return _with_variants(path, result, found, standalone, None, None, ws, files, gitlab), found


def _memoised(ws: Workspace, key: tuple[str, str], files: _Files, gitlab: Any, compute: Callable[[], Any],
              depends: object = None) -> Any:
    """`compute()`, or what it gave in the workspace memo's last run while everything it read is the
    same and `depends` (what it was computed from) is the very same object. Never with files fetched
    from GitLab: what the API returns is not the workspace's to compare."""
    if ws.memo is None or gitlab is not None:
        return compute()
    return ws.memo.load(key, ws, files.listing, compute, depends)


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
    from cilint.loading.runner_files import (
        helm_runner_sections,  # runner models: only when needed
    )

    return bool(helm_runner_sections(parsed.documents[0].root))
