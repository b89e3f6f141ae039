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


@pytest.mark.asyncio
async def test_a_half_typed_file_never_stops_the_server_nor_leaves_stale_diagnostics(client: LanguageClient, seed: Path):
    """The seed pipeline deleted and typed again a few characters at a time, each step analysed (a save):
    invalid YAML at most steps; at the end the diagnostics are those of the whole file."""
    pipeline = seed / ".gitlab-ci.yml"
    text = pipeline.read_text(encoding="utf-8")
    uri = _open(client, pipeline, "")
    version = 1
    for end in [*range(0, len(text), 41), len(text)]:
        version += 1
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            [types.TextDocumentContentChangeWholeDocument(text[:end])]))
        client.text_document_did_save(types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(uri)))
    from cilint.engine import run
    from cilint.results import Options

    expected = sorted((f.rule_id, p.files[f.path].position(f.location.span.start).line - 1)
                      for p in run(Options(paths=(seed,))).projects for f in p.findings if f.path == ".gitlab-ci.yml")
    final: list[tuple[object, int]] = []
    for _ in range(400):  # every step publishes; the last one must leave the whole file's diagnostics
        try:
            await asyncio.wait_for(client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), 30)
        except TimeoutError:
            break  # nothing more comes: what is shown now is final
        final = sorted((d.code, d.range.start.line) for d in client.diagnostics.get(uri, []))
        if final == expected:
            break
    assert final == expected
    hover = await client.text_document_hover_async(types.HoverParams(  # and it still serves
        types.TextDocumentIdentifier(uri), types.Position(32, 25)))
    assert hover is not None


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
