""""Suppress RULE for this file in settings": the rule added to the file's `per-file-ignores` entry of the
project's settings (`.cilint.toml`, or `[tool.cilint]` of pyproject.toml), or a new `.cilint.toml` that
says so. The edited settings are read again before the action is offered: it is offered only when they
then ignore the rule in that file and read without a new problem."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from lsprotocol import types

from cilint.edits.entries import add_toml_key, append_to_array, double_quoted, toml_value
from cilint.findings import Edit, Finding, Span
from cilint.loading.settings import find_settings, parse_settings
from cilint.lsp.diagnostics import position
from cilint.source import SourceFile
from cilint.syntax.tree import MapNode, Node, SeqNode

NEW_SETTINGS = ".cilint.toml"
_GLOB = re.compile(r"[*?\[\]\\]")


@dataclass(frozen=True, slots=True)
class SettingsEdit:
    """The edit of the settings file `path` (`create`: it does not exist yet, `edit` is its text)."""

    path: str
    edit: Edit
    create: bool


def settings_suppression(texts: dict[str, str], rule_id: str, path: str) -> SettingsEdit | None:
    """The settings edit that ignores `rule_id` in the project file `path`; `texts` holds the root's
    `.cilint.toml` and `pyproject.toml` as the editor has them (absent: not there)."""
    pattern = "/" + _GLOB.sub(r"\\\g<0>", path)  # anchored at the root, wildcards escaped: only this file
    found = find_settings(texts)
    if found is None:
        name = NEW_SETTINGS
        content = f"[per-file-ignores]\n{double_quoted(pattern)} = {toml_value([rule_id])}\n"
        edit, text, create = Edit(name, Span(0, 0), content), "", True
    else:
        name, text = found
        edit, create = _edit(SourceFile(name, text), rule_id, pattern), False
        if edit is None:
            return None
    after = text[: edit.span.start] + edit.content + text[edit.span.end:]
    return SettingsEdit(name, edit, create) if _ignores(name, after, text, rule_id, path) else None


def _edit(source: SourceFile, rule_id: str, pattern: str) -> Edit | None:
    from cilint.syntax.toml import parse_toml

    parsed = parse_toml(source.text, source.path)
    if parsed.root is None:
        return None
    table: Node | None = parsed.root
    prefix = ""
    if source.path == "pyproject.toml":
        tool = parsed.root.get("tool")
        table = tool.get("cilint") if isinstance(tool, MapNode) else None
        prefix = "tool.cilint."
    ignores = table.get("per-file-ignores") if isinstance(table, MapNode) else None
    if not isinstance(ignores, MapNode):  # none yet: a table of its own at the end of the file
        newline = source.newline
        lead = "" if not source.text or source.text.endswith(newline) else newline
        return Edit(source.path, Span(len(source.text), len(source.text)),
                    f"{lead}{newline}[{prefix}per-file-ignores]{newline}"
                    f"{double_quoted(pattern)} = {toml_value([rule_id])}{newline}")
    rules = ignores.get(pattern)
    if isinstance(rules, SeqNode):
        return append_to_array(source, rules, rule_id)
    if rules is not None:
        return None
    if ignores.flow:
        if not ignores.entries:
            return None
        last = list(ignores.entries.values())[-1][1]
        return Edit(source.path, Span(last.span.end, last.span.end),
                    f", {double_quoted(pattern)} = {toml_value([rule_id])}")
    return add_toml_key(source, ignores, double_quoted(pattern), [rule_id])


def _ignores(name: str, after: str, before: str, rule_id: str, path: str) -> bool:
    """The settings `after` the edit ignore `rule_id` in `path` and have no problem `before` had not."""
    import pathspec

    from cilint.engine import selected

    config = parse_settings(name, after)
    problems = {f.message for f in parse_settings(name, before).problems} if before else set()
    if any(f.message not in problems for f in config.problems):
        return False
    return any(pathspec.GitIgnoreSpec.from_lines([p]).match_file(path) and selected(rule_id, codes)
               for p, codes in config.per_file_ignores)


def settings_action(root: Path, open_buffers: dict[str, str], finding: Finding, diagnostic: types.Diagnostic,
                    can_create: bool) -> types.CodeAction | None:
    """The code action, with the settings as the editor has them (an open buffer over the file on disk);
    a new settings file only for a client that can create files through a workspace edit."""
    if finding.path in (NEW_SETTINGS, "pyproject.toml"):
        return None  # a problem of the settings themselves: mended there, not ignored there
    texts = {}
    for name in (NEW_SETTINGS, "pyproject.toml"):
        path = root / name
        if str(path) in open_buffers:
            texts[name] = open_buffers[str(path)]
        elif path.is_file():
            texts[name] = path.read_text(encoding="utf-8", errors="replace")
    change = settings_suppression(texts, finding.rule_id, finding.path)
    if change is None or (change.create and not can_create):
        return None
    uri = (root / change.path).resolve().as_uri()
    source = SourceFile(change.path, texts.get(change.path, ""))
    where = types.Range(position(source, change.edit.span.start), position(source, change.edit.span.end))
    text_edit = types.TextEdit(where, change.edit.content)
    if change.create:
        edit = types.WorkspaceEdit(document_changes=[
            types.CreateFile(uri=uri),
            types.TextDocumentEdit(types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=None), [text_edit])])
    else:
        edit = types.WorkspaceEdit(changes={uri: [text_edit]})
    return types.CodeAction(title=f"Suppress {finding.rule_id} for this file in settings ({change.path})",
                            kind=types.CodeActionKind.QuickFix, diagnostics=[diagnostic], edit=edit)
