"""The language server: each open, change (debounced) and save analyses the document's whole project
with the editor's unsaved buffers over the files on disk, and publishes the diagnostics of every file
of it (a change in an included file updates the file that includes it)."""

from __future__ import annotations

import asyncio
import traceback
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol

from cilint import __version__
from cilint.engine import run
from cilint.findings import Confidence, Finding
from cilint.fixes.loop import fix
from cilint.loading.load import load_config, load_project
from cilint.loading.memo import LoadMemo
from cilint.loading.roots import group_by_root
from cilint.loading.workspace import Workspace
from cilint.lsp.actions import finding_hover, suppress_action, word_at
from cilint.lsp.diagnostics import diagnostics, position, quick_fix
from cilint.lsp.settings_action import settings_action
from cilint.results import Options, ProjectResult
from cilint.source import SourceFile
from cilint.trace.explain import trace_lines
from cilint.trace.model import Tracer, trace_job

# Changes closer together than this are analysed once (a paste, an editor's batch of edits, what was
# typed during the last analysis); a typist's keystrokes, further apart, are each analysed.
DEBOUNCE_SECONDS = 0.02


class CilintProtocol(LanguageServerProtocol):
    """pygls 2.1 keeps, under a fresh id, the future of every notification a built-in (generator)
    handler takes (didOpen, didChange, didSave, didClose) and never lets it go: 3.5 KB per keystroke,
    measured by benchmarks/lsp.py. Each is dropped here once it is done."""

    def _handle_notification(self, method_name: str, params: Any) -> None:
        before = set(self._request_futures)  # the requests in flight: a few
        super()._handle_notification(method_name, params)
        for msg_id in set(self._request_futures) - before:
            self._request_futures[msg_id].add_done_callback(
                lambda _done, msg_id=msg_id: self._request_futures.pop(msg_id, None))


class CilintServer(LanguageServer):
    """Per-server state: the open documents and, per project root, the files given diagnostics last and
    the loads the next analysis may reuse."""

    def __init__(self) -> None:
        super().__init__("cilint", __version__, protocol_cls=CilintProtocol)
        self.open: dict[str, str] = {}  # absolute path -> the editor's text
        self.published: dict[Path, set[str]] = {}  # project root -> URIs with diagnostics
        self.pending: dict[Path, asyncio.TimerHandle] = {}
        self.memos: dict[Path, LoadMemo] = {}  # per project root: the last analysis' loads (loading/memo)
        self.settings: dict[str, object] = {}  # the client's initializationOptions (select, ignore, confidence...)
        # URI -> its diagnostics of the last analysis, with their findings and project (for code actions)
        self.findings: dict[str, list[tuple[types.Diagnostic, Finding, ProjectResult]]] = {}

    def analyse(self, path: Path) -> None:
        """Analyse the project of `path` and publish its diagnostics; an error goes to the client's log."""
        try:
            root = self.root_of(path)
            result = run(self.options(root), self.memos)
        except Exception:  # noqa: BLE001 - one analysis failing must not stop the server
            self.window_log_message(types.LogMessageParams(types.MessageType.Error, traceback.format_exc()))
            return
        for project in result.projects:
            found = diagnostics(project)
            # an open document of the project without findings is told so too (the editor waits for it)
            opened = {Path(p).resolve().as_uri() for p in self.open if Path(p).resolve().is_relative_to(project.root)}
            for uri in (self.published.get(project.root, set()) | opened) - set(found):
                self.findings.pop(uri, None)
                self.publish(uri, [])
            for uri, items in found.items():
                self.findings[uri] = [(d, f, project) for d, f in items]
                self.publish(uri, [d for d, _ in items])
            self.published[project.root] = set(found)

    def publish(self, uri: str, found: list[types.Diagnostic]) -> None:
        """The diagnostics of a file, with the version of its open document they were computed from (a
        client drops diagnostics of an older version than it shows)."""
        document = self.workspace.text_documents.get(unquote(uri))
        version = document.version if document is not None else None
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=found,
                                                                              version=version))

    def fix_all(self, path: Path) -> types.CodeAction | None:
        """"Fix all safe": every safe fix of the document's project, round after round as `--fix` applies
        them, as one edit of each file it changes."""
        root = self.root_of(path)
        outcome = fix(self.options(root), unsafe=False)
        if not outcome.changed:
            return None
        changes = {}
        for changed, (before, after) in outcome.changed.items():
            whole = SourceFile(str(changed), before)
            end = position(whole, len(before))
            changes[changed.resolve().as_uri()] = [types.TextEdit(types.Range(types.Position(0, 0), end), after)]
        return types.CodeAction(title=f"cilint: fix all safe ({outcome.applied} fix{'es' if outcome.applied != 1 else ''})",
                                kind=types.CodeActionKind.SourceFixAll, edit=types.WorkspaceEdit(changes=changes))

    def options(self, root: Path) -> Options:
        """A run over `root` with the open buffers, and what the client asked for at initialization
        (`select`, `ignore`, `confidence`, `runnerConfigs`); the project's own settings file is read as in
        `cilint check` (an open, unsaved settings buffer included)."""
        settings = self.settings

        def strings(key: str) -> tuple[str, ...]:
            value = settings.get(key) or ()
            return tuple(str(v) for v in value) if isinstance(value, (list, tuple)) else (str(value),)

        confidence = settings.get("confidence")
        return Options(paths=(root,), overlay=dict(self.open), select=strings("select"), ignore=strings("ignore"),
                       confidence=Confidence.parse(str(confidence)) if confidence else None,
                       runner_configs=tuple(Path(p) for p in strings("runnerConfigs")))

    def root_of(self, path: Path) -> Path:
        return next(iter(group_by_root([path], virtual=frozenset(self.open))))

    def files_changed(self, paths: list[Path]) -> None:
        """Files changed on disk: the open documents of each project they belong to are analysed again."""
        for document in list(self.open):
            if any(path.resolve().is_relative_to(self.root_of(Path(document))) for path in paths):
                self.schedule(Path(document))

    def schedule(self, path: Path) -> None:
        """Analyse the project of `path` after a pause in changes (each new change restarts the wait)."""
        loop = asyncio.get_event_loop()
        key = self.root_of(path)
        previous = self.pending.pop(key, None)
        if previous is not None:
            previous.cancel()
        self.pending[key] = loop.call_later(DEBOUNCE_SECONDS, self.analyse, path)


def path_of(uri: str) -> Path:
    return Path(unquote(urlparse(uri).path))


def build_server() -> CilintServer:
    server = CilintServer()

    @server.feature(types.INITIALIZE)
    def initialize(ls: CilintServer, params: types.InitializeParams) -> None:
        options = params.initialization_options
        ls.settings = dict(options) if isinstance(options, dict) else {}

    @server.feature(types.INITIALIZED)
    async def initialized(ls: CilintServer, params: types.InitializedParams) -> None:
        await watch_files(ls)

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def watched_files_changed(ls: CilintServer, params: types.DidChangeWatchedFilesParams) -> None:
        ls.files_changed([path_of(change.uri) for change in params.changes])

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: CilintServer, params: types.DidOpenTextDocumentParams) -> None:
        path = path_of(params.text_document.uri)
        ls.open[str(path)] = params.text_document.text
        ls.analyse(path)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: CilintServer, params: types.DidChangeTextDocumentParams) -> None:
        path = path_of(params.text_document.uri)
        document = ls.workspace.get_text_document(params.text_document.uri)
        ls.open[str(path)] = document.source
        ls.schedule(path)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: CilintServer, params: types.DidSaveTextDocumentParams) -> None:
        ls.analyse(path_of(params.text_document.uri))

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: CilintServer, params: types.DidCloseTextDocumentParams) -> None:
        path = path_of(params.text_document.uri)
        ls.open.pop(str(path), None)  # the file on disk counts again
        ls.analyse(path)

    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionOptions(
        code_action_kinds=[types.CodeActionKind.QuickFix, types.CodeActionKind.SourceFixAll]))
    def code_action(ls: CilintServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        return code_actions(ls, params)

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(ls: CilintServer, params: types.HoverParams) -> types.Hover | None:
        return hover_for(ls, params)

    return server


# Files whose change on disk (a settings file saved, a branch checked out) changes open documents'
# diagnostics; an editor sends didChangeWatchedFiles for them once the server registers the patterns.
WATCHED = ("**/.cilint.toml", "**/pyproject.toml", "**/*.{yml,yaml}", "**/*.toml")


async def watch_files(ls: CilintServer) -> None:
    workspace = ls.client_capabilities.workspace
    watched = workspace.did_change_watched_files if workspace is not None else None
    if not (watched and watched.dynamic_registration):
        return
    options = types.DidChangeWatchedFilesRegistrationOptions(
        watchers=[types.FileSystemWatcher(glob_pattern=pattern) for pattern in WATCHED])
    try:
        await ls.client_register_capability_async(types.RegistrationParams(registrations=[
            types.Registration(id="cilint-watched-files", method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                               register_options=options)]))
    except Exception as exc:  # noqa: BLE001 - a client that refuses: changes on disk count from the next edit
        ls.window_log_message(types.LogMessageParams(
            types.MessageType.Warning, f"cilint: the client did not take the file watchers ({exc}); a file changed "
            "on disk is read again at the next change of an open document"))


def code_actions(ls: CilintServer, params: types.CodeActionParams) -> list[types.CodeAction]:
    only = params.context.only or []
    # "Fix all safe" runs the --fix loop over the project: only when the client asks for it by kind
    # (on save, or from the source-action menu), not on every cursor move that asks for quick fixes
    if any(kind.startswith(types.CodeActionKind.SourceFixAll) for kind in only):
        action = ls.fix_all(path_of(params.text_document.uri))
        return [action] if action is not None else []
    if only and all(not kind.startswith(types.CodeActionKind.QuickFix) for kind in only):
        return []
    actions: list[types.CodeAction] = []
    can_create = _can_create_files(ls)
    for diagnostic, finding, project in ls.findings.get(params.text_document.uri, []):
        if _overlaps(diagnostic.range, params.range):
            for action in (quick_fix(project, finding, diagnostic), suppress_action(project, finding, diagnostic),
                           settings_action(project.root, ls.open, finding, diagnostic, can_create)):
                if action is not None:
                    actions.append(action)
    # two findings of a rule under the cursor: one "suppress on this line", one "in settings"
    return list({(a.title, repr(a.edit)): a for a in actions}.values())


def _can_create_files(ls: CilintServer) -> bool:
    workspace = ls.client_capabilities.workspace
    edits = workspace.workspace_edit if workspace is not None else None
    return bool(edits and edits.document_changes and types.ResourceOperationKind.Create in (edits.resource_operations or []))


def hover_for(ls: CilintServer, params: types.HoverParams) -> types.Hover | None:
    here = types.Range(params.position, params.position)
    texts = [finding_hover(f, _summary(f.rule_id)) for d, f, _ in ls.findings.get(params.text_document.uri, [])
             if _overlaps(d.range, here)]
    document = ls.workspace.get_text_document(params.text_document.uri)
    name = word_at(document.source, params.position.line, params.position.character)
    if name:
        texts.extend(name_hover(path_of(params.text_document.uri), name, ls.open))
    return types.Hover(types.MarkupContent(types.MarkupKind.Markdown, "\n\n---\n\n".join(texts))) if texts else None


def _summary(rule_id: str) -> str:
    from cilint.catalog import load_catalog

    meta = load_catalog().get(rule_id)
    return meta.summary if meta is not None else ""


def name_hover(path: Path, name: str, overlay: dict[str, str]) -> list[str]:
    """How the first job that uses `name` resolves it, as `cilint trace` shows it (nothing for a word no
    job uses as a host)."""
    root = next(iter(group_by_root([path], virtual=frozenset(overlay))))
    ws = Workspace(root, overlay)
    project = load_project(root, None, load_config(ws), [], ws)
    tracer = Tracer.of(project)
    for job in project.jobs():
        if any(r.host == name for r in tracer.facts.references(job)):
            lines = trace_lines(trace_job(project, ws, job.name, [name], container="build", tracer=tracer))
            return [f"**cilint trace** of `{name}` in job `{job.name}`\n\n```\n" + "\n".join(lines) + "\n```"]
    return []


def _overlaps(a: types.Range, b: types.Range) -> bool:
    def key(p: types.Position) -> tuple[int, int]:
        return p.line, p.character
    return key(a.start) <= key(b.end) and key(b.start) <= key(a.end)
