"""`cilint trace`: how a job's containers resolve names, layer by layer, from the project's own files.

For the job on each runner that may run it (and each variant of the pipeline): every container (the
job's, the helper, each service, the containers a dind service starts), the resolv.conf and
/etc/hosts it gets with where each line comes from, its resolver library, and for each name the
lookup as that resolver performs it (facts/resolution, facts/lookup: the model the rules read).
"""

from __future__ import annotations

import sys
from pathlib import Path

from cilint.results import UsageError

FORMATS = ("text", "json", "mermaid")


def run_trace(path: Path, job: str, names: list[str], runner: str | None, container: str | None,
              output_format: str) -> int:
    # the model and renderers load here: `cilint rules`, `explain` and the other commands never need them
    from cilint.filesystem import write_stdout
    from cilint.trace.model import traced
    from cilint.trace.render import json_text, mermaid_text, text

    try:
        trace = traced(path, job, names, runner, container)
    except UsageError as exc:
        sys.stderr.write(f"cilint: error: {exc}\n")
        return 2
    render = {"json": json_text, "mermaid": mermaid_text}.get(output_format, text)
    write_stdout(render(trace))
    return 0
