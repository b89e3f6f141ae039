"""The YAML layer: spans, YAML 1.1 scalars as Psych reads them, tags, anchors, merge keys, errors."""

from __future__ import annotations

import pytest

from cilint.source import SourceFile
from cilint.syntax.tree import MapNode, SeqNode, resolve_plain
from cilint.syntax.yaml import parse_yaml


def parse(text: str | bytes):
    data = text.encode("utf-8") if isinstance(text, str) else text
    source = SourceFile.from_bytes("x.yml", data)
    return source, parse_yaml(source)


def root(text: str | bytes) -> tuple[SourceFile, MapNode]:
    source, parsed = parse(text)
    assert parsed.problem is None, parsed.problem
    node = parsed.documents[0].root
    assert isinstance(node, MapNode)
    return source, node


def test_spans_and_positions_of_values():
    source, node = root("job:\n  image: alpine:3.20\n  script:\n    - echo héllo\n")
    image = node.get("job").get("image")
    assert source.text[image.span.start : image.span.end] == "alpine:3.20"
    assert source.position(image.span.start) == (2, 10)
    line = node.get("job").get("script").items[0]
    assert source.position(line.span.start) == (4, 7)
    assert line.value == "echo héllo"


def test_crlf_and_bom_keep_lines_and_columns():
    text = "\ufeffa: 1\r\nb:\r\n  c: x\r\n"
    source, node = root(text.encode("utf-8"))
    assert source.bom is True
    c = node.get("b").get("c")
    assert source.position(c.span.start) == (3, 6)
    assert source.text[c.span.start : c.span.end] == "x"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("on", True), ("Yes", True), ("TRUE", True), ("off", False), ("no", False),
        ("y", "y"), ("n", "n"),  # Psych keeps these as strings
        ("~", None), ("null", None), ("", None),
        ("010", 8), ("0x1F", 31), ("0b101", 5), ("1_000", 1000), ("1,000", 1000), ("-12", -12),
        ("1:30", 90), ("0.5", 0.5), ("1e3", "1e3"), ("1.5e+3", 1500.0),
        ("2376", 2376), ("docker:dind", "docker:dind"), ("1.2.3", "1.2.3"),
    ],
)
def test_plain_scalars_resolve_as_yaml_1_1(text, value):
    assert resolve_plain(text) == value


def test_quoted_scalars_stay_strings():
    _, node = root("a: 'on'\nb: \"010\"\nc: on\nd: 010\n")
    assert node.get("a").value == "on"
    assert node.get("b").value == "010"
    assert node.get("c").value is True
    assert node.get("d").value == 8


def test_reference_tag_is_kept_as_sequence():
    _, node = root("a: !reference [.x, script]\n")
    ref = node.get("a")
    assert isinstance(ref, SeqNode) and ref.is_reference
    assert [i.value for i in ref.items] == [".x", "script"]


def test_parse_says_whether_a_reference_tag_is_used():
    assert parse("a: !reference [.x, script]\n")[1].has_references
    assert parse("a:\n  - !reference [.x, script]\n")[1].has_references
    assert not parse("a: [reference, '!reference']\nb: !custom [x]\n")[1].has_references


def test_span_is_made_on_demand_and_can_be_moved():
    from cilint.findings import Span

    _, node = root("job:\n  image: alpine\n")
    image = node.get("job").get("image")
    assert (image.start, image.end) == (14, 20)
    assert image.span == Span(14, 20) and image.span is image.span
    image.span = Span(1, 2)
    assert (image.start, image.end, image.span) == (1, 2, Span(1, 2))


def test_alias_is_the_same_node_as_its_anchor():
    source, node = root(".t: &t\n  image: alpine\nj:\n  img: *t\n")
    assert node.get("j").get("img") is node.get(".t")


def test_merge_key_follows_psych_order():
    # Psych merges `<<` in document order: keys after it win, keys before it are overwritten.
    _, node = root(".a: &a\n  x: 1\n  y: 2\nb:\n  y: 3\n  <<: *a\n  x: 4\n")
    b = node.get("b")
    assert b.get("x").value == 4
    assert b.get("y").value == 2


def test_merge_key_with_list_first_wins():
    _, node = root(".a: &a {x: 1}\n.b: &b {x: 2, y: 2}\nc:\n  <<: [*a, *b]\n")
    c = node.get("c")
    assert c.get("x").value == 1 and c.get("y").value == 2


def test_multi_document_component_template():
    _, parsed = parse("spec:\n  inputs:\n    stage: {default: test}\n---\njob:\n  script: x\n")
    assert len(parsed.documents) == 2
    assert "job" in parsed.documents[1].root


def test_colon_in_flow_plain_scalar_is_accepted_like_gitlab():
    _, node = root("services: [postgres:15, redis:7]\n")
    assert [i.value for i in node.get("services").items] == ["postgres:15", "redis:7"]


FLOW_COLONS = [
    "services: [postgres:15, redis:7]\n",
    "a: {x:y}\nb: [c :d, 'e:f', \"g\":h]\n",
    "a: [b, c:d, e:f, {k: v:w}]\n",
    "img: [registry.example.com:5000/x:1]\nplain: 12:30\nlist: [12:30]\n",
    "a: &x [p:1]\nb: *x\n",
    "a: [" + ", ".join(f"s{i}:{i}" for i in range(40)) + "]\n",  # more than the C re-reads allow
    "a: [x:\ue000y]\n",  # the stand-in character itself: read with the pure parser
    "a: [x:1]\nb: [\n",  # an error after the hidden colon: the C parser's message is kept
    # colons hidden all at once must come back in quoted, block and plain scalars, keys and aliases
    "a: [p:1]\nb: \"q:x\"\nc: 'r:y'\nd: |\n  s:z\ne: http://h:80/p # c:d\nf:g: h\n",
    "a: &k:1 [p:1]\nb: *k:1\n",
    "needs: [ build:x, test:y ]\n---\nother: [z:1]\n",
    # a tag or directive with a colon: only the rejected colons are hidden
    "a: !<tag:example.com,2000:x> [p:1]\nb: [q:2]\n",
    "%TAG !e! tag:example.com,2000:\n---\na: !e!x [p:1]\n",
]


def shape(node):
    """What a cilint node carries, recursively; not the anchor name, which ruamel's C composer does
    not keep (no rule reads it)."""
    if isinstance(node, MapNode):
        return ("map", node.span, node.tag, node.flow, [(shape(k), shape(v)) for k, v in node.entries.values()])
    if isinstance(node, SeqNode):
        return ("seq", node.span, node.tag, node.flow, [shape(i) for i in node.items])
    return ("scalar", node.span, node.tag, node.text, node.style, node.value)


def pure_shape(text: str):
    from cilint.syntax import yaml as layer

    converter = layer._Converter("x.yml")
    try:
        documents = layer._compose_pure(text)
    except Exception:  # noqa: BLE001 - compared as "both fail"
        return None
    return [shape(converter.convert(d, 0)) for d in documents]


@pytest.mark.parametrize("text", FLOW_COLONS)
def test_flow_colons_read_in_c_match_the_pure_parser(text):
    """The C parser with hidden colons gives the tree the pure parser gives, offsets included."""
    _, parsed = parse(text)
    expected = pure_shape(text)
    if expected is None:
        assert parsed.problem is not None
    else:
        assert parsed.problem is None
        assert [shape(d.root) for d in parsed.documents] == expected


def test_flow_colons_in_corpus_files_match_the_pure_parser(corpus):
    from cilint.syntax import yaml as layer

    checked = 0
    for path in sorted(corpus.rglob("*.yml")):
        text = path.read_text(encoding="utf-8", errors="replace")
        if "[" not in text and "{" not in text:
            continue
        documents, hidden, error = layer._compose_all(text)
        if error is not None or not hidden:  # broken files are another test's subject
            continue
        checked += 1
        converter = layer._Converter("x.yml", colons_hidden=True)
        assert [shape(converter.convert(d, 0)) for d in documents] == pure_shape(text), path
    assert checked >= 10  # the corpus has a dozen such files (GitLab's charts, cli, runner...)


def test_syntax_error_has_position():
    source, parsed = parse("a:\n  - x\n - y\n")
    assert parsed.documents == ()
    assert parsed.problem is not None
    assert source.position(parsed.problem.offset).line == 3


def test_undefined_alias_is_a_problem_not_an_exception():
    _, parsed = parse("a: *nope\n")
    assert parsed.problem is not None and "alias" in parsed.problem.message


def test_deep_nesting_is_refused():
    _, parsed = parse("a: " + "[" * 150 + "]" * 150 + "\n")
    assert parsed.problem is not None and "nesting" in parsed.problem.message


def test_extremely_deep_nesting_does_not_crash():
    _, parsed = parse("[" * 20000 + "]" * 20000)
    assert parsed.problem is not None


def test_aliases_share_their_anchor_node():
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 3):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    _, node = root("\n".join(lines) + "\n")
    assert node.get("a2").items[0] is node.get("a1")  # shared, never copied


def test_billion_laughs_is_rejected_as_gitlab_rejects_it():
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 30):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    _, parsed = parse("\n".join(lines) + "\n")
    assert parsed.problem is not None and not parsed.problem.syntax
    assert "too big" in parsed.problem.message and parsed.problem.offset == "\n".join(lines).index("&a4 [")


def test_control_character_is_reported():
    _, parsed = parse("a: \x07\n")
    assert parsed.problem is not None


def test_invalid_utf8_is_a_decode_error():
    from cilint.source import DecodeError

    with pytest.raises(DecodeError) as info:
        SourceFile.from_bytes("x.yml", b"a: 1\nb: \xff\n")
    assert info.value.line == 2


def test_positions_are_namedtuple_like():
    source, _ = parse("a: 1\n")
    pos = source.position(3)
    assert (pos.line, pos.column) == (1, 4)


@pytest.mark.parametrize("seed", range(40))
def test_byte_offsets_match_a_table_of_every_byte(seed):
    """tree-sitter's UTF-8 byte offsets -> character offsets, against the obvious per-byte table."""
    import random

    from cilint.source import ByteOffsets

    rng = random.Random(seed)
    alphabet = "ab $\n" + "é" + "€" + "😀" + "\u0301"
    text = "".join(rng.choice(alphabet if seed % 4 else "ab $\n") for _ in range(rng.randrange(0, 40)))
    table = [i for i, ch in enumerate(text) for _ in ch.encode("utf-8")] + [len(text)]
    offsets = ByteOffsets(text)
    for byte in range(len(table) + 3):
        assert offsets.char(byte) == table[min(byte, len(table) - 1)], (text, byte)
