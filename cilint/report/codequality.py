"""GitLab Code Quality (CodeClimate subset) report: one JSON array GitLab's parser accepts whole.

facts 1.1-1.2: every entry needs `description`, `check_name`, `fingerprint`, `severity` (one of five
lowercase values) and `location.path` with an integer `location.lines.begin`; no BOM. GitLab stops at
the first invalid entry, so `cilint/schemas/codequality.json` describes exactly what is emitted and
the tests validate every report against it. The widget shows `description`: the rule id and the
one-line statement; `content.body` (markdown) carries the why, what to change, related places, the
suggested fix as a diff and the rule's page.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from cilint.catalog import rule_meta
from cilint.findings import Confidence
from cilint.redact import Redactor
from cilint.report.common import Placed, docs_link, fix_diff, placed
from cilint.results import ProjectResult
from cilint.source import SourceFile

_CATEGORY = {"CIL": "Bug Risk", "DNS": "Bug Risk", "NET": "Bug Risk"}


def render(projects: Sequence[ProjectResult], redactor: Redactor | None = None) -> str:
    redactor = redactor or Redactor.from_environment(os.environ)
    entries = []
    for project in projects:
        files = project.files
        for item in placed([project]):
            finding = item.finding
            # Code Quality has severities only: a finding that rests on what cilint cannot see is an
            # `info` reminder, and says so.
            low = finding.confidence is Confidence.LOW
            note = f" ({finding.confidence.label} confidence)" if finding.confidence is not Confidence.HIGH else ""
            entry = {
                "type": "issue",
                "check_name": finding.rule_id,
                "description": f"{finding.rule_id}: {redactor.text(finding.message)}{note}",
                "categories": [_CATEGORY.get(finding.rule_id[:3], "Bug Risk")],
                "severity": "info" if low else finding.severity.label,
                "fingerprint": item.fingerprint,
                "location": {"path": project.shown(finding.path, repository=True),
                             "lines": {"begin": item.start.line, "end": item.end.line}},
                "content": {"body": _body(item, project, redactor)},
            }
            if finding.related:
                entry["other_locations"] = [
                    {"path": project.shown(r.location.path, repository=True),
                     "lines": {"begin": _line(files, r.location.path, r.location.span.start)}}
                    for r in finding.related
                ]
            entries.append(entry)
    import json  # stdlib, a few ms of cold start: only when this format is written
    return json.dumps(entries, indent=2, ensure_ascii=False) + "\n"


def _line(files: dict[str, SourceFile], path: str, offset: int) -> int:
    source = files.get(path)
    return source.position(offset).line if source is not None else 1


def _body(item: Placed, project: ProjectResult, redactor: Redactor) -> str:
    finding, files, docs_url = item.finding, project.files, project.docs_url
    meta = rule_meta(finding.rule_id)
    parts = [redactor.text(finding.message)]
    if finding.why:
        parts += ["", f"**Why:** {redactor.text(finding.why)}"]
    if finding.remedy:
        parts += ["", f"**Fix:** {redactor.text(finding.remedy)}"]
    if meta is not None:
        parts += ["", f"**{meta.id} {meta.name}**: {meta.title}", "", meta.rationale.strip()]
    for related in finding.related:
        where = _line(files, related.location.path, related.location.span.start)
        parts.append(f"- See `{project.shown(related.location.path, repository=True)}:{where}`: "
                     f"{redactor.text(related.message)}")
    diff = fix_diff(finding, files, redactor, lambda path: project.shown(path, repository=True))
    if diff and finding.fix is not None:
        title = redactor.text(finding.fix.title)
        parts += ["", f"Suggested fix ({finding.fix.applicability.value}): {title}", "", "```diff", diff.rstrip("\n"), "```"]
    link = docs_link(docs_url, finding.rule_id)
    if link:
        parts += ["", f"Documentation: {link}"]
    if meta is not None and meta.references:
        parts += ["", "References: " + ", ".join(meta.references)]
    return "\n".join(parts)
