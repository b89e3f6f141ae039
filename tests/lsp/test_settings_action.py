"""Issue 23: "Suppress RULE for this file in settings" edits each layout of the settings so that they then
ignore the rule in that file only, changing nothing else; where it cannot, it is not offered."""

from __future__ import annotations

import pathspec
import pytest

from cilint.loading.settings import parse_settings
from cilint.lsp.settings_action import settings_suppression


def _applied(texts: dict[str, str], rule: str, path: str) -> tuple[str, str]:
    change = settings_suppression(texts, rule, path)
    assert change is not None
    before = texts.get(change.path, "")
    assert change.create == (change.path not in texts)
    span = change.edit.span
    return change.path, before[: span.start] + change.edit.content + before[span.end:]


def _ignored(name: str, text: str, rule: str, path: str) -> bool:
    config = parse_settings(name, text)
    assert not config.problems, config.problems
    return any(pathspec.GitIgnoreSpec.from_lines([p]).match_file(path) and rule in codes
               for p, codes in config.per_file_ignores)


LAYOUTS = {
    "no settings file": ({}, ".cilint.toml", '[per-file-ignores]\n"/ci/build.yml" = ["DNS001"]\n'),
    "settings without per-file-ignores": (
        {".cilint.toml": 'select = ["DNS"]\n'}, ".cilint.toml",
        'select = ["DNS"]\n\n[per-file-ignores]\n"/ci/build.yml" = ["DNS001"]\n'),
    "the file already has an entry": (
        {".cilint.toml": '[per-file-ignores]\n"/ci/build.yml" = ["NET001"]\n'}, ".cilint.toml",
        '[per-file-ignores]\n"/ci/build.yml" = ["NET001", "DNS001"]\n'),
    "another file has an entry": (
        {".cilint.toml": '[per-file-ignores]\n"/other.yml" = ["NET001"]\n\n[severity]\nDNS001 = "minor"\n'},
        ".cilint.toml",
        '[per-file-ignores]\n"/other.yml" = ["NET001"]\n"/ci/build.yml" = ["DNS001"]\n\n[severity]\nDNS001 = "minor"\n'),
    "an inline table": (
        {".cilint.toml": 'per-file-ignores = { "/other.yml" = ["NET001"] }\n'}, ".cilint.toml",
        'per-file-ignores = { "/other.yml" = ["NET001"], "/ci/build.yml" = ["DNS001"] }\n'),
    "pyproject.toml": (
        {"pyproject.toml": '[project]\nname = "x"\n\n[tool.cilint]\nselect = ["DNS"]'}, "pyproject.toml",
        '[project]\nname = "x"\n\n[tool.cilint]\nselect = ["DNS"]\n\n[tool.cilint.per-file-ignores]\n'
        '"/ci/build.yml" = ["DNS001"]\n'),
    "CRLF line ends": (
        {".cilint.toml": 'select = ["DNS"]\r\n'}, ".cilint.toml",
        'select = ["DNS"]\r\n\r\n[per-file-ignores]\r\n"/ci/build.yml" = ["DNS001"]\r\n'),
}


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_each_layout_gets_the_rule_ignored_in_that_file(layout: str):
    texts, name, expected = LAYOUTS[layout]
    assert _applied(texts, "DNS001", "ci/build.yml") == (name, expected)
    assert _ignored(name, expected, "DNS001", "ci/build.yml")
    assert not _ignored(name, expected, "DNS001", "build.yml")  # anchored: not every file of that name
    assert not _ignored(name, expected, "DNS001", "other/ci/build.yml")


def test_wildcards_in_a_file_name_are_escaped():
    name, text = _applied({}, "DNS001", "ci/a*b[1].yml")
    assert _ignored(name, text, "DNS001", "ci/a*b[1].yml")
    assert not _ignored(name, text, "DNS001", "ci/aXb1.yml")


@pytest.mark.parametrize("settings", [
    'per-file-ignores."/other.yml" = ["NET001"]\n',  # dotted keys: a line after them would not be in the table
    'select = ["DNS"\n',  # the settings cannot be read
    '[per-file-ignores]\n"/ci/build.yml" = "DNS001"\n',  # not an array to add to
])
def test_not_offered_where_the_edit_would_not_do_what_it_says(settings: str):
    assert settings_suppression({".cilint.toml": settings}, "DNS001", "ci/build.yml") is None
