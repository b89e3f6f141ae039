"""Issue 23: `cilint server` driven by a real LSP client over stdio (pytest-lsp)."""

from __future__ import annotations

import asyncio
import shutil
import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "tests" / "corpus"


@pytest.fixture()
def seed(tmp_path: Path) -> Path:
    project = tmp_path / "seed"
    shutil.copytree(REPO / "examples" / "seed", project)
    return project


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, "-m", "cilint", "server"]))
async def client(lsp_client: LanguageClient):
    await lsp_client.initialize_session(types.InitializeParams(capabilities=types.ClientCapabilities()))
    yield
    await lsp_client.shutdown_session()


def _open(client: LanguageClient, path: Path, text: str | None = None) -> str:
    uri = path.as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(
        uri=uri, language_id="yaml", version=1, text=path.read_text(encoding="utf-8") if text is None else text)))
    return uri


async def _diagnostics(client: LanguageClient, uri: str) -> list[types.Diagnostic]:
    while uri not in client.diagnostics:
        await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    return client.diagnostics[uri]


@pytest.mark.asyncio
async def test_opening_the_seed_pipeline_publishes_its_findings(client: LanguageClient, seed: Path):
    uri = _open(client, seed / ".gitlab-ci.yml")
    found = await _diagnostics(client, uri)
    desktop = [d for d in found if d.code == "DNS001"]
    assert desktop, [d.code for d in found]
    first = desktop[0]
    assert first.range.start.line == 32 and first.range.start.character == 14  # line 33, column 15, 0-based
    assert first.severity == types.DiagnosticSeverity.Warning and first.source == "cilint"
    assert first.code_description is not None and first.code_description.href.endswith("/DNS001/")
    assert "why:" in first.message and "fix:" in first.message


@pytest.mark.asyncio
async def test_a_change_in_an_included_file_updates_the_file_that_includes_it(client: LanguageClient, seed: Path):
    main = _open(client, seed / ".gitlab-ci.yml")
    await _diagnostics(client, main)
    included = seed / "ci" / "variables.yml"
    text = included.read_text(encoding="utf-8")
    uri = _open(client, included)
    await _diagnostics(client, uri)
    assert any(d.code == "DNS001" for d in client.diagnostics[uri])
    fixed = text.replace("https://kubernetes.docker.internal:6443", "https://k8s.example.com:6443")
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        types.VersionedTextDocumentIdentifier(uri=uri, version=2),
        [types.TextDocumentContentChangeWholeDocument(text=fixed)]))
    for _ in range(10):
        await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        if not any(d.code == "DNS001" for d in client.diagnostics.get(uri, [])):
            break
    assert not any(d.code == "DNS001" for d in client.diagnostics.get(uri, []))
    assert any(d.code == "DNS001" for d in client.diagnostics[main])  # its own before_script probe stays


@pytest.mark.asyncio
async def test_a_quick_fix_applied_makes_its_diagnostic_go(client: LanguageClient, tmp_path: Path):
    pipeline = tmp_path / ".gitlab-ci.yml"
    text = "stages: [build, test]\nunit:\n  stage: tset\n  script:\n    - make test\n"
    pipeline.write_text(text, encoding="utf-8")
    uri = _open(client, pipeline)
    found = [d for d in await _diagnostics(client, uri) if d.code == "GLC003"]
    assert found and found[0].range.start.line == 2
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        types.TextDocumentIdentifier(uri), found[0].range, types.CodeActionContext(diagnostics=found)))
    fixes = [a for a in actions or [] if isinstance(a, types.CodeAction) and a.title.startswith("GLC003")]
    assert len(fixes) == 1 and "unsafe" in fixes[0].title and fixes[0].edit is not None
    (edit,) = fixes[0].edit.changes[uri]
    lines = text.split("\n")
    line = lines[edit.range.start.line]
    lines[edit.range.start.line] = line[:edit.range.start.character] + edit.new_text + line[edit.range.end.character:]
    fixed = "\n".join(lines)
    assert "stage: test" in fixed
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        types.VersionedTextDocumentIdentifier(uri=uri, version=2), [types.TextDocumentContentChangeWholeDocument(fixed)]))
    for _ in range(10):
        await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        if not any(d.code == "GLC003" for d in client.diagnostics.get(uri, [])):
            break
    assert not any(d.code == "GLC003" for d in client.diagnostics.get(uri, []))


@pytest.mark.asyncio
async def test_suppressing_a_finding_on_its_line(client: LanguageClient, seed: Path):
    pipeline = seed / ".gitlab-ci.yml"
    uri = _open(client, pipeline)
    probe = next(d for d in await _diagnostics(client, uri) if d.code == "DNS001")
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        types.TextDocumentIdentifier(uri), probe.range, types.CodeActionContext(diagnostics=[probe])))
    (suppress,) = [a for a in actions or [] if isinstance(a, types.CodeAction) and a.title == "Suppress DNS001 on this line"]
    (edit,) = suppress.edit.changes[uri]
    lines = pipeline.read_text(encoding="utf-8").split("\n")
    line = lines[edit.range.start.line]
    lines[edit.range.start.line] = line[:edit.range.start.character] + edit.new_text + line[edit.range.end.character:]
    assert lines[edit.range.start.line].endswith("# cilint: ignore[DNS001]")
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        types.VersionedTextDocumentIdentifier(uri=uri, version=2),
        [types.TextDocumentContentChangeWholeDocument("\n".join(lines))]))
    for _ in range(10):
        await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        if not any(d.code == "DNS001" and d.range.start.line == probe.range.start.line for d in client.diagnostics[uri]):
            break
    assert not any(d.code == "DNS001" and d.range.start.line == probe.range.start.line for d in client.diagnostics[uri])


@pytest.mark.asyncio
async def test_hover_on_a_finding_and_on_a_host_name(client: LanguageClient, seed: Path):
    uri = _open(client, seed / ".gitlab-ci.yml")
    probe = next(d for d in await _diagnostics(client, uri) if d.code == "DNS001")
    inside_the_host = types.Position(probe.range.start.line, probe.range.start.character + len("https://") + 3)
    hover = await client.text_document_hover_async(types.HoverParams(types.TextDocumentIdentifier(uri), inside_the_host))
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    text = hover.contents.value
    assert "**DNS001**" in text and "*Why:*" in text  # the finding and its rule
    assert "cilint trace** of `kubernetes.docker.internal`" in text and "NXDOMAIN" in text  # the name's lookup


@pytest.mark.asyncio
async def test_a_settings_file_edited_in_the_editor_is_read_again(client: LanguageClient, seed: Path):
    uri = _open(client, seed / ".gitlab-ci.yml")
    assert any(d.code == "DNS001" for d in await _diagnostics(client, uri))
    settings = seed / ".cilint.toml"
    settings.write_text("", encoding="utf-8")
    _open(client, settings, 'ignore = ["DNS001"]\n')  # unsaved: the buffer counts
    for _ in range(10):
        await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        if not any(d.code == "DNS001" for d in client.diagnostics.get(uri, [])):
            break
    assert not any(d.code == "DNS001" for d in client.diagnostics.get(uri, []))


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, "-m", "cilint", "server"]))
async def client_ignoring_dns001(lsp_client: LanguageClient):
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=types.ClientCapabilities(), initialization_options={"ignore": ["DNS001"]}))
    yield
    await lsp_client.shutdown_session()


@pytest.mark.asyncio
async def test_the_clients_initialization_options_select_the_rules(client_ignoring_dns001: LanguageClient, seed: Path):
    uri = _open(client_ignoring_dns001, seed / ".gitlab-ci.yml")
    found = await _diagnostics(client_ignoring_dns001, uri)
    assert found and not any(d.code == "DNS001" for d in found)


def _expected(root: Path, path: Path, text: str) -> list[tuple[object, int]]:
    """(rule, 0-based line) of each finding `cilint check` reports in `path` when it holds `text`."""
    from cilint.engine import run
    from cilint.results import Options

    rel = path.relative_to(root).as_posix()
    return sorted((f.rule_id, p.files[f.path].position(f.location.span.start).line - 1)
                  for p in run(Options(paths=(root,), overlay={str(path): text})).projects
                  for f in p.findings if f.path == rel)


def _utf16(text: str, offset: int) -> types.Position:
    line_start = text.rfind("\n", 0, offset) + 1
    return types.Position(text.count("\n", 0, offset), len(text[line_start:offset].encode("utf-16-le")) // 2)


async def _settled(client: LanguageClient, uri: str, expected: list[tuple[object, int]]) -> list[tuple[object, int]]:
    """What is shown once it is `expected`, or once the server has nothing more to publish (the
    publications of earlier changes may come first)."""
    shown: list[tuple[object, int]] = []
    while True:
        shown = sorted((d.code, d.range.start.line) for d in client.diagnostics.get(uri, []))
        if shown == expected:
            break
        try:
            await asyncio.wait_for(client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), 10)
        except TimeoutError:
            break  # nothing more comes: what is shown now is final
    return shown


@pytest.mark.asyncio
async def test_a_half_typed_file_never_stops_the_server_nor_leaves_stale_diagnostics(client: LanguageClient, tmp_path: Path):
    """A corpus pipeline (4 KB, Korean comments: UTF-16 positions) deleted from its end and typed again,
    one character per change as an editor sends them; a save every 50 changes analyses the half-typed
    file at once (invalid YAML at most of them). At each pause the diagnostics are those of the text
    shown; after the last keystroke, those of the whole file."""
    root = tmp_path / "project"
    shutil.copytree(CORPUS / "maintaein__ttabong", root)
    pipeline = root / ".gitlab-ci.yml"
    text = pipeline.read_text(encoding="utf-8")
    assert len(text) > 4000 and any(ord(c) > 0xFFFF or ord(c) > 127 for c in text)
    uri = _open(client, pipeline)
    assert await _settled(client, uri, _expected(root, pipeline, text)) == _expected(root, pipeline, text)
    version, current = 1, text
    steps = [(len(text) - n, False) for n in range(1, len(text) + 1)] + [(n, True) for n in range(len(text))]
    for step, (offset, typing) in enumerate(steps, start=1):
        if typing:  # the character at `offset` typed again at the end of what is there
            at = _utf16(current, offset)
            change = types.TextDocumentContentChangePartial(types.Range(at, at), text[offset])
            current += text[offset]
        else:  # the last character deleted
            change = types.TextDocumentContentChangePartial(
                types.Range(_utf16(current, offset), _utf16(current, offset + 1)), "")
            current = current[:offset]
        version += 1
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(uri=uri, version=version), [change]))
        if step % 50 == 0:
            client.text_document_did_save(types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(uri)))
        if step % 1500 == 0:  # a pause: what is shown is what the text now has
            assert await _settled(client, uri, _expected(root, pipeline, current)) == _expected(root, pipeline, current)
    assert current == text
    assert await _settled(client, uri, _expected(root, pipeline, text)) == _expected(root, pipeline, text)
    hover = await client.text_document_hover_async(types.HoverParams(  # and it still serves
        types.TextDocumentIdentifier(uri), types.Position(3, 3)))
    assert hover is None or isinstance(hover.contents, types.MarkupContent)


@pytest.mark.asyncio
async def test_diagnostics_name_the_version_they_were_computed_from(client: LanguageClient, seed: Path):
    pipeline = seed / ".gitlab-ci.yml"
    uri = _open(client, pipeline)
    await _diagnostics(client, uri)
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        types.VersionedTextDocumentIdentifier(uri=uri, version=7),
        [types.TextDocumentContentChangeWholeDocument(pipeline.read_text(encoding="utf-8") + "\n# edited\n")]))
    while True:
        published = await asyncio.wait_for(client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), 30)
        if published.uri == uri:
            break
    assert published.version == 7


@pytest.mark.asyncio
async def test_fix_all_safe_as_a_source_action(client: LanguageClient, tmp_path: Path):
    pipeline = tmp_path / ".gitlab-ci.yml"
    pipeline.write_text("test:\n  services:\n    - postgres:15\n    - postgres:16\n  script:\n    - make\n"
                        "  # cilint: ignore[DNS001] nothing to suppress here\n", encoding="utf-8")
    uri = _open(client, pipeline)
    await _diagnostics(client, uri)
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        types.TextDocumentIdentifier(uri), types.Range(types.Position(0, 0), types.Position(0, 0)),
        types.CodeActionContext(diagnostics=[], only=[types.CodeActionKind.SourceFixAll])))
    (fix_all,) = [a for a in actions or [] if isinstance(a, types.CodeAction)]
    assert fix_all.kind == types.CodeActionKind.SourceFixAll and fix_all.edit is not None
    (edit,) = fix_all.edit.changes[uri]
    assert "cilint: ignore" not in edit.new_text  # the unused suppression (CIL005, a safe fix) is gone
    assert "alias" not in edit.new_text  # the unsafe alias fix (NET015) is not applied


@pytest.mark.asyncio
async def test_an_open_file_without_findings_is_told_so(client: LanguageClient, tmp_path: Path):
    """An editor waits for each open document's diagnostics, even when there are none."""
    pipeline = tmp_path / ".gitlab-ci.yml"
    pipeline.write_text("test:\n  image: python:3.12\n  script:\n    - pytest\n", encoding="utf-8")
    uri = _open(client, pipeline)
    assert list(await asyncio.wait_for(_diagnostics(client, uri), 30)) == []


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, str(Path(__file__).parent / "failing_server.py")]))
async def client_of_a_failing_analysis(lsp_client: LanguageClient):
    await lsp_client.initialize_session(types.InitializeParams(capabilities=types.ClientCapabilities()))
    yield
    await lsp_client.shutdown_session()


@pytest.mark.asyncio
async def test_an_analysis_that_fails_is_logged_and_the_server_keeps_serving(
        client_of_a_failing_analysis: LanguageClient, seed: Path):
    client = client_of_a_failing_analysis
    pipeline = seed / ".gitlab-ci.yml"
    uri = _open(client, pipeline, pipeline.read_text(encoding="utf-8") + "\n# FAIL-HERE\n")
    while not client.log_messages:
        await asyncio.wait_for(client.wait_for_notification(types.WINDOW_LOG_MESSAGE), 30)
    (logged,) = client.log_messages
    assert logged.type == types.MessageType.Error and "an analysis failed on purpose" in logged.message
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        types.VersionedTextDocumentIdentifier(uri=uri, version=2),
        [types.TextDocumentContentChangeWholeDocument(pipeline.read_text(encoding="utf-8"))]))
    assert any(d.code == "DNS001" for d in await asyncio.wait_for(_diagnostics(client, uri), 30))


EDITOR_CAPABILITIES = types.ClientCapabilities(workspace=types.WorkspaceClientCapabilities(
    workspace_edit=types.WorkspaceEditClientCapabilities(
        document_changes=True, resource_operations=[types.ResourceOperationKind.Create]),
    did_change_watched_files=types.DidChangeWatchedFilesClientCapabilities(dynamic_registration=True)))


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, "-m", "cilint", "server"]))
async def editor(lsp_client: LanguageClient):
    """A client that can create files through a workspace edit and watches files for the server."""
    registered: list[types.Registration] = []

    @lsp_client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(params: types.RegistrationParams) -> None:
        registered.extend(params.registrations)

    lsp_client.registered = registered  # type: ignore[attr-defined]
    await lsp_client.initialize_session(types.InitializeParams(capabilities=EDITOR_CAPABILITIES))
    yield
    await lsp_client.shutdown_session()


@pytest.mark.asyncio
async def test_suppressing_a_rule_for_a_file_in_new_settings_saved_on_disk(editor: LanguageClient, seed: Path):
    """The action creates .cilint.toml; the editor saves it (a watched file): the rule's diagnostics of
    that file go, the others stay."""
    pipeline = seed / ".gitlab-ci.yml"
    uri = _open(editor, pipeline)
    found = await _diagnostics(editor, uri)
    probe = next(d for d in found if d.code == "DNS001")
    actions = await editor.text_document_code_action_async(types.CodeActionParams(
        types.TextDocumentIdentifier(uri), probe.range, types.CodeActionContext(diagnostics=[probe])))
    offered = [a for a in actions or [] if isinstance(a, types.CodeAction) and a.title.startswith("Suppress DNS001 for")]
    assert len(offered) == 1, [a.title for a in actions or []]
    action = offered[0]
    assert action.title == "Suppress DNS001 for this file in settings (.cilint.toml)"
    create, edit = action.edit.document_changes
    settings = seed / ".cilint.toml"
    assert isinstance(create, types.CreateFile) and create.uri == settings.as_uri()
    (text_edit,) = edit.edits
    settings.write_text(text_edit.new_text, encoding="utf-8")
    assert text_edit.new_text == '[per-file-ignores]\n"/.gitlab-ci.yml" = ["DNS001"]\n'
    others = sorted((d.code, d.range.start.line) for d in found if d.code != "DNS001")
    editor.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(
        [types.FileEvent(uri=settings.as_uri(), type=types.FileChangeType.Created)]))
    assert await _settled(editor, uri, others) == others
    (registration,) = editor.registered  # type: ignore[attr-defined]
    assert registration.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES
    assert "**/.cilint.toml" in {w["globPattern"] for w in registration.register_options["watchers"]}
