"""The YAML edits the NET fixes splice (add an entry, append a sequence item): layouts that are easy
to get wrong. Each result must re-parse to the intended data, with every other byte kept."""

from __future__ import annotations

import pytest

from cilint.edits.entries import add_yaml_entry, append_seq_item, own_entry
from cilint.edits.scalars import replace_in_scalar
from cilint.findings import Applicability, Fix
from cilint.fixes.apply import splice
from cilint.source import SourceFile
from cilint.syntax.yaml import parse_yaml
from cilint.syntax.tree import MapNode, SeqNode


def _load(text: str):
    source = SourceFile("ci.yml", text)
    parsed = parse_yaml(source)
    assert parsed.problem is None, parsed.problem
    return source, parsed.documents[0].root


def _plain(node):
    from cilint.syntax.nodes import plain

    return plain(node)


def _apply(source, edit) -> str:
    assert edit is not None
    return splice({source.path: source.text}, [Fix("test", (edit,), Applicability.SAFE)])[source.path]


CASES = [
    # (text, path to the mapping, expected data after adding X: "1")
    ("job:\n  script:\n    - make\n", ("job",), {"job": {"script": ["make"], "X": "1"}}),
    ("job:\n  script: |\n    make\n    make test\n\n# trailing comment\n", ("job",),
     {"job": {"script": "make\nmake test\n", "X": "1"}}),
    ("job:\r\n  image: alpine\r\n  script: [make]\r\n", ("job",), {"job": {"image": "alpine", "script": ["make"], "X": "1"}}),
    ("job: {image: alpine, script: [make]}\n", ("job",), {"job": {"image": "alpine", "script": ["make"], "X": "1"}}),
    ("services:\n  - name: docker:dind\n    alias: docker   # the daemon\n", ("services", 0),
     {"services": [{"name": "docker:dind", "alias": "docker", "X": "1"}]}),
    ("job:\n  variables:\n    A: \"a\"\n  script:\n    - echo  # c\n", ("job", "variables"),
     {"job": {"variables": {"A": "a", "X": "1"}, "script": ["echo"]}}),
]


def _find(root, path):
    node = root
    for step in path:
        node = node.items[step] if isinstance(step, int) else node.get(step)
    return node


@pytest.mark.parametrize(("text", "path", "expected"), CASES)
def test_add_yaml_entry_keeps_layout_and_reparses(text, path, expected):
    source, root = _load(text)
    mapping = _find(root, path)
    assert isinstance(mapping, MapNode)
    result = _apply(source, add_yaml_entry(source, mapping, "X", '"1"'))
    assert _plain(_load(result)[1]) == expected
    assert ("\r\n" in result) == ("\r\n" in text) and result.count("\n") - text.count("\n") in (0, 1)
    if "#" in text:
        assert all(line in result for line in text.splitlines() if "#" in line)


def test_add_nested_mapping_under_a_job():
    source, root = _load("job:\n  script: [make]\n")
    result = _apply(source, add_yaml_entry(source, root.get("job"), "variables", {"A": '"1"', "B": '"2"'}))
    assert result == 'job:\n  script: [make]\n  variables:\n    A: "1"\n    B: "2"\n'


@pytest.mark.parametrize(("text", "expected"), [
    ("command:\n  - --tls=false\n", ["--tls=false", "--mtu=1400"]),
    ("command: [\"--tls=false\"]\n", ["--tls=false", "--mtu=1400"]),
    ("command:\n- --tls=false   # plain\n", ["--tls=false", "--mtu=1400"]),
])
def test_append_seq_item(text, expected):
    source, root = _load(text)
    seq = root.get("command")
    assert isinstance(seq, SeqNode)
    result = _apply(source, append_seq_item(source, seq, '"--mtu=1400"'))
    assert _plain(_load(result)[1]) == {"command": expected}


def test_replace_in_scalar_only_when_unambiguous():
    source, root = _load("A: tcp://docker:2375\nB: tcp://docker:2375,tcp://dind:2375\n")
    assert _apply(source, replace_in_scalar(source, root.get("A"), ":2375", ":2376")).startswith("A: tcp://docker:2376\n")
    assert replace_in_scalar(source, root.get("B"), ":2375", ":2376") is None


def test_own_entry_ignores_merged_keys():
    source, root = _load("base: &b\n  variables: {A: a}\njob:\n  <<: *b\n  script: [x]\n")
    job = root.get("job")
    assert job.get("variables") is not None and own_entry(job, "variables") is None
