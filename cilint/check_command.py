"""`cilint check`: its options, defined once, and running it.

Each option is a field of `CheckRequest` whose metadata holds its flags, kind and help. Two parsers
read that one definition: `parse_check` here, which runs a plain `cilint check ...` (the pre-commit
hook, the CI component, an editor) without importing typer and click (they cost more than a third
of a run on a small project: ~55 ms of ~150), and the typer command that `cilint.commands` builds
from the same fields for help, errors and every other command line. Anything `parse_check` does not
cover exactly (help, `--version`, an unknown option or value, a missing argument) goes to typer.

Exit codes: 0 nothing at or above the fail threshold, 1 findings, 2 usage, settings or internal error.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cilint.catalog import selector_problem
from cilint.engine import run
from cilint.filesystem import write_report, write_stdout
from cilint.findings import Applicability, Confidence, Severity
from cilint.fixes import loop
from cilint.gitlab_api import ApiError, GitLabSource
from cilint.report import codequality, json_report, sarif, text
from cilint.report.baseline import apply_baseline, baseline_text, read_baseline
from cilint.results import Options, Result, UsageError, fails

FORMATS = ("text", "codequality", "json", "sarif")
SEVERITIES = ("info", "minor", "major", "critical", "blocker")
CONFIDENCES = ("low", "medium", "high")
# What an option's value is: "flag" takes none, "list" (comma-separated) and "paths" may repeat,
# "format", "severity" and "confidence" are choices (case-insensitive, as in typer), "float" a number.
KINDS = ("flag", "list", "path", "paths", "format", "severity", "confidence", "float", "text")


def _option(*flags: str, kind: str, help: str, default: Any = None) -> Any:
    assert kind in KINDS
    if kind in ("list", "paths"):
        default = ()
    elif kind == "flag":
        default = False
    return dataclasses.field(default=default, metadata={"flags": flags, "kind": kind, "help": help})


@dataclass(frozen=True, slots=True)
class CheckRequest:
    """The command line of `cilint check`: the one definition of its arguments and options."""

    paths: tuple[Path, ...] = dataclasses.field(
        default=(), metadata={"argument": True, "help": "Project directories (default: .) or single files to lint."})
    output_format: str = _option("--format", kind="format", default="text", help="Report format.")
    output: Path | None = _option("--output", "-o", kind="path", help="Write the report here (default: stdout).")
    add_ignore: bool = _option(
        "--add-ignore", kind="flag", help="Add a `# cilint: ignore[...]` comment for every current finding, and exit 0.")
    ignore_reason: str | None = _option(
        "--ignore-reason", kind="text", help="With --add-ignore, the reason written after each comment.")
    baseline: Path | None = _option(
        "--baseline", kind="path", help="Report only findings that are not in this baseline file.")
    write_baseline: Path | None = _option(
        "--write-baseline", kind="path", help="Write the current findings to a baseline file and exit 0.")
    reports: tuple[str, ...] = _option(
        "--report", kind="list",
        help="Also write a report: FORMAT=FILE, e.g. codequality=gl-code-quality-report.json (repeatable).")
    config: Path | None = _option(
        "--config", kind="path", help="Settings file to use (.cilint.toml, or pyproject.toml with [tool.cilint]).")
    runner_config: tuple[Path, ...] = _option(
        "--runner-config", kind="paths", help="A runner config.toml or Helm values file (repeatable).")
    select: tuple[str, ...] = _option(
        "--select", kind="list", help="Only these rule ids, id prefixes or names (comma-separated).")
    ignore: tuple[str, ...] = _option(
        "--ignore", kind="list", help="Skip these rule ids, id prefixes or names (comma-separated).")
    exit_zero: bool = _option("--exit-zero", kind="flag", help="Exit 0 even when there are findings.")
    quiet: bool = _option("--quiet", "-q", kind="flag", help="Print the findings only: no summary, no warnings.")
    stdin_filename: Path | None = _option(
        "--stdin-filename", kind="path", help="With `-` as the path, the file the text read from stdin stands for.")
    fail_if_empty: bool = _option(
        "--fail-if-empty", kind="flag",
        help="Exit 2 when no GitLab CI or runner configuration is found (the CI/CD component sets it).")
    fail_on: str = _option("--fail-on", kind="severity", default="minor", help="Lowest severity that makes the exit code 1.")
    min_severity: str | None = _option(
        "--min-severity", kind="severity", help="Show only findings of this severity or worse (the exit code follows what is shown).")
    confidence: str | None = _option(
        "--confidence", kind="confidence",
        help="Least confidence shown: low shows findings that rest on what cilint cannot see (default: the "
             "settings', else medium).")
    fix: bool = _option("--fix", kind="flag", help="Apply safe fixes.")
    unsafe_fixes: bool = _option("--unsafe-fixes", kind="flag", help="With --fix or --diff, also apply unsafe fixes.")
    diff: bool = _option("--diff", kind="flag", help="Print the changes --fix would make; write nothing (exit 1 if any).")
    show_fixes: bool = _option(
        "--show-fixes", kind="flag", help="With --fix or --diff, list the fixes applied (or that would be), per file.")
    trace: bool = _option(
        "--trace", kind="flag",
        help="Under each finding about a name, how the job's container looks it up (as `cilint trace`; text format).")
    statistics: bool = _option(
        "--statistics", kind="flag", help="Print the number of findings per rule instead of each finding.")
    gitlab_url: str | None = _option(
        "--gitlab-url", kind="text",
        help="Fetch project/template/component includes from this GitLab (token: GITLAB_TOKEN).")
    project: str | None = _option("--project", kind="text", help="The project path on that GitLab (group/project).")
    ref: str | None = _option("--ref", kind="text", help="The ref includes without `ref:` are read at.")
    allow_remote_includes: bool = _option(
        "--allow-remote-includes", kind="flag", help="With --gitlab-url, also fetch `include: remote:` URLs.")
    allow_local_remote_includes: bool = _option(
        "--allow-local-remote-includes", kind="flag",
        help="Also fetch remote includes from loopback, link-local and private addresses.")
    gitlab_timeout: float = _option(
        "--gitlab-timeout", kind="float", default=20.0, help="Seconds per API request, from connecting to the last byte.")
    gitlab_run_timeout: float = _option(
        "--gitlab-run-timeout", kind="float", default=120.0,
        help="Seconds all GitLab requests of the run may take together.")


def check_options() -> dict[str, tuple[str, str]]:
    """Every flag of `cilint check` -> (field of CheckRequest, kind)."""
    return {flag: (f.name, f.metadata["kind"]) for f in dataclasses.fields(CheckRequest)
            for flag in f.metadata.get("flags", ())}


def parse_check(argv: list[str]) -> CheckRequest | None:
    """`check` arguments -> a request; None when typer should handle the command line instead."""
    if not argv or argv[0] != "check":
        return None
    options = check_options()
    values: dict[str, object] = {}
    paths: list[Path] = []
    rest = iter(argv[1:])
    only_paths = False
    for arg in rest:
        if only_paths or arg == "-" or not arg.startswith("-"):
            paths.append(Path(arg))
            continue
        if arg == "--":
            only_paths = True
            continue
        name, has_value, inline = arg.partition("=")
        spec = options.get(name)
        if spec is None or (has_value and (spec[1] == "flag" or not name.startswith("--"))):
            return None
        field_name, kind = spec
        if kind == "flag":
            values[field_name] = True
            continue
        value = inline if has_value else next(rest, None)
        parsed = None if value is None else parse_value(kind, value)
        if parsed is None:
            return None
        if kind in ("list", "paths"):
            values[field_name] = (*values.get(field_name, ()), *parsed)  # type: ignore[misc]
        else:
            values[field_name] = parsed
    return CheckRequest(paths=tuple(paths), **values)  # type: ignore[arg-type]


def parse_value(kind: str, value: str) -> object:
    """An option's value as the request holds it; None when it is not one typer accepts."""
    if kind == "format":
        return value.lower() if value.lower() in FORMATS else None
    if kind == "severity":
        return value.lower() if value.lower() in SEVERITIES else None
    if kind == "confidence":
        return value.lower() if value.lower() in CONFIDENCES else None
    if kind == "float":
        try:
            return float(value)
        except ValueError:
            return None
    if kind == "path":
        return Path(value)
    if kind == "paths":
        return (Path(value),)
    if kind == "list":
        return split_list(value)
    return value


def split_list(value: str) -> tuple[str, ...]:
    """`--select A,B --select C` -> (A, B, C)."""
    return tuple(part.strip() for part in value.split(",") if part.strip())


def run_check(request: CheckRequest) -> int:
    """Lint, write the report, return the exit code."""
    problem = _request_problem(request)
    if problem is not None:
        return _usage_error(problem)
    paths = tuple(request.stdin_filename if str(p) == "-" else p for p in request.paths or (Path("."),))
    overlay = {str(request.stdin_filename.resolve()): sys.stdin.read()} if request.stdin_filename else {}
    try:
        gitlab = None
        if request.gitlab_url and request.project:
            gitlab = GitLabSource(request.gitlab_url, request.project, request.ref, request.allow_remote_includes,
                                  request.gitlab_timeout, request.allow_local_remote_includes,
                                  request.gitlab_run_timeout)
        options = Options(paths=paths, overlay=overlay, runner_configs=request.runner_config,
                          select=request.select, ignore=request.ignore, gitlab=gitlab,
                          confidence=Confidence.parse(request.confidence) if request.confidence else None,
                          config=request.config)
        if request.diff:
            return _diff(options, request.unsafe_fixes, request.show_fixes)
        if request.add_ignore:
            return _add_ignore(options, request.ignore_reason or "")
        result = _fix(options, request.unsafe_fixes, request.show_fixes) if request.fix else run(options)
    except (UsageError, ApiError) as exc:
        return _usage_error(str(exc))
    return _report(request, result)


def _request_problem(request: CheckRequest) -> str | None:
    """What makes the command line unusable, before anything is read."""
    if (request.gitlab_url or request.project) and not (request.gitlab_url and request.project):
        return "--gitlab-url and --project go together"
    for flag, selectors in (("--select", request.select), ("--ignore", request.ignore)):
        for selector in selectors:
            problem = selector_problem(selector)
            if problem is not None:
                return f"{flag} {selector}: {problem}"
    from_stdin = any(str(p) == "-" for p in request.paths)
    if from_stdin and request.stdin_filename is None:
        return "reading from stdin (`-`) needs --stdin-filename: the file the text stands for"
    if from_stdin and (request.fix or request.add_ignore):
        return "--fix and --add-ignore cannot write back to stdin; use --diff"
    if request.stdin_filename is not None and not from_stdin:
        return "--stdin-filename goes with `-` as the path"
    for report in request.reports:
        fmt, _, path = report.partition("=")
        if fmt not in FORMATS or not path:
            return f"--report {report}: expected FORMAT=FILE with FORMAT one of {', '.join(FORMATS)}"
    return None


def _report(request: CheckRequest, result: Result) -> int:
    """Show what was found as asked, and the exit code it gives."""
    if request.write_baseline is not None:
        return _write_baseline(request.write_baseline, result)
    if request.baseline is not None:
        try:
            apply_baseline(result.projects, read_baseline(request.baseline))
        except UsageError as exc:
            return _usage_error(str(exc))
    if request.min_severity:
        least = Severity.parse(request.min_severity)
        for project in result.projects:
            project.findings = [f for f in project.findings if f.severity >= least]
    empty = [p for p in result.projects if not p.analysed]
    for project in () if request.quiet else empty:  # a green run that looked at nothing is worse than no run
        sys.stderr.write(f"cilint: warning: no GitLab CI or runner configuration found under {_shown(project.root)}\n")
    if request.fail_if_empty and empty:
        return 2
    failed = not request.exit_zero and fails(result.findings, Severity.parse(request.fail_on))
    if request.statistics:
        write_stdout(json_report.statistics(result.projects) if request.output_format == "json"
                     else text.statistics(result.projects))
        return 1 if failed else 0
    if request.trace:
        from cilint.trace.explain import add_traces  # loads each project again: only when asked

        add_traces(result.projects)
    outputs = [(fmt, Path(path)) for fmt, _, path in (r.partition("=") for r in request.reports)]
    for fmt, path in [(request.output_format, request.output), *outputs]:
        report = render(fmt, result, path is None and text.use_colour(sys.stdout.isatty()), request.quiet)
        if path is None:
            write_stdout(report)
            continue
        try:
            write_report(path, report)
        except OSError as exc:
            sys.stderr.write(f"cilint: error: cannot write {path}: {exc.strerror or exc}\n")
            return 2
    return 1 if failed else 0


def _add_ignore(options: Options, reason: str) -> int:
    """`--add-ignore`: suppress every current finding where it is, say what was written."""
    from cilint.fixes.add_ignore import add_ignores  # only for this command

    added = add_ignores(options, run(options), reason)
    written = loop.write(added.outcome, options)
    done = [w.path for w in written if w.written]
    for item in written:
        if not item.written:
            sys.stderr.write(f"cilint: not written: {_shown(item.path)}: {item.reason}\n")
    for refused in added.refused:
        sys.stderr.write(f"cilint: {_shown(refused)}: left as it was: a comment at the end of a finding's line would "
                         "change what the file means (a multi-line value); add one alone on the line above it\n")
    sys.stderr.write(f"Added {added.comments} suppression comment{'s' if added.comments != 1 else ''} "
                     f"in {len(done)} file{'s' if len(done) != 1 else ''}.\n")
    return 0


def _write_baseline(path: Path, result: Result) -> int:
    try:
        write_report(path, baseline_text(result.projects))
    except OSError as exc:
        sys.stderr.write(f"cilint: error: cannot write {path}: {exc.strerror or exc}\n")
        return 2
    count = len(result.findings)
    sys.stderr.write(f"Wrote {count} finding{'s' if count != 1 else ''} to the baseline {path}.\n")
    return 0


def _diff(options: Options, unsafe: bool, show_fixes: bool = False) -> int:
    """`--diff`: print what the fixes would change, write nothing."""
    outcome = loop.fix(options, unsafe=unsafe)
    _report_fix_bugs(outcome)
    diff = loop.unified_diff(outcome, Path.cwd())
    write_stdout(diff)
    if show_fixes:
        _list_fixes(outcome, "Would fix")
    if not diff:
        hidden = sum(1 for f in outcome.result.findings if f.fix and f.fix.applicability is Applicability.UNSAFE)
        if hidden and not unsafe:  # an empty diff must not read as "nothing to fix"
            sys.stderr.write(f"cilint: no fixes available with --fix; {hidden} hidden fix{'es' if hidden != 1 else ''} "
                             "can be enabled with --unsafe-fixes\n")
    return 1 if diff else 0


def _list_fixes(outcome: loop.FixOutcome, verb: str, written: set[Path] | None = None) -> None:
    """`--show-fixes`: each file and the fixes applied to it (or that would be)."""
    per_file: dict[Path, list[str]] = {}
    for rule, title, paths in outcome.applied_fixes:
        for path in paths:
            if written is None or path in written:
                per_file.setdefault(path, []).append(f"{rule} {title}")
    count = sum(len(v) for v in per_file.values())
    if not count:
        sys.stderr.write(f"{verb} nothing.\n")
        return
    lines = [f"{verb} {count} finding{'s' if count != 1 else ''}:"]
    for path in sorted(per_file):
        lines.append(f"- {_shown(path)}:")
        lines.extend(f"    {item}" for item in per_file[path])
    sys.stderr.write("\n".join(lines) + "\n")


def _fix(options: Options, unsafe: bool, show_fixes: bool = False) -> Result:
    """`--fix`: apply the fixes, say what was written, and return the analysis of what is on disk."""
    outcome = loop.fix(options, unsafe=unsafe)
    _report_fix_bugs(outcome)
    written = loop.write(outcome, options)
    done = {w.path for w in written if w.written}
    fixed = sum(1 for paths in outcome.applied_paths if paths <= done)
    for item in written:
        if not item.written:
            sys.stderr.write(f"cilint: not fixed: {_shown(item.path)}: {item.reason}\n")
    if fixed:
        sys.stderr.write(f"Fixed {fixed} finding{'s' if fixed != 1 else ''} "
                         f"in {len(done)} file{'s' if len(done) != 1 else ''}.\n")
    for title in outcome.skipped:
        sys.stderr.write(f"cilint: not applied (overlaps another fix): {title}\n")
    if show_fixes:
        _list_fixes(outcome, "Fixed", done)
    # the analysis of the fixed texts, unless a file was left as it was
    return outcome.result if len(done) == len(written) else run(options)


def _report_fix_bugs(outcome: loop.FixOutcome) -> None:
    """Fixes the loop refused are bugs in their rules, caught before anything was written."""
    for title in outcome.broken:
        sys.stderr.write(f"cilint: bug: a fix was not applied because the file would no longer parse "
                         f"({title}); please report it\n")
    for title in outcome.idle:
        sys.stderr.write(f"cilint: bug: a fix was not applied because it changes nothing ({title}); "
                         "please report it\n")
    if outcome.cycling:
        sys.stderr.write("cilint: bug: no fix was applied because these fixes undo each other ("
                         f"{'; '.join(outcome.cycling)}); please report it\n")


def _shown(path: Path) -> str:
    try:
        return path.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return path.as_posix()


def render(output_format: str, result: Result, colour: bool, quiet: bool = False) -> str:
    if output_format == "json":
        return json_report.render(result.projects)
    if output_format == "codequality":
        return codequality.render(result.projects)
    if output_format == "sarif":
        return sarif.render(result.projects)
    return text.render(result.projects, colour=colour, quiet=quiet)


def _usage_error(message: str) -> int:
    sys.stderr.write(f"cilint: error: {message}\n")
    return 2
