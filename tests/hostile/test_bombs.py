"""Inputs small on disk and huge once expanded: YAML aliases, `!reference` fan-outs, huge TOML.
Each is reported with its file and line, within 2 s and 200 MB."""

from __future__ import annotations

import json

import pytest

from tests.hostile.measure import run_bounded


def findings(root, *args):  # type: ignore[no-untyped-def]
    measured = run_bounded(["check", "--format", "json", "--fail-on", "info", *args], root)
    return json.loads(measured.stdout)["findings"]


def alias_bomb(where: str) -> str:
    """Nine levels of nine aliases (387 million scalars): 342 bytes."""
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    previous = "a"
    for name in "bcdefghi":
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
        previous = name
    return "\n".join(lines) + f"\njob:\n  {where}: *i\n"


@pytest.mark.parametrize("where", ["script", "variables", "services", "before_script"])
def test_alias_bomb_is_rejected_as_gitlab_rejects_it(tmp_path, where):
    (tmp_path / ".gitlab-ci.yml").write_text(alias_bomb(where))
    (finding,) = findings(tmp_path)
    assert finding["rule"] == "CIL001" and "parsed YAML is too big" in finding["message"]
    assert finding["start"]["line"] == 5  # `e:`, the first anchor whose copies pass 2 MB


def test_alias_bomb_in_helm_values(tmp_path):
    (tmp_path / "values.yaml").write_text(alias_bomb("script").replace("job:", "runners:\n  config: x\njob:"))
    (finding,) = findings(tmp_path)
    assert finding["rule"] == "CIL001" and finding["path"] == "values.yaml"


def test_aliases_that_stay_small_are_fine(tmp_path):
    (tmp_path / ".gitlab-ci.yml").write_text(
        ".tpl: &tpl\n  image: alpine:3.20\n  script: [curl http://host.docker.internal]\n"
        + "".join(f"job{n}: *tpl\n" for n in range(200)))
    rules = {f["rule"] for f in findings(tmp_path)}
    assert rules == {"DNS001"}


def reference_fan_out(levels: int, width: int) -> str:
    """`levels` hidden jobs whose script is `width` references to the one before: width^levels lines."""
    parts = [".r0:\n  script:\n    - curl http://host.docker.internal"]
    for level in range(1, levels):
        parts.append(f".r{level}:\n  script:\n" + f"    - !reference [.r{level - 1}, script]\n" * width)
    parts.append(f"job:\n  script:\n    - !reference [.r{levels - 1}, script]\n")
    return "\n".join(parts)


def test_reference_fan_out_is_bounded(tmp_path):
    """Ten levels of ten `!reference`s: 10^10 script lines once expanded, 3 KB on disk."""
    (tmp_path / ".gitlab-ci.yml").write_text(reference_fan_out(10, 10))
    found = findings(tmp_path)
    big = [f for f in found if f["rule"] == "CIL003" and "expands to more than" in f["message"]]
    assert big and all(f["severity"] == "major" for f in big)
    lines = (tmp_path / ".gitlab-ci.yml").read_text().splitlines()
    assert all(lines[f["start"]["line"] - 1].strip().startswith("- !reference") for f in big)


def test_reference_fan_out_under_the_limit_is_expanded(tmp_path):
    (tmp_path / ".gitlab-ci.yml").write_text(reference_fan_out(4, 3))
    assert {f["rule"] for f in findings(tmp_path)} == {"DNS001"}


def test_a_toml_array_of_a_million_items(tmp_path):
    (tmp_path / "config.toml").write_text(
        '[[runners]]\n  name = "x"\n  executor = "docker"\n  [runners.docker]\n    volumes = ['
        + ",".join(["1"] * 1_000_000) + "]\n")
    (finding,) = findings(tmp_path)
    assert finding["rule"] == "CIL002" and finding["severity"] == "major"
    assert "was not checked" in finding["message"] and "values" in finding["message"]


def test_a_runner_config_with_thousands_of_runners(tmp_path):
    runner = '[[runners]]\n  name = "r{n}"\n  url = "https://gitlab.example.com"\n  executor = "docker"\n'
    (tmp_path / "config.toml").write_text("".join(runner.format(n=n) for n in range(12_000)))
    (finding,) = findings(tmp_path)
    assert finding["rule"] == "CIL002" and "more than 2,000 runners" in finding["message"]


def test_the_same_in_helm_values(tmp_path):
    body = "".join(f'    [[runners]]\n      name = "r{n}"\n' for n in range(3000))
    (tmp_path / "values.yaml").write_text(f"runners:\n  config: |\n{body}")
    (finding,) = findings(tmp_path)
    assert finding["rule"] == "CIL002" and finding["path"] == "values.yaml" and finding["start"]["line"] == 2
