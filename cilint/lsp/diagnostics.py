"""Findings as LSP diagnostics: ranges in UTF-16 code units (the protocol's default encoding), the rule
id as the code with its documentation, related places as related information."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types

from cilint.findings import Finding, Severity
from cilint.report.common import docs_link
from cilint.results import ProjectResult
from cilint.source import SourceFile

_SEVERITIES = {
    Severity.BLOCKER: types.DiagnosticSeverity.Error,
    Severity.CRITICAL: types.DiagnosticSeverity.Error,
    Severity.MAJOR: types.DiagnosticSeverity.Warning,
    Severity.MINOR: types.DiagnosticSeverity.Information,
    Severity.INFO: types.DiagnosticSeverity.Hint,
}


def position(source: SourceFile, offset: int) -> types.Position:
    """An offset of the text as an LSP position: 0-based line, UTF-16 code units into it."""
    where = source.position(offset)
    line_start = offset - (where.column - 1)
    prefix = source.text[line_start:offset]
    return types.Position(line=where.line - 1, character=len(prefix.encode("utf-16-le")) // 2)


def file_uri(root: Path, path: str) -> str:
    return (root / path).resolve().as_uri()


def diagnostics(project: ProjectResult) -> dict[str, list[types.Diagnostic]]:
    """The project's findings as diagnostics, by file URI."""
    out: dict[str, list[types.Diagnostic]] = {}
    for finding in project.findings:
        source = project.files.get(finding.path)
        if source is None:
            continue
        out.setdefault(file_uri(project.root, finding.path), []).append(_diagnostic(project, source, finding))
    return out


def _diagnostic(project: ProjectResult, source: SourceFile, finding: Finding) -> types.Diagnostic:
    span = finding.location.span
    body = [finding.message]
    if finding.why:
        body.append(f"why: {finding.why}")
    if finding.remedy:
        body.append(f"fix: {finding.remedy}")
    if finding.confidence.label != "high":
        body.append(f"({finding.confidence.label} confidence)")
    link = docs_link(project.docs_url, finding.rule_id)
    related = []
    for item in finding.related:
        other = project.files.get(item.location.path)
        if other is not None:
            where = types.Range(position(other, item.location.span.start), position(other, item.location.span.end))
            related.append(types.DiagnosticRelatedInformation(
                types.Location(file_uri(project.root, item.location.path), where), item.message))
    return types.Diagnostic(
        range=types.Range(position(source, span.start), position(source, span.end)),
        message="\n".join(body), severity=_SEVERITIES[finding.severity], code=finding.rule_id, source="cilint",
        code_description=types.CodeDescription(href=link) if link else None,
        related_information=related or None)
