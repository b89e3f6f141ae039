"""Adopting cilint in an existing repository: a baseline file of the findings accepted today.

`--write-baseline FILE` records the fingerprints of the current findings; `--baseline FILE` then
reports only findings whose fingerprint is not in it. Fingerprints hash the rule, the path, the
finding's structural route and the text it points at, never a line number, so a baselined finding
stays baselined when lines move; it shows again when its text or place changes.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from cilint import __version__
from cilint.report.common import placed
from cilint.results import ProjectResult, UsageError

_KIND = "cilint-baseline"


def baseline_text(projects: Sequence[ProjectResult]) -> str:
    entries = [{"fingerprint": item.fingerprint, "rule": item.finding.rule_id,
                "path": project.shown(item.finding.path, repository=True)}
               for project in projects for item in placed([project])]
    document = {"kind": _KIND, "version": 1, "tool": {"name": "cilint", "version": __version__}, "findings": entries}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def read_baseline(path: Path) -> frozenset[str]:
    """The fingerprints a baseline file accepts; a file that is not one is a usage error."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"--baseline {path}: no such file (write one with --write-baseline)") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"--baseline {path}: not a cilint baseline ({exc})") from None
    if not isinstance(document, dict) or document.get("kind") != _KIND or not isinstance(document.get("findings"), list):
        raise UsageError(f"--baseline {path}: not a cilint baseline (written by --write-baseline)")
    return frozenset(e["fingerprint"] for e in document["findings"] if isinstance(e, dict) and
                     isinstance(e.get("fingerprint"), str))


def apply_baseline(projects: Sequence[ProjectResult], accepted: frozenset[str]) -> None:
    """Drop the findings the baseline accepts, counting them per project."""
    for project in projects:
        kept = [item.finding for item in placed([project]) if item.fingerprint not in accepted]
        project.baselined += len(project.findings) - len(kept)
        project.findings = kept
