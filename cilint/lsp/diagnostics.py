"""Findings as LSP diagnostics: ranges in UTF-16 code units (the protocol's default encoding), the rule
id as the code with its documentation, related places as related information."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types

from cilint.findings import Applicability, Finding, Severity
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


def diagnostics(project: ProjectResult) -> dict[str, list[tuple[types.Diagnostic, Finding]]]:
    """The project's findings as diagnostics, with the finding each stands for, by file URI."""
    out: dict[str, list[tuple[types.Diagnostic, Finding]]] = {}
    for finding in project.findings:
        source = project.files.get(finding.path)
        if source is None:
            continue
        out.setdefault(file_uri(project.root, finding.path), []).append(
            (_diagnostic(project, source, finding), finding))
    return out


def quick_fix(project: ProjectResult, finding: Finding, diagnostic: types.Diagnostic) -> types.CodeAction | None:
    """The finding's fix as a code action: its edits in every file they touch (the CI file and a runner
    configuration, say); unsafe fixes say so; suggestions a tool cannot apply (display-only) are none."""
    fix = finding.fix
    if fix is None or fix.applicability is Applicability.DISPLAY_ONLY:
        return None
    changes: dict[str, list[types.TextEdit]] = {}
    for edit in fix.edits:
        source = project.files.get(edit.path)
        if source is None:
            return None
        where = types.Range(position(source, edit.span.start), position(source, edit.span.end))
        changes.setdefault(file_uri(project.root, edit.path), []).append(types.TextEdit(where, edit.content))
    unsafe = fix.applicability is Applicability.UNSAFE
    return types.CodeAction(
        title=f"{finding.rule_id}: {fix.title}" + (" (unsafe: check the result)" if unsafe else ""),
        kind=types.CodeActionKind.QuickFix, diagnostics=[diagnostic], is_preferred=not unsafe,
        edit=types.WorkspaceEdit(changes=changes))


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
