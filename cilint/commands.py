"""The command line, defined with typer: `cilint check`, `cilint mr-comment`, `cilint rules`, `cilint explain`.

Thin: options in, exit code out. `cilint.cli.main` is the entry point; it runs a plain `cilint check`
without importing this module (see there), and hands every other command line to `app`.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from cilint import __version__
from cilint.cli import FORMATS, SEVERITIES, CheckRequest, run_check, split_list

app = typer.Typer(
    add_completion=False,
    pretty_exceptions_enable=False,
    no_args_is_help=True,
    help="Find DNS and container-network mistakes in GitLab CI and GitLab Runner configuration.",
    context_settings={"help_option_names": ["-h", "--help"]},
)


# The choices are the fast path's (one list): str enums, as typer wants.
OutputFormat = Enum("OutputFormat", [(name, name) for name in FORMATS], type=str)  # type: ignore[misc]
FailOn = Enum("FailOn", [(name, name) for name in SEVERITIES], type=str)  # type: ignore[misc]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"cilint {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    pass


@app.command()
def check(
    paths: Annotated[
        Optional[list[Path]],
        typer.Argument(help="Project directories (default: .) or single files to lint."),
    ] = None,
    output_format: Annotated[
        OutputFormat, typer.Option("--format", help="Report format.", case_sensitive=False)
    ] = OutputFormat.text,
    output: Annotated[
        Optional[Path], typer.Option("--output", "-o", help="Write the report here (default: stdout).")
    ] = None,
    runner_config: Annotated[
        Optional[list[Path]],
        typer.Option("--runner-config", help="A runner config.toml or Helm values file (repeatable)."),
    ] = None,
    select: Annotated[
        Optional[list[str]],
        typer.Option("--select", help="Only these rule ids, id prefixes or names (comma-separated)."),
    ] = None,
    ignore: Annotated[
        Optional[list[str]],
        typer.Option("--ignore", help="Skip these rule ids, id prefixes or names (comma-separated)."),
    ] = None,
    exit_zero: Annotated[
        bool, typer.Option("--exit-zero", help="Exit 0 even when there are findings.")
    ] = False,
    fail_on: Annotated[
        FailOn,
        typer.Option("--fail-on", help="Lowest severity that makes the exit code 1.", case_sensitive=False),
    ] = FailOn.minor,
    fix: Annotated[bool, typer.Option("--fix", help="Apply safe fixes.")] = False,
    unsafe_fixes: Annotated[
        bool, typer.Option("--unsafe-fixes", help="With --fix or --diff, also apply unsafe fixes.")
    ] = False,
    diff: Annotated[
        bool, typer.Option("--diff", help="Print the changes --fix would make; write nothing (exit 1 if any).")
    ] = False,
    statistics: Annotated[
        bool, typer.Option("--statistics", help="Print the number of findings per rule instead of each finding.")
    ] = False,
    gitlab_url: Annotated[
        Optional[str], typer.Option("--gitlab-url", help="Fetch project/template/component includes from this GitLab (token: GITLAB_TOKEN).")
    ] = None,
    project: Annotated[
        Optional[str], typer.Option("--project", help="The project path on that GitLab (group/project).")
    ] = None,
    ref: Annotated[Optional[str], typer.Option("--ref", help="The ref includes without `ref:` are read at.")] = None,
    allow_remote_includes: Annotated[
        bool, typer.Option("--allow-remote-includes", help="With --gitlab-url, also fetch `include: remote:` URLs.")
    ] = False,
    allow_local_remote_includes: Annotated[
        bool, typer.Option("--allow-local-remote-includes",
                           help="Also fetch remote includes from loopback, link-local and private addresses.")
    ] = False,
    gitlab_timeout: Annotated[
        float, typer.Option("--gitlab-timeout", help="Seconds per API request, from connecting to the last byte.")
    ] = 20.0,
    gitlab_run_timeout: Annotated[
        float, typer.Option("--gitlab-run-timeout", help="Seconds all GitLab requests of the run may take together.")
    ] = 120.0,
) -> None:
    """Lint GitLab CI pipelines and GitLab Runner configuration."""
    request = CheckRequest(
        paths=tuple(paths or ()),
        output_format=output_format.value,
        output=output,
        runner_config=tuple(runner_config or ()),
        select=tuple(part for value in select or () for part in split_list(value)),
        ignore=tuple(part for value in ignore or () for part in split_list(value)),
        exit_zero=exit_zero,
        fail_on=fail_on.value,
        fix=fix,
        unsafe_fixes=unsafe_fixes,
        diff=diff,
        statistics=statistics,
        gitlab_url=gitlab_url,
        project=project,
        ref=ref,
        allow_remote_includes=allow_remote_includes,
        allow_local_remote_includes=allow_local_remote_includes,
        gitlab_timeout=gitlab_timeout,
        gitlab_run_timeout=gitlab_run_timeout,
    )
    raise typer.Exit(run_check(request))


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
    gitlab_timeout: Annotated[float, typer.Option("--gitlab-timeout", help="Seconds per API request.")] = 20.0,
) -> None:
    """Post findings on lines a merge request changes as discussions, with fixes as suggestions."""
    from cilint.engine import run
    from cilint.gitlab_api import ApiError, GitLabSource
    from cilint.mr_comments import post
    from cilint.results import Options, UsageError

    if not (gitlab_url and project and mr):
        typer.echo("cilint: error: mr-comment needs --gitlab-url, --project and --mr", err=True)
        raise typer.Exit(2)
    try:
        source = GitLabSource(gitlab_url, project, None, False, gitlab_timeout)
        result = run(Options(paths=tuple(paths or [Path(".")]), runner_configs=tuple(runner_config or []), gitlab=source))
        posted, already = post(source, mr, result.projects, unsafe_fixes)
    except (ApiError, UsageError) as exc:
        typer.echo(f"cilint: error: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"Posted {posted} discussion{'s' if posted != 1 else ''} on !{mr} ({already} already there).")


@app.command()
def rules() -> None:
    """List the rules of the catalog."""
    from cilint.catalog import load_catalog

    catalog = load_catalog()
    width = max(len(meta.name) for meta in catalog.values())
    for meta in catalog.values():
        typer.echo(f"{meta.id}  {meta.name:<{width}} {meta.severity.label:<8} fix:{meta.fix:<12} {meta.title}")


@app.command()
def explain(rule: Annotated[str, typer.Argument(help="A rule id (DNS001) or name.")]) -> None:
    """Print one rule's documentation."""
    from cilint.catalog import load_catalog

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
