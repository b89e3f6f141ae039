"""cilint's own JSON format (stable; documented in the README)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from cilint import __version__
from cilint.engine import ProjectResult
from cilint.report.common import placed


def render(projects: Sequence[ProjectResult]) -> str:
    findings = []
    for item in placed(projects):
        finding = item.finding
        fix = finding.fix
        findings.append(
            {
                "rule": finding.rule_id,
                "path": finding.path,
                "start": {"line": item.start.line, "column": item.start.column},
                "end": {"line": item.end.line, "column": item.end.column},
                "severity": finding.severity.label,
                "message": finding.message,
                "fingerprint": item.fingerprint,
                "fix": None
                if fix is None
                else {
                    "title": fix.title,
                    "applicability": fix.applicability.value,
                    "edits": [
                        {"path": e.path, "start": e.span.start, "end": e.span.end, "content": e.content}
                        for e in fix.edits
                    ],
                },
            }
        )
    document = {"version": 1, "tool": {"name": "cilint", "version": __version__}, "findings": findings}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
