"""The command line, defined with typer: `cilint check`, `cilint show-config`, `cilint mr-comment`, `cilint rules`,
`cilint explain`.

Thin: options in, exit code out. `cilint.cli.main` is the entry point; it runs a plain `cilint check`
without importing this module, and hands every other command line to `app`. The `check` command is
built from the fields of `cilint.check_command.CheckRequest`, the one definition of its options.
"""

from __future__ import annotations

import dataclasses
import inspect
import os
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from cilint import __version__
from cilint.catalog import load_catalog
from cilint.check_command import (
    CONFIDENCES,
    FORMATS,
    SEVERITIES,
    CheckRequest,
    run_check,
    split_list,
)
from cilint.engine import run, selected
from cilint.gitlab_api import ApiError, GitLabSource
from cilint.mr_comments import merge_request_target, post
from cilint.results import DOCS_URL, Options, UsageError
from cilint.show_config import FORMATS as SHOW_CONFIG_FORMATS
from cilint.show_config import run_show_config
from cilint.trace import FORMATS as TRACE_FORMATS
from cilint.trace import run_trace

app = typer.Typer(
    add_completion=False,
    pretty_exceptions_enable=False,
    no_args_is_help=True,
    help="Find DNS and container-network mistakes in GitLab CI and GitLab Runner configuration.",
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode=None,  # click's help: wrapped at 80 columns, never a truncated option name
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"cilint {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", "-V", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    pass


# The choices of the one option definition (cilint.check_command): str enums, as typer wants.
OutputFormat = Enum("OutputFormat", [(name, name) for name in FORMATS], type=str)  # type: ignore[misc]
FailOn = Enum("FailOn", [(name, name) for name in SEVERITIES], type=str)  # type: ignore[misc]
ShownConfidence = Enum("ShownConfidence", [(name, name) for name in CONFIDENCES], type=str)  # type: ignore[misc]
_CHOICES: dict[str, type[Enum]] = {"format": OutputFormat, "severity": FailOn, "confidence": ShownConfidence}
_TYPES: dict[str, Any] = {
    "flag": bool, "float": float, "text": Optional[str], "path": Optional[Path],
    "paths": Optional[list[Path]], "list": Optional[list[str]],
}


def _check_parameter(option: dataclasses.Field[Any]) -> inspect.Parameter:
    """A typer parameter for one field of CheckRequest, from its metadata."""
    meta = option.metadata
    if meta.get("argument"):
        annotation: Any = Annotated[Optional[list[Path]], typer.Argument(help=meta["help"])]
        return inspect.Parameter(option.name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=None,
                                 annotation=annotation)
    kind = meta["kind"]
    choices = _CHOICES.get(kind)
    if choices is not None:
        info = typer.Option(*meta["flags"], help=meta["help"], case_sensitive=False)
        if option.default is None:  # a choice that is not made unless given
            annotation, default = Annotated[Optional[choices], info], None  # type: ignore[valid-type]
        else:
            annotation, default = Annotated[choices, info], choices(option.default)
    else:
        info = typer.Option(*meta["flags"], help=meta["help"])
        default = None if kind in ("paths", "list") else option.default
        annotation = Annotated[_TYPES[kind], info]
    return inspect.Parameter(option.name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)


def _request(values: dict[str, Any]) -> CheckRequest:
    """What typer parsed -> the request `parse_check` would have built."""
    kinds = {f.name: f.metadata.get("kind", "paths") for f in dataclasses.fields(CheckRequest)}
    converted: dict[str, Any] = {}
    for name, value in values.items():
        kind = kinds[name]
        if kind == "list":
            value = tuple(part for item in value or () for part in split_list(item))
        elif kind == "paths":
            value = tuple(value or ())
        elif kind in _CHOICES:
            value = value.value if value is not None else None
        converted[name] = value
    return CheckRequest(**converted)


def check(**values: Any) -> None:
    """Lint GitLab CI pipelines and GitLab Runner configuration."""
    raise typer.Exit(run_check(_request(values)))


_PARAMETERS = [_check_parameter(f) for f in dataclasses.fields(CheckRequest)]
check.__signature__ = inspect.Signature(_PARAMETERS)  # type: ignore[attr-defined]
check.__annotations__ = {p.name: p.annotation for p in _PARAMETERS}
app.command()(check)


@app.command("mr-comment")
def mr_comment(
    paths: Annotated[Optional[list[Path]], typer.Argument(help="Project directory (default: .).")] = None,
    gitlab_url: Annotated[str, typer.Option("--gitlab-url", help="The GitLab instance (token: GITLAB_TOKEN).")] = "",
    project: Annotated[str, typer.Option("--project", help="The project path (group/project).")] = "",
    mr: Annotated[int, typer.Option("--mr", help="The merge request IID.")] = 0,
    runner_config: Annotated[
        Optional[list[Path]], typer.Option("--runner-config", help="A runner config file (repeatable).")
    ] = None,
    unsafe_fixes: Annotated[bool, typer.Option("--unsafe-fixes", help="Offer unsafe fixes as suggestions too.")] = False,
    trace: Annotated[bool, typer.Option(
        "--trace", help="Attach to each finding about a name a diagram of how the job resolves it (cilint trace).")] = False,
    gitlab_timeout: Annotated[float, typer.Option("--gitlab-timeout", help="Seconds per API request.")] = 20.0,
) -> None:
    """Post findings on lines a merge request changes as discussions, with fixes as suggestions. In a
    merge request pipeline the GitLab URL, project and merge request come from GitLab's predefined
    variables; the token (GITLAB_TOKEN) needs the `api` scope to post."""
    target = merge_request_target(gitlab_url, project, mr, os.environ)
    if isinstance(target, str):
        typer.echo(f"cilint: error: {target}", err=True)
        raise typer.Exit(2)
    gitlab_url, project, mr = target
    try:
        source = GitLabSource(gitlab_url, project, None, False, gitlab_timeout)
        result = run(Options(paths=tuple(paths or [Path(".")]), runner_configs=tuple(runner_config or []), gitlab=source))
        if trace:
            from cilint.trace.explain import add_traces  # loads each project again: only when asked

            add_traces(result.projects, mermaid=True)
        posted, already = post(source, mr, result.projects, unsafe_fixes)
    except (ApiError, UsageError) as exc:
        typer.echo(f"cilint: error: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"Posted {posted} discussion{'s' if posted != 1 else ''} on !{mr} ({already} already there).")


ConfigFormat = Enum("ConfigFormat", [(name, name) for name in SHOW_CONFIG_FORMATS], type=str)  # type: ignore[misc]


@app.command("show-config")
def show_config(
    path: Annotated[Path, typer.Argument(help="A project directory (default: .) or one pipeline file.")] = Path("."),
    job: Annotated[Optional[str], typer.Option("--job", help="Only this job (a matrix job: all its instances).")] = None,
    variant: Annotated[Optional[int], typer.Option(
        "--variant", help="Only this variant (1, 2, ...) where rules give different pipelines.")] = None,
    output_format: Annotated[ConfigFormat, typer.Option(  # type: ignore[valid-type]
        "--format", help="yaml (annotated with file:line) or json.", case_sensitive=False)] = ConfigFormat("yaml"),
) -> None:
    """Print the pipeline as GitLab would run it, each value with the file and line it comes from."""
    raise typer.Exit(run_show_config(path, job, variant, output_format.value))


TraceFormat = Enum("TraceFormat", [(name, name) for name in TRACE_FORMATS], type=str)  # type: ignore[misc]


@app.command("trace")
def trace(
    arguments: Annotated[Optional[list[str]], typer.Argument(
        metavar="[PATH] [NAME]...", show_default=False,
        help="A project directory or pipeline file (default: .), then the names to look up (default: the hosts "
             "the job and its runner use).")] = None,
    job: Annotated[str, typer.Option("--job", help="The job to trace (without it, --runner traces the runner's own names).")] = "",
    runner: Annotated[Optional[str], typer.Option("--runner", help="Only this runner (its `name`).")] = None,
    container: Annotated[Optional[str], typer.Option(
        "--container", help="Only this container: build, helper, service:ALIAS, dind-run.")] = None,
    output_format: Annotated[TraceFormat, typer.Option(  # type: ignore[valid-type]
        "--format", help="text, json or mermaid (for an issue or merge request).", case_sensitive=False)] = TraceFormat("text"),
) -> None:
    """Show how a job's containers resolve names: resolv.conf, /etc/hosts, resolver and each lookup."""
    if not job and not runner:
        typer.echo("cilint: error: --job is required (or --runner alone, for the runner's own lookups)", err=True)
        raise typer.Exit(2)
    names = list(arguments or [])
    path = Path(names.pop(0)) if names and Path(names[0]).exists() else Path(".")
    raise typer.Exit(run_trace(path, job, names, runner, container, output_format.value))


@app.command("server")
def server() -> None:
    """Run the language server (LSP over stdio) for editors: findings as diagnostics while you type."""
    from cilint.lsp import serve  # pygls: only for this command

    serve()


scan_app = typer.Typer(help="Scan every project of a GitLab group, a list or the instance through the API.")
app.add_typer(scan_app, name="scan")


@scan_app.callback(invoke_without_command=True)
def scan(
    ctx: typer.Context,
    gitlab_url: Annotated[str, typer.Option("--gitlab-url", help="The GitLab instance (token: GITLAB_TOKEN, read_api).")] = "",
    group: Annotated[Optional[str], typer.Option("--group", help="A group's full path.")] = None,
    include_subgroups: Annotated[bool, typer.Option("--include-subgroups", help="Its subgroups' projects too.")] = False,
    projects: Annotated[Optional[Path], typer.Option("--projects", help="A file of project paths, one per line.")] = None,
    all_projects: Annotated[bool, typer.Option("--all", help="Every project the token can read.")] = False,
    ref: Annotated[Optional[str], typer.Option("--ref", help="Branch, tag or commit (default: each default branch).")] = None,
    output: Annotated[Path, typer.Option("--output", help="Directory of the reports.")] = Path("cilint-scan"),
    concurrency: Annotated[int, typer.Option("--concurrency", help="Projects scanned at once.", min=1, max=64)] = 8,
    cache_dir: Annotated[Optional[Path], typer.Option(
        "--cache-dir", help="Keep fetched files here by blob SHA (a second scan fetches only what changed).")] = None,
    resume: Annotated[bool, typer.Option("--resume", help="Skip the projects the last scan into --output finished.")] = False,
    shard: Annotated[str, typer.Option("--shard", help="I/N: only this stable share of the projects.")] = "1/1",
    include_archived: Annotated[bool, typer.Option("--include-archived", help="Scan archived projects too.")] = False,
    select: Annotated[Optional[list[str]], typer.Option("--select", help="Only these rules (repeatable).")] = None,
    ignore: Annotated[Optional[list[str]], typer.Option("--ignore", help="Not these rules (repeatable).")] = None,
    gitlab_timeout: Annotated[float, typer.Option("--gitlab-timeout", help="Seconds per API request.")] = 30.0,
    probe_all_yaml: Annotated[bool, typer.Option(
        "--probe-all-yaml", help="Look into every YAML file for runner Helm values (default: names with values/runner).")] = False,
) -> None:
    """Fetch what the analysis needs of each project (its CI file, includes, settings, runner configuration)
    and analyse it as `cilint check` does; write scan.jsonl, summary.md, summary.html, codequality.json and
    sarif.json to --output."""
    if ctx.invoked_subcommand is not None:
        return
    from cilint.scan.command import parse_shard, run_scan_command
    from cilint.scan.run import ScanRequest

    try:
        shard_of = parse_shard(shard)
    except ValueError as exc:
        typer.echo(f"cilint: error: {exc}", err=True)
        raise typer.Exit(2) from None
    request = ScanRequest(gitlab_url=gitlab_url, output=output, group=group, include_subgroups=include_subgroups,
                          projects_file=projects, all_projects=all_projects, ref=ref, concurrency=concurrency,
                          cache_dir=cache_dir, resume=resume, shard=shard_of, include_archived=include_archived,
                          select=tuple(select or ()), ignore=tuple(ignore or ()), timeout=gitlab_timeout,
                          probe_all_yaml=probe_all_yaml)
    raise typer.Exit(run_scan_command(request))


@scan_app.command("merge")
def scan_merge(
    reports: Annotated[list[Path], typer.Argument(help="scan.jsonl files of the shards.")],
    output: Annotated[Path, typer.Option("--output", help="Directory of the merged reports.")] = Path("cilint-scan"),
) -> None:
    """Combine the scan.jsonl of shards (`--shard I/N`) into one scan's reports."""
    from cilint.scan.command import run_merge_command

    raise typer.Exit(run_merge_command(reports, output))


class RulesFormat(str, Enum):
    text = "text"
    json = "json"


@app.command()
def rules(
    select: Annotated[Optional[str], typer.Option(
        "--select", help="Only these rule ids, id prefixes or names (comma-separated).")] = None,
    output_format: Annotated[RulesFormat, typer.Option(
        "--format", help="text (a line per rule) or json.", case_sensitive=False)] = RulesFormat.text,
) -> None:
    """List the rules of the catalog."""
    from cilint.catalog import selector_problem

    patterns = split_list(select) if select else ()
    for pattern in patterns:
        problem = selector_problem(pattern)
        if problem is not None:
            typer.echo(f"cilint: error: --select {pattern}: {problem}", err=True)
            raise typer.Exit(2)
    catalog = [m for m in load_catalog().values() if not patterns or selected(m.id, patterns)]
    if output_format is RulesFormat.json:
        import json

        docs = DOCS_URL
        typer.echo(json.dumps([{"id": m.id, "name": m.name, "title": m.title, "severity": m.severity.label,
                                "fix": m.fix, "docs": docs.format(id=m.id, name=m.name), "references": list(m.references)}
                               for m in catalog], indent=2))
        return
    width = max((len(meta.name) for meta in catalog), default=0)
    for meta in catalog:
        typer.echo(f"{meta.id}  {meta.name:<{width}} {meta.severity.label:<8} fix:{meta.fix:<12} {meta.title}")


@app.command()
def explain(rule: Annotated[str, typer.Argument(help="A rule id (DNS001) or name.")]) -> None:
    """Print one rule's documentation."""
    catalog = load_catalog()
    meta = catalog.get(rule.upper()) or next((m for m in catalog.values() if m.name == rule), None)
    if meta is None:
        typer.echo(f"cilint: error: unknown rule {rule!r} (see `cilint rules`)", err=True)
        raise typer.Exit(2)
    parts = [f"{meta.id} ({meta.name}): {meta.title}", "", f"Severity: {meta.severity.label}. Fix: {meta.fix}.", ""]
    parts += ["What it finds", meta.summary.strip(), "", "Why it matters", meta.rationale.strip()]
    if meta.fix_safety.strip():
        parts += ["", "About the fix", meta.fix_safety.strip()]
    bad = next((ex for ex in meta.examples.values() if ex.get("findings")), None)
    if bad:
        parts += ["", "Example"]
        for name, text in bad.get("files", {}).items():
            parts += [f"--- {name}", text.rstrip()]
        lines = ", ".join(f"{f['path']}:{f['line']}:{f['column']}" for f in bad["findings"])
        parts += [f"(reported at {lines})"]
        fixed_example = bad if bad.get("fixed") else next((ex for ex in meta.examples.values() if ex.get("fixed")), None)
        if fixed_example:
            parts += ["", "After the fix"]
            for name, text in fixed_example["fixed"].items():
                parts += [f"--- {name}", text.rstrip()]
    if meta.references:
        parts += ["", "References"] + [f"  {ref}" for ref in meta.references]
    typer.echo("\n".join(parts))
