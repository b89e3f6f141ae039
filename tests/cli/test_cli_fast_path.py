"""`cilint check` parsed without typer must mean exactly what typer would make of the same argv: both
parsers are built from the fields of `CheckRequest`, the one definition of the options."""

from __future__ import annotations

import random

import pytest
import typer
from typer.testing import CliRunner

from cilint import check_command, commands
from cilint.check_command import CheckRequest, check_options, parse_check


def typer_request(argv: list[str], monkeypatch: pytest.MonkeyPatch) -> CheckRequest | None:
    """The request typer's `check` command builds from argv (None when typer rejects the argv)."""
    seen: list[CheckRequest] = []

    def capture(request: CheckRequest) -> int:
        seen.append(request)
        return 0

    monkeypatch.setattr(commands, "run_check", capture)
    result = CliRunner().invoke(commands.app, argv)
    return seen[0] if result.exit_code == 0 and seen else None


def click_check_options() -> dict[str, object]:
    command = typer.main.get_command(commands.app).commands["check"]  # type: ignore[attr-defined]
    return {name: param for param in command.params for name in (*param.opts, *param.secondary_opts)
            if param.param_type_name == "option" and name not in ("-h", "--help")}


def test_option_table_is_typers_option_list():
    options = click_check_options()
    table = check_options()
    assert set(table) == set(options)
    for name, (field, kind) in table.items():
        param = options[name]
        assert param.name == field, name
        assert (kind == "flag") == param.is_flag, name
        assert (kind in ("list", "paths")) == param.multiple, name
        if kind in ("format", "severity"):
            assert tuple(param.type.choices) == (check_command.FORMATS if kind == "format" else check_command.SEVERITIES)
        if kind == "float":
            assert param.type.name == "float"
    assert {f for f, _ in table.values()} | {"paths"} == set(CheckRequest.__dataclass_fields__)


def test_help_shows_every_option_with_its_help():
    import dataclasses

    result = CliRunner().invoke(commands.app, ["check", "--help"], env={"COLUMNS": "400", "TERMINAL_WIDTH": "400"})
    assert result.exit_code == 0
    flat = " ".join(result.output.replace("│", " ").split())
    for field in dataclasses.fields(CheckRequest):
        for flag in field.metadata.get("flags", ()):
            assert flag in flat, flag
        assert " ".join(field.metadata["help"].split())[:40] in flat, field.name


def test_defaults_agree(monkeypatch):
    assert parse_check(["check"]) == typer_request(["check"], monkeypatch) == CheckRequest()


COMMON = [
    ["check", "."],
    ["check", "--format", "codequality", "--output", "gl-code-quality-report.json", "."],
    ["check", "--format=SARIF", "-o", "out.sarif", "a", "b"],
    ["check", "--select", "DNS001,NET", "--select", "CIL003", "--ignore", " NET007 ,", "--fail-on", "MAJOR"],
    ["check", "--fix", "--unsafe-fixes", "--runner-config", "ci/config.toml", "--runner-config=values.yaml"],
    ["check", "--diff", "--exit-zero", "--statistics", "x.yml"],
    ["check", "--gitlab-url", "https://gitlab.example.com", "--project", "g/p", "--ref", "main",
     "--allow-remote-includes", "--gitlab-timeout", "2.5"],
    ["check", "--", "-odd-name.yml", "--format"],
    ["check", ".", "--format", "json", "other"],
    ["check", "--select", "--help"],
    ["check", "-"],
]


@pytest.mark.parametrize("argv", COMMON, ids=lambda a: " ".join(a))
def test_common_command_lines_take_the_fast_path_and_agree(argv, monkeypatch):
    fast = parse_check(argv)
    assert fast is not None
    assert fast == typer_request(argv, monkeypatch)


HANDED_TO_TYPER = [
    ["check", "--help"], ["check", "-h"], ["check", "--format", "xml"], ["check", "--format"],
    ["check", "--nope"], ["check", "--fix=yes"], ["check", "-o=x"], ["check", "-ox"],
    ["check", "--gitlab-timeout", "soon"], ["--version"], ["rules"], ["explain", "DNS001"], [],
]


@pytest.mark.parametrize("argv", HANDED_TO_TYPER, ids=lambda a: " ".join(a) or "(none)")
def test_anything_else_goes_to_typer(argv):
    assert parse_check(argv) is None


def test_random_command_lines_agree_with_typer(monkeypatch):
    """Whenever the fast path accepts an argv, typer builds the same request from it."""
    pieces = [
        *check_options(), "--", "-", ".", "a.yml", "json", "SARIF", "minor", "Blocker", "1.5", "x,y", "-x",
        "--format=text", "--fail-on=info", "--select=A,B", "--exit-zero=1",
    ]
    rng = random.Random(7)
    accepted = 0
    for _ in range(400):
        argv = ["check", *rng.choices(pieces, k=rng.randint(0, 6))]
        fast = parse_check(argv)
        if fast is None:
            continue
        accepted += 1
        assert fast == typer_request(argv, monkeypatch), argv
    assert accepted > 50  # the comparison above ran on many accepted command lines


