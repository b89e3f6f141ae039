"""The process entry point: a plain `cilint check ...` runs straight from argv (`cilint.check_command`
parses it without typer); every other command line goes to the typer app in `cilint.commands`,
imported only then (typer and click cost more than a third of a run on a small project)."""

from __future__ import annotations

import gc
import os
import sys

from cilint.check_command import parse_check, run_check


def console() -> None:
    """The `cilint` command: `main`, then an exit without the interpreter's teardown, which frees
    every object of the analysis one by one and runs collections over them (measured: 6% of a cold
    start, and 4% of the instructions of a run over a third of the corpus). Output is flushed first;
    cilint registers no exit handlers and writes files only through closed handles.

    The process runs without the cyclic garbage collector: a run builds many small acyclic objects
    (freed by reference counting; tests/internals/test_reference_cycles.py keeps it so), and the collector's
    passes over them cost 20-35 % of an analysis of the corpus (measured in-process, 1.27-1.56 s
    against 1.74-1.83 s) and made run time grow faster than the input (x2.7 per doubling of jobs,
    x1.8 without). A library caller of `engine.run` keeps its own collector policy."""
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
        from cilint.commands import (
            app,  # typer: only for command lines the fast parser leaves
        )

        app(prog_name="cilint")
    except SystemExit:
        raise
    except KeyboardInterrupt:
        sys.stderr.write("cilint: interrupted\n")
        sys.exit(130)
    except BrokenPipeError:  # the reader of stdout went away (`cilint rules | head`): nothing to say
        sys.exit(0)
    except Exception as exc:  # noqa: BLE001 - the last line of defence: no traceback for users
        if os.environ.get("CILINT_DEBUG"):
            raise
        sys.stderr.write(
            f"cilint: internal error: {type(exc).__name__}: {exc}\n"
            "This is a bug in cilint; run again with CILINT_DEBUG=1 for details and report it.\n"
        )
        sys.exit(2)
