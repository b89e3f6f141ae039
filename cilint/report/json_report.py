"""cilint's own JSON format (stable; documented in the README)."""

from __future__ import annotations

import os
from collections.abc import Sequence

from cilint import __version__
from cilint.redact import Redactor
from cilint.report.common import Placed, docs_link, placed
from cilint.results import ProjectResult
from cilint.source import SourceFile


def render(projects: Sequence[ProjectResult], redactor: Redactor | None = None) -> str:
    redactor = redactor or Redactor.from_environment(os.environ)
    findings = []
    for project in projects:
        files = project.files
        for item in placed([project]):
            findings.append(_finding(item, project, redactor))
    document = {"version": 1, "tool": {"name": "cilint", "version": __version__}, "findings": findings,
                "hidden": sum(p.hidden for p in projects), "baselined": sum(p.baselined for p in projects)}
    import json  # stdlib, a few ms of cold start: only when this format is written
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _place(files: dict[str, SourceFile], path: str, offset: int) -> dict[str, int]:
    source = files.get(path)
    where = source.position(offset) if source is not None else None
    return {"line": where.line, "column": where.column} if where else {"line": 1, "column": 1}


def _finding(item: Placed, project: ProjectResult, redactor: Redactor) -> dict:  # type: ignore[type-arg]
    finding, files, docs_url, shown = item.finding, project.files, project.docs_url, project.shown
    fix = finding.fix
    return {
        "rule": finding.rule_id,
        "path": shown(finding.path),
        "start": {"line": item.start.line, "column": item.start.column},
        "end": {"line": item.end.line, "column": item.end.column},
        "severity": finding.severity.label,
        "confidence": finding.confidence.label,
        "message": redactor.text(finding.message),
        "why": redactor.text(finding.why),
        "remedy": redactor.text(finding.remedy),
        "docs": docs_link(docs_url, finding.rule_id),
        "fingerprint": item.fingerprint,
        "related": [
            {"path": shown(r.location.path), **_place(files, r.location.path, r.location.span.start),
             "message": redactor.text(r.message)}
            for r in finding.related
        ],
        "fix": None if fix is None else {
            "title": redactor.text(fix.title),
            "applicability": fix.applicability.value,
            "edits": [{"path": shown(e.path), "start": e.span.start, "end": e.span.end,
                       "content": redactor.text(e.content)} for e in fix.edits],
        },
    }


def statistics(projects: Sequence[ProjectResult]) -> str:
    """`--statistics --format json`: per rule, how many findings and how many `--fix` fixes."""
    from cilint.catalog import rule_name
    from cilint.findings import Applicability

    counts: dict[str, list[int]] = {}
    for project in projects:
        for finding in project.findings:
            row = counts.setdefault(finding.rule_id, [0, 0])
            row[0] += 1
            row[1] += bool(finding.fix and finding.fix.applicability is Applicability.SAFE)
    rows = [{"rule": rule, "name": rule_name(rule), "count": n, "fixable": fixable}
            for rule, (n, fixable) in sorted(counts.items(), key=lambda item: (-item[1][0], item[0]))]
    import json

    return json.dumps(rows, indent=2) + "\n"
