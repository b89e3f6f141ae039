"""discover -> parse -> model -> checks -> filter: one run over one or more project roots."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable
from pathlib import Path

from cilint.catalog import rule_name
from cilint.checks import ALL_CHECKS
from cilint.checks.base import Check, CheckContext
from cilint.facts.jobs import JobFacts
from cilint.findings import Confidence, Finding
from cilint.loading.discover import shown_name
from cilint.loading.load import load_config, load_project
from cilint.loading.memo import LoadMemo
from cilint.loading.project import Project
from cilint.loading.roots import group_by_root, under
from cilint.loading.workspace import Workspace
from cilint.models.pipeline import Pipeline
from cilint.models.settings import ProjectConfig
from cilint.results import DOCS_URL, Options, ProjectResult, Result, UsageError
from cilint.suppress import apply_suppressions


def run(options: Options, memos: dict[Path, LoadMemo] | None = None) -> Result:
    """`memos`: a long-lived caller's per-root memo of parses and pipeline loads (loading/memo)."""
    groups = group_by_root(options.paths, virtual=frozenset(options.overlay))
    extra_runner_configs = [p.resolve() for p in options.runner_configs]
    for path in extra_runner_configs:
        if not path.is_file():
            raise UsageError(f"--runner-config {path}: no such file")
    results = []
    for root, scope in groups.items():
        memo = memos.setdefault(root, LoadMemo()) if memos is not None else None
        ws = Workspace(root, options.overlay, memo)
        config = load_config(ws, options.config)
        if options.ci_file is not None:
            config = dataclasses.replace(config, ci_file=options.ci_file)
        if memo is not None:
            memo.start(config)
        project = load_project(root, None, config, extra_runner_configs, ws, options.gitlab, also=scope.files)
        select = options.select or config.select
        ignore = options.ignore + config.ignore

        def enabled(rule_id: str, select: tuple[str, ...] = select, ignore: tuple[str, ...] = ignore) -> bool:
            return (not select or selected(rule_id, select)) and not (ignore and selected(rule_id, ignore))

        findings = list(project.findings)
        findings.extend(_checked(project, [c for c in ALL_CHECKS if enabled(c.rule_id)]))

        findings = apply_suppressions(findings, ws.files(), enabled)
        # A problem of the settings themselves shows even where they select other rules (a `select`
        # with a typo would otherwise hide the finding that says so); only `ignore` drops it.
        findings = [f for f in findings if enabled(f.rule_id) or (
            f.route[:1] == ("settings",) and not (ignore and selected(f.rule_id, ignore)))]
        findings = _per_file(findings, config)
        if not scope.whole:  # files named on the command line: their findings
            asked = {ws.relative(f) for f in scope.files}
            findings = [f for f in findings if f.path in asked]
        least = next((c for c in (options.confidence, config.confidence) if c is not None), Confidence.MEDIUM)
        shown = _dedupe_and_sort([f for f in findings if f.confidence >= least])
        hidden = len(_dedupe_and_sort([f for f in findings if f.confidence < least]))
        prefix = _path_prefix(root, Path.cwd().resolve())
        outside = {str(path): given.as_posix() for given, path in zip(options.runner_configs, extra_runner_configs)
                   if not under(path, root)}
        docs_url = config.docs_url if config.docs_url is not None else DOCS_URL
        results.append(ProjectResult(root, ws.files(), shown, prefix, hidden, docs_url,
                                     analysed=bool(project.pipelines or project.runner_configs),
                                     repo_prefix=_repo_prefix(root, groups, Path.cwd().resolve()),
                                     outside=outside))
    return Result(results)


def _checked(project: Project, checks: list[Check]) -> list[Finding]:
    """The checks' findings on every variant of the project's pipelines (models/variants).

    Run k takes variant k of each pipeline (its last one when it has fewer; after the first run, a
    pipeline without variants only when it shares a file with one that has them). A finding of every run
    is reported once, as the first run words it; one that holds only in some variants of the
    pipeline its file belongs to says under which condition, so variants never multiply findings."""
    variants = [(p, *p.alternatives) for p in project.pipelines]
    runs = max((len(v) for v in variants), default=1)
    if runs == 1:
        ctx = CheckContext.of(project)
        return [f for check in checks for f in check.run(ctx)]
    seen: dict[tuple[object, ...], tuple[Finding, set[int]]] = {}
    shared = JobFacts()  # the jobs of a pipeline without variants are the same objects in every run
    # A finding in a file no varying pipeline reads holds in every variant: its pipeline is checked once.
    varying = {f for v in variants if len(v) > 1 for p in v for f in p.files}
    again = [v for v in variants if len(v) > 1 or not varying.isdisjoint(v[0].files)]
    for k in range(runs):
        chosen = tuple(v[min(k, len(v) - 1)] for v in (variants if k == 0 else again))
        ctx = CheckContext.of(dataclasses.replace(project, pipelines=chosen), shared)
        for check in checks:
            for finding in check.run(ctx):
                key = (finding.rule_id, finding.location, finding.route)
                seen.setdefault(key, (finding, set()))[1].add(k)
    return [_with_condition(finding, present, variants) for finding, present in seen.values()]


def _with_condition(finding: Finding, present: set[int], variants: list[tuple[Pipeline, ...]]) -> Finding:
    conditions = []
    for options in variants:
        if len(options) < 2 or not any(finding.path in v.files for v in options):
            continue
        held = sorted({min(k, len(options) - 1) for k in present})
        if len(held) < len(options):
            shown = [str(options[i].variant) for i in held]
            where = " or ".join(f"({w})" if " and " in w and len(shown) > 1 else w for w in shown)
            conditions.append(where + (f" (in `{options[0].path}`)" if len(variants) > 1 else ""))
    if not conditions:
        return finding
    where = "; ".join(conditions)
    return dataclasses.replace(finding, message=f"{finding.message} (only in pipelines where {where})",
                               route=(*finding.route, "variant", where))


def _path_prefix(root: Path, cwd: Path) -> str:
    """What text and JSON reports put before a project's paths, as ruff does: the root relative to the
    working directory when it is under it (or above it: `../`), else the root's absolute path."""
    if under(root, cwd):
        shown = shown_name(root.relative_to(cwd).as_posix())
    elif under(cwd, root):
        shown = os.path.relpath(root, cwd).replace(os.sep, "/")
    else:
        shown = shown_name(root.as_posix())
    return "" if shown == "." else shown + "/"


def _repo_prefix(root: Path, roots: Iterable[Path], cwd: Path) -> str:
    """The root relative to the top of its git work tree, for reports GitLab reads (Code Quality and
    SARIF paths, fingerprints, merge request positions): repository paths, whatever the working
    directory. Outside any work tree, relative to the working directory when every root of the run is
    under it, else to their common directory, so that two roots never share a path."""
    top = next((d for d in (root, *root.parents) if (d / ".git").exists()), None)
    if top is None:
        every = list(roots)
        top = cwd if all(under(r, cwd) for r in every) else Path(os.path.commonpath(every))
    shown = shown_name(root.relative_to(top).as_posix())
    return "" if shown == "." else shown + "/"


# -- selection and order -----------------------------------------------------------------------


def selected(rule_id: str, patterns: Iterable[str]) -> bool:
    """`rule_id` is named by one of the patterns (ALL, an id, an id prefix or a rule name)."""
    for pattern in patterns:
        pattern = pattern.strip()
        if pattern.upper() == "ALL" or (pattern and rule_id.startswith(pattern.upper())):
            return True
        # A rule name (`include-problem`) always has a hyphen, an id or prefix never: the catalog is
        # read only for names.
        if "-" in pattern:
            if pattern == rule_name(rule_id):
                return True
    return False


def _per_file(findings: list[Finding], config: ProjectConfig) -> list[Finding]:
    """`per-file-ignores` and `severity` overrides from the settings."""
    if not config.per_file_ignores and not config.severity:
        return findings
    import pathspec  # third-party, loaded only for projects with per-file settings

    ignores = [(pathspec.GitIgnoreSpec.from_lines([p]), codes) for p, codes in config.per_file_ignores]
    overrides = dict(config.severity)
    kept = []
    for finding in findings:
        if any(spec.match_file(finding.path) and selected(finding.rule_id, codes) for spec, codes in ignores):
            continue
        severity = overrides.get(finding.rule_id)
        kept.append(dataclasses.replace(finding, severity=severity) if severity is not None else finding)
    return kept


def _dedupe_and_sort(findings: list[Finding]) -> list[Finding]:
    unique: dict[tuple[object, ...], Finding] = {}
    for finding in findings:
        key = (finding.rule_id, finding.location, finding.message)
        unique.setdefault(key, finding)
    return sorted(
        unique.values(),
        key=lambda f: (f.location.path, f.location.span.start, f.rule_id, f.message),
    )
