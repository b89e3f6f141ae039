"""Entry point: `cilint check` runs straight from argv; every other command line goes to typer.

The command line is defined once, with typer, in `cilint.commands` (help, errors, completion of the
other commands). A plain `cilint check ...` - the pre-commit hook, the CI component, an editor - is
parsed here from a table of the same options, because importing typer and click costs more than a
third of a run on a small project (measured: ~55 ms of ~150). Anything the table does not cover
exactly (help, `--version`, an unknown option or value, a missing argument) is handed to typer, which
prints its usual message. tests/test_cli_fast_path.py keeps the table and typer's options in step.

Exit codes: 0 nothing at or above the fail threshold, 1 findings, 2 usage, settings or internal error.
"""

from __future__ import annotations

import gc
import os
import sys
from dataclasses import dataclass
from pathlib import Path

FORMATS = ("text", "codequality", "json", "sarif")
SEVERITIES = ("info", "minor", "major", "critical", "blocker")


@dataclass(frozen=True, slots=True)
class CheckRequest:
    """The options of `cilint check`, however they were parsed."""

    paths: tuple[Path, ...] = ()
    output_format: str = "text"
    output: Path | None = None
    runner_config: tuple[Path, ...] = ()
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    exit_zero: bool = False
    fail_on: str = "minor"
    fix: bool = False
    unsafe_fixes: bool = False
    diff: bool = False
    statistics: bool = False
    gitlab_url: str | None = None
    project: str | None = None
    ref: str | None = None
    allow_remote_includes: bool = False
    allow_local_remote_includes: bool = False
    gitlab_timeout: float = 20.0
    gitlab_run_timeout: float = 120.0


# option -> (field of CheckRequest, kind): "flag" takes no value, "list" may repeat, "path"/"paths" are
# paths, "format"/"severity" are choices (case-insensitive, as in typer), "float" a number.
CHECK_OPTIONS: dict[str, tuple[str, str]] = {
    "--format": ("output_format", "format"),
    "--output": ("output", "path"),
    "-o": ("output", "path"),
    "--runner-config": ("runner_config", "paths"),
    "--select": ("select", "list"),
    "--ignore": ("ignore", "list"),
    "--exit-zero": ("exit_zero", "flag"),
    "--fail-on": ("fail_on", "severity"),
    "--fix": ("fix", "flag"),
    "--unsafe-fixes": ("unsafe_fixes", "flag"),
    "--diff": ("diff", "flag"),
    "--statistics": ("statistics", "flag"),
    "--gitlab-url": ("gitlab_url", "text"),
    "--project": ("project", "text"),
    "--ref": ("ref", "text"),
    "--allow-remote-includes": ("allow_remote_includes", "flag"),
    "--allow-local-remote-includes": ("allow_local_remote_includes", "flag"),
    "--gitlab-timeout": ("gitlab_timeout", "float"),
    "--gitlab-run-timeout": ("gitlab_run_timeout", "float"),
}


def parse_check(argv: list[str]) -> CheckRequest | None:
    """`check` arguments -> a request; None when typer should handle the command line instead."""
    if not argv or argv[0] != "check":
        return None
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
        spec = CHECK_OPTIONS.get(name)
        if spec is None or (has_value and (spec[1] == "flag" or not name.startswith("--"))):
            return None
        field_name, kind = spec
        if kind == "flag":
            values[field_name] = True
            continue
        value = inline if has_value else next(rest, None)
        if value is None:
            return None
        parsed = _value(kind, value)
        if parsed is None:
            return None
        if kind in ("list", "paths"):
            values[field_name] = (*values.get(field_name, ()), *parsed)  # type: ignore[misc]
        else:
            values[field_name] = parsed
    return CheckRequest(paths=tuple(paths), **values)  # type: ignore[arg-type]


def _value(kind: str, value: str) -> object:
    if kind == "format":
        return value.lower() if value.lower() in FORMATS else None
    if kind == "severity":
        return value.lower() if value.lower() in SEVERITIES else None
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
    from cilint.engine import run
    from cilint.findings import Severity
    from cilint.results import Options, UsageError, fails

    gitlab = None
    if request.gitlab_url or request.project:
        if not (request.gitlab_url and request.project):
            return _usage_error("--gitlab-url and --project go together")
        from cilint.gitlab_api import ApiError, GitLabSource

        try:
            gitlab = GitLabSource(request.gitlab_url, request.project, request.ref, request.allow_remote_includes,
                                  request.gitlab_timeout, request.allow_local_remote_includes,
                                  request.gitlab_run_timeout)
        except ApiError as exc:
            return _usage_error(str(exc))
    options = Options(
        paths=request.paths or (Path("."),),
        runner_configs=request.runner_config,
        select=request.select,
        ignore=request.ignore,
        gitlab=gitlab,
    )
    try:
        if request.fix or request.diff:
            from cilint.fixes import loop

            outcome = loop.fix(options, unsafe=request.unsafe_fixes)
            # Both are bugs in a rule's fix, caught before anything was written: said as such.
            for title in outcome.broken:
                sys.stderr.write(f"cilint: bug: a fix was not applied because the file would no longer parse "
                                 f"({title}); please report it\n")
            for title in outcome.idle:
                sys.stderr.write(f"cilint: bug: a fix was not applied because it changes nothing ({title}); "
                                 "please report it\n")
            if outcome.cycling:
                sys.stderr.write("cilint: bug: no fix was applied because these fixes undo each other ("
                                 f"{'; '.join(outcome.cycling)}); please report it\n")
            if request.diff:
                text = loop.unified_diff(outcome, Path.cwd())
                sys.stdout.write(text)
                return 1 if text else 0
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
            # what is on disk now: the analysis of the fixed texts, unless a file was left as it was
            result = outcome.result if len(done) == len(written) else run(options)
        else:
            result = run(options)
    except UsageError as exc:
        return _usage_error(str(exc))
    except Exception as exc:
        if type(exc).__name__ == "ApiError":
            return _usage_error(str(exc))
        raise
    failed = not request.exit_zero and fails(result.findings, Severity.parse(request.fail_on))
    if request.statistics:
        from cilint.report import text as text_report

        sys.stdout.write(text_report.statistics(result.projects))
        return 1 if failed else 0
    report = render(request.output_format, result, request.output is None and sys.stdout.isatty())
    if request.output is None:
        sys.stdout.write(report)
    else:
        from cilint.filesystem import write_report

        try:
            write_report(request.output, report)
        except OSError as exc:
            sys.stderr.write(f"cilint: error: cannot write {request.output}: {exc.strerror or exc}\n")
            return 2
    return 1 if failed else 0


def _shown(path: Path) -> str:
    try:
        return path.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return path.as_posix()


def render(output_format: str, result, stream_is_tty: bool) -> str:  # type: ignore[no-untyped-def]
    if output_format == "json":
        from cilint.report import json_report

        return json_report.render(result.projects)
    if output_format == "codequality":
        from cilint.report import codequality

        return codequality.render(result.projects)
    if output_format == "sarif":
        from cilint.report import sarif

        return sarif.render(result.projects)
    from cilint.report import text

    return text.render(result.projects, colour=text.use_colour(stream_is_tty))


def _usage_error(message: str) -> int:
    sys.stderr.write(f"cilint: error: {message}\n")
    return 2


def console() -> None:
    """The `cilint` command: `main`, then an exit without the interpreter's teardown, which frees
    every object of the analysis one by one and runs collections over them (measured: 6% of a cold
    start, and 4% of the instructions of a run over a third of the corpus). Output is flushed first;
    cilint registers no exit handlers and writes files only through closed handles.

    The process runs without the cyclic garbage collector: a run builds many small acyclic objects
    (freed by reference counting; tests/test_reference_cycles.py keeps it so), and the collector's
    passes over them cost 20-35 % of an analysis of the corpus (measured in-process, 1.27-1.56 s
    against 1.74-1.83 s). A library caller of `engine.run` keeps its own collector policy."""
    gc.disable()
    try:
        main()
        code: object = 0
    except SystemExit as exc:
        code = exc.code
    if code is not None and not isinstance(code, int):
        sys.stderr.write(f"{code}\n")  # what the interpreter does with a message in SystemExit
        code = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a reader that went away (`| head`), or a closed stream
            pass
    os._exit(code or 0)


def main() -> None:
    try:
        request = parse_check(sys.argv[1:])
        if request is not None:
            sys.exit(run_check(request))
        from cilint.commands import app

        app(prog_name="cilint")
    except SystemExit:
        raise
    except KeyboardInterrupt:
        sys.stderr.write("cilint: interrupted\n")
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 - the last line of defence: no traceback for users
        if os.environ.get("CILINT_DEBUG"):
            raise
        sys.stderr.write(
            f"cilint: internal error: {type(exc).__name__}: {exc}\n"
            "This is a bug in cilint; run again with CILINT_DEBUG=1 for details and report it.\n"
        )
        sys.exit(2)
