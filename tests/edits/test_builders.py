"""The edit builders the checks use, each on the layouts it must handle and those it must refuse."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from cilint.edits.entries import add_line_below
from cilint.edits.runner import add_toml_table_after, runner_config_file
from cilint.edits.scalars import append_to_list_scalar, insert_text
from cilint.findings import Applicability, Fix
from cilint.fixes.apply import splice
from cilint.source import SourceFile
from cilint.syntax.toml import parse_toml
from cilint.syntax.yaml import parse_yaml


def _yaml(text: str):
    source = SourceFile("ci.yml", text)
    parsed = parse_yaml(source)
    assert parsed.problem is None
    return source, parsed.documents[0].root


def _apply(source: SourceFile, edit) -> str:
    assert edit is not None
    return splice({source.path: source.text}, [Fix("t", (edit,), Applicability.SAFE)])[source.path]


@pytest.mark.parametrize(("written", "expected"), [
    ("NO_PROXY: localhost\n", "NO_PROXY: localhost,db,.svc\n"),
    ('NO_PROXY: "localhost"  # keep\n', 'NO_PROXY: "localhost,db,.svc"  # keep\n'),
    ("NO_PROXY: ''\n", "NO_PROXY: 'db,.svc'\n"),
])
def test_append_to_list_scalar(written: str, expected: str):
    source, root = _yaml(written)
    assert _apply(source, append_to_list_scalar(source, root.get("NO_PROXY"), ["db", ".svc"])) == expected


@pytest.mark.parametrize("written", ["NO_PROXY: $BASE,localhost\n", "NO_PROXY: >\n  a,\n  b\n", "NO_PROXY: [a]\n"])
def test_append_to_list_scalar_refuses_what_it_cannot_extend_exactly(written: str):
    source, root = _yaml(written)
    assert append_to_list_scalar(source, root.get("NO_PROXY"), ["db"]) is None


def test_insert_text():
    source = SourceFile("ci.yml", "job: {script: [curl x]}\n")
    at = source.text.index("]")
    assert _apply(source, insert_text("ci.yml", at, " || true")) == "job: {script: [curl x || true]}\n"


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_add_line_below_keeps_column_and_line_ending(newline: str):
    text = newline.join(["services:", "  - name: postgres:16", "    entrypoint: [x]", ""])
    source, root = _yaml(text)
    service = root.get("services").items[0]
    edit = add_line_below(source, service.key_node("name"), service.get("name"), "alias: db")
    assert _apply(source, edit) == newline.join(
        ["services:", "  - name: postgres:16", "    alias: db", "    entrypoint: [x]", ""])


def _runner_toml(text: str):
    parsed = parse_toml(text, "config.toml")
    source = SourceFile("config.toml", text)
    return source, parsed.root


def test_add_toml_table_after_nested_and_beside():
    text = '[[runners]]\n  name = "k"\n  [runners.kubernetes]\n    namespace = "ci"\n'
    source, root = _runner_toml(text)
    runner = root.get("runners").items[0]
    lines = ["[[runners.kubernetes.dns_config.options]]", '  name = "ndots"']
    nested = add_toml_table_after(source, runner.get("kubernetes"), lines, nested=True)
    assert _apply(source, nested) == text + '    [[runners.kubernetes.dns_config.options]]\n      name = "ndots"\n'
    text = '[[runners]]\r\n  name = "k"\r\n'
    source, root = _runner_toml(text)
    beside = add_toml_table_after(source, root.get("runners").items[0], lines, nested=False)
    assert _apply(source, beside) == text[:-2] + '\r\n  [[runners.kubernetes.dns_config.options]]\r\n    name = "ndots"\r\n'


def test_runner_config_file_only_where_toml_lines_are_file_lines():
    source = SourceFile("values.yaml", "runners:\n  config: |\n    x = 1\n")
    literal = SimpleNamespace(kind="helm", config_node=SimpleNamespace(style="|"))
    folded = SimpleNamespace(kind="helm", config_node=SimpleNamespace(style=">"))
    toml = SimpleNamespace(kind="toml", config_node=None)
    assert runner_config_file(source, literal) is source  # type: ignore[arg-type]
    assert runner_config_file(source, folded) is None  # type: ignore[arg-type]
    assert runner_config_file(source, toml) is source  # type: ignore[arg-type]
    assert runner_config_file(None, toml) is None  # type: ignore[arg-type]
