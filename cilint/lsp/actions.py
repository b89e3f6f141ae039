"""Code actions and hover beyond quick fixes: suppressing a finding on its line, and what a finding or
a host name under the cursor means (the rule's summary; the name's lookup, as `cilint trace` shows it)."""

from __future__ import annotations

import re

from lsprotocol import types

from cilint.findings import Finding
from cilint.fixes.add_ignore import suppression_edit
from cilint.lsp.diagnostics import file_uri, position
from cilint.results import ProjectResult
from cilint.syntax.tree import ScalarNode
from cilint.syntax.yaml import parse_yaml, walk

_HOST_CHARACTERS = re.compile(r"[A-Za-z0-9._-]+")


def suppress_action(project: ProjectResult, finding: Finding, diagnostic: types.Diagnostic) -> types.CodeAction | None:
    """"Suppress RULE on this line" — not offered where the comment would land inside a multi-line
    scalar (a `- |` script), where it would become part of the value."""
    source = project.files.get(finding.path)
    if source is None or _inside_multiline_scalar(source, finding.location.span.start):
        return None
    line = source.position(finding.location.span.start).line
    edit = suppression_edit(source, line, [finding.rule_id])
    where = types.Range(position(source, edit.span.start), position(source, edit.span.end))
    return types.CodeAction(
        title=f"Suppress {finding.rule_id} on this line", kind=types.CodeActionKind.QuickFix, diagnostics=[diagnostic],
        edit=types.WorkspaceEdit(changes={file_uri(project.root, finding.path): [types.TextEdit(where, edit.content)]}))


def _inside_multiline_scalar(source, offset: int) -> bool:  # type: ignore[no-untyped-def]
    if not source.path.endswith((".yml", ".yaml")):
        return False  # TOML: a comment ends every line of it
    parsed = parse_yaml(source)
    for document in parsed.documents:
        for node in walk(document.root) if document.root is not None else ():
            if isinstance(node, ScalarNode) and node.span.start <= offset < node.span.end and \
                    "\n" in source.text[node.span.start:node.span.end]:
                return True
    return False


def finding_hover(finding: Finding, summary: str) -> str:
    parts = [f"**{finding.rule_id}** {finding.message}"]
    if finding.why:
        parts.append(f"*Why:* {finding.why}")
    if finding.remedy:
        parts.append(f"*Fix:* {finding.remedy}")
    if summary:
        parts.append(summary.strip())
    return "\n\n".join(parts)


def word_at(text: str, line: int, character: int) -> str:
    """The host-like word at an LSP position (UTF-16 columns are code points for these characters)."""
    lines = text.split("\n")
    if line >= len(lines):
        return ""
    for match in _HOST_CHARACTERS.finditer(lines[line]):
        if match.start() <= character <= match.end():
            return match.group(0).strip(".").lower()
    return ""
