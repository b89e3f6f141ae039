"""`cilint scan` and `cilint scan merge` from the command line: what was asked is checked, the token comes from
the environment; exit 0 once the reports are written, 2 for a usage problem or a token GitLab refuses."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from cilint.gitlab_api import TOKEN_HELP, ApiError, check_url
from cilint.scan.progress import Progress
from cilint.scan.run import ScanRequest, merge, scan


def parse_shard(text: str) -> tuple[int, int]:
    """`I/N` with 1 <= I <= N; ValueError with the reason otherwise."""
    index, slash, total = text.partition("/")
    if not slash or not index.strip().isdigit() or not total.strip().isdigit():
        raise ValueError(f"--shard takes I/N (such as 2/4), not {text!r}")
    shard = int(index), int(total)
    if not 1 <= shard[0] <= shard[1]:
        raise ValueError(f"--shard {text}: I must be between 1 and N")
    return shard


def run_scan_command(request: ScanRequest) -> int:
    chosen = sum((request.group is not None, request.projects_file is not None, request.all_projects))
    if chosen != 1:
        return _error("give exactly one of --group PATH, --projects FILE or --all")
    token = os.environ.get("GITLAB_TOKEN")
    if not token:
        return _error(f"set GITLAB_TOKEN: {TOKEN_HELP} (read_api lists projects and reads their files)")
    try:
        check_url(request.gitlab_url)
        outcome = scan(request, token, Progress())
    except (ApiError, ValueError, OSError) as exc:
        return _error(str(exc))
    for path in outcome.reports:
        print(path)
    return 0


def run_merge_command(reports: list[Path], output: Path) -> int:
    try:
        records = merge(reports, output)
    except (ValueError, OSError) as exc:
        return _error(str(exc))
    print(f"merged {len(records)} projects from {len(reports)} reports into {output}")
    return 0


def _error(message: str) -> int:
    print(f"cilint: error: {message}", file=sys.stderr)
    return 2
