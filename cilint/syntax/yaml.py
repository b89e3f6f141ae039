"""YAML to position-carrying nodes, read the way GitLab reads CI YAML.

ruamel.yaml composes the document with its C parser (character offsets, custom tags kept). The
composed nodes are converted once into the small node classes below:

* every node has the file `path` and a `Span` of character offsets into `SourceFile.text`;
* an alias is the very same node object as its anchor (so a value reached through `*anchor` keeps
  the span of the place where it is written);
* `<<` merge keys are applied the way Ruby's Psych applies them (GitLab parses CI YAML with Psych):
  pairs are taken in order and a merge overwrites keys seen before it, later keys overwrite it;
* plain scalars are resolved with YAML 1.1 rules as Psych has them (`on`/`yes` are booleans, `010`
  is octal, `1_000` and `1,000` are integers), see `resolve_plain`;
* `!reference [...]` stays a sequence whose `tag` is `!reference`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from cilint.source import SourceFile
from cilint.syntax.tree import (
    _STR_TAG,
    PLAIN_WORDS,
    REFERENCE_TAG,
    MapNode,
    Node,
    ScalarNode,
    SeqNode,
    ruby_to_s,
)

# GitLab's instance limit `max_yaml_depth` (docs: administration/instance_limits).
MAX_DEPTH = 100
_MERGE_TAG = "tag:yaml.org,2002:merge"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MAP_TAG = "tag:yaml.org,2002:map"


@dataclass(frozen=True, slots=True, eq=False)
class YamlProblem:
    """Why a YAML file cannot be used, with the offset where the reader stopped."""

    message: str
    offset: int
    syntax: bool = True  # False: well-formed, but unusable (aliases expand it past GitLab's limit)

    @property
    def headline(self) -> str:
        return f"YAML syntax error: {self.message}" if self.syntax else self.message


@dataclass(frozen=True, slots=True, eq=False)
class YamlDocument:
    """One document of a YAML stream."""

    root: Node | None  # None for an empty document


@dataclass(frozen=True, slots=True, eq=False)
class YamlParse:
    """The documents of a YAML file, or the problem that stopped it."""

    documents: tuple[YamlDocument, ...]
    problem: YamlProblem | None  # set when the file could not be read (documents then empty)
    has_references: bool = False  # some sequence is tagged `!reference`
    # a key written again in the same mapping: (the first key, the one that wins), Psych keeps the last
    duplicates: tuple[tuple[Node, Node], ...] = ()


# ---------------------------------------------------------------------------------------------
# Scalar resolution (YAML 1.1 as implemented by Ruby's Psych ScalarScanner)


# ---------------------------------------------------------------------------------------------
# Composition


class _Unusable(Exception):
    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


@cache
def _shared_tags() -> dict[str, Any]:
    """One ruamel Tag object per tag the resolver gives: ruamel decodes a Tag's text once per object
    (a node made from a plain string gets a fresh Tag, and a fresh decoding, every time), and the
    converter recognises the usual tags by identity."""
    from ruamel.yaml.tag import Tag

    return {t: Tag(suffix=t) for t in (_MERGE_TAG, _STR_TAG, _SEQ_TAG, _MAP_TAG)}


@cache
def _resolver(pure: bool) -> Any:  # `pure` is the cache key: one class per loader, ruamel sets attributes on it
    """A resolver that leaves scalar typing to `resolve_plain` (Psych's YAML 1.1 rules).

    ruamel's default resolver types every scalar with regexes while composing, which cilint does not
    use and which costs most of the composition time; only the merge key `<<` needs its tag.
    """
    from ruamel.yaml.nodes import ScalarNode as RuamelScalar
    from ruamel.yaml.nodes import SequenceNode as RuamelSequence
    from ruamel.yaml.resolver import BaseResolver

    tags = _shared_tags()
    merge_tag, str_tag, seq_tag, map_tag = tags[_MERGE_TAG], tags[_STR_TAG], tags[_SEQ_TAG], tags[_MAP_TAG]

    class _PlainResolver(BaseResolver):
        def __init__(self, version: Any = None, loader: Any = None, loadumper: Any = None) -> None:
            super().__init__(loadumper=loadumper or loader)

        @property
        def processing_version(self) -> tuple[int, int]:
            return (1, 1)  # GitLab reads CI YAML as YAML 1.1 (Psych)

        # cilint adds no path resolvers, so the composer's two calls for every node can do nothing;
        # built-in callables (not methods) do nothing without a Python frame each:
        # `descend_resolver(node, index)` is `{}.get(node, index)`, `ascend_resolver()` is `tuple()`.
        descend_resolver = {}.get
        ascend_resolver = tuple

        def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
            if kind is RuamelScalar:
                return merge_tag if value == "<<" and implicit and implicit[0] else str_tag
            return seq_tag if kind is RuamelSequence else map_tag

    return _PlainResolver


@cache
def _c_composer() -> Any:
    """ruamel's C reader/scanner/parser/composer with the plain resolver, as one class made once.

    `YAML(...).compose_all` builds a new loader class for every stream it reads (measured: about a
    tenth of composing the corpus); this is the class it would build.
    """
    from ruamel.yaml.constructor import BaseConstructor
    from ruamel.yaml.cyaml import CParser

    resolver = _resolver(pure=False)

    class _CComposer(CParser, BaseConstructor, resolver):  # type: ignore[misc, valid-type]
        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            self._parser = self._composer = self
            BaseConstructor.__init__(self, loader=self)
            resolver.__init__(self, loadumper=self)

    return _CComposer


def _compose_c(text: str) -> list[Any]:
    composer = _c_composer()(text)
    try:
        documents = []
        while composer.check_node():
            documents.append(composer.get_node())
        return documents
    finally:
        composer.dispose()
        # The loader refers to itself (as its own parser, composer, constructor and resolver): left
        # as it is, each one keeps its text until the cyclic collector runs, and `engine.run` holds
        # that off for the whole run.
        composer.__dict__.clear()


def _compose_pure(text: str) -> list[Any]:
    from ruamel.yaml import YAML

    loader = YAML(typ="safe", pure=True)
    loader.Resolver = _resolver(pure=True)
    try:
        return list(loader.compose_all(text))
    finally:
        loader.__dict__.clear()  # its parts refer back to it: see `_compose_c`


# Stands in for a `:` the old C parser rejects inside a flow collection (see `_compose_all`): one
# character, so every offset stays the same, from the private-use area, which YAML allows in plain
# scalars; a text that already holds it is read with the pure parser instead.
_FLOW_COLON = "\ue000"
_MAX_HIDDEN_COLONS = 16  # past this, reading with the pure parser is faster than re-reading in C
# A colon between a plain-scalar character and one that is neither a space nor a flow indicator is
# inside a plain scalar wherever it is (`[job:build]`, `image: postgres:15`): hiding them all at once
# changes no scalar's text once the converter puts them back, and saves a re-read per colon.
_COLON_IN_PLAIN_SCALAR = re.compile(r"(?<=[^\s\"'\]}]):(?=[^\s,\[\]{}])")
# ... except in a tag (`!<tag:...>`, `!!python/name:x`) or a directive (`%TAG ! tag:...`), which the
# converter does not read back: such texts hide only the colons the parser rejects.
_COLON_IN_TAG_OR_DIRECTIVE = re.compile(r"![^\s\[\]{},]*:|^%", re.MULTILINE)


def _compose_all(text: str) -> tuple[list[Any], bool, Exception | None]:
    """Compose with the C parser; returns the documents, whether flow colons were hidden, and the
    error when the text cannot be read.

    The C parser bundled with ruamel.yaml.clib predates libyaml 0.2.5, which GitLab's Psych uses: it
    rejects `[postgres:15]` (a colon inside a plain scalar in a flow collection), which GitLab
    accepts. Such colons are replaced by `_FLOW_COLON` and the text read again in C (the converter
    puts the colons back): on the first rejection every colon inside a plain scalar, then any colon
    the parser still rejects, one per re-read. Past `_MAX_HIDDEN_COLONS` re-reads, or on any other
    error, ruamel's pure-Python parser reads the text (it accepts these colons and gives the same
    offsets, but is ~10x slower). When both fail, the C parser's error is kept: it is libyaml's, the
    one GitLab shows.

    Errors are returned without their tracebacks: a traceback holds the frames of the whole call
    chain, each with its locals, and an error kept in one of those frames makes a reference cycle
    that would keep the project being read alive until the cyclic collector runs.
    """
    from ruamel.yaml.error import YAMLError

    try:
        return _compose_c(text), False, None
    except YAMLError as c_error:
        first_error = c_error.with_traceback(None)
    except RecursionError as deep:
        return [], False, deep.with_traceback(None)
    error: YAMLError = first_error
    hidden = text
    for attempt in range(_MAX_HIDDEN_COLONS):
        index = _rejected_colon(error, hidden)
        if index is None or _FLOW_COLON in text:
            break
        if attempt == 0 and not _COLON_IN_TAG_OR_DIRECTIVE.search(text):
            hidden = _COLON_IN_PLAIN_SCALAR.sub(_FLOW_COLON, hidden)
        hidden = hidden[:index] + _FLOW_COLON + hidden[index + 1 :]
        try:
            return _compose_c(hidden), True, None
        except YAMLError as again:
            error = again.with_traceback(None)
        except RecursionError as deep:
            return [], False, deep.with_traceback(None)
    try:
        return _compose_pure(text), False, None
    except (YAMLError, RecursionError):
        return [], False, first_error  # libyaml's message and position, as GitLab reports them


def _rejected_colon(error: Exception, text: str) -> int | None:
    """Where the old C parser rejected a colon inside a plain scalar of a flow collection, if it did."""
    from ruamel.yaml.error import MarkedYAMLError

    if not (isinstance(error, MarkedYAMLError) and error.problem == "found unexpected ':'"
            and error.context == "while scanning a plain scalar" and error.problem_mark is not None):
        return None
    index = error.problem_mark.index
    return index if 0 <= index < len(text) and text[index] == ":" else None


def parse_yaml(source: SourceFile) -> YamlParse:
    """Compose every document of `source`; never raises for bad input."""
    import warnings

    from ruamel.yaml.error import MarkedYAMLError, ReusedAnchorWarning, YAMLError

    with warnings.catch_warnings():  # a reused anchor name is legal YAML: the later one wins
        warnings.simplefilter("ignore", ReusedAnchorWarning)
        raw_docs, colons_hidden, exc = _compose_all(source.text)
    if isinstance(exc, MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        offset = mark.index if mark is not None else 0
        message = str(exc.problem or exc.context or "invalid YAML")
        if exc.problem and exc.context:
            message += f" ({exc.context}"
            if exc.context_mark is not None:
                where = source.position(exc.context_mark.index)
                message += f" started at line {where.line}, column {where.column}"
            message += ")"
        return YamlParse((), YamlProblem(message, offset))
    if isinstance(exc, YAMLError):
        offset = getattr(exc, "position", 0) or 0
        return YamlParse((), YamlProblem(_reader_message(exc), offset))
    if exc is not None:  # RecursionError
        return YamlParse((), YamlProblem(f"YAML nesting deeper than {MAX_DEPTH} levels", 0))
    converter = _Converter(source.path, colons_hidden)
    documents: list[YamlDocument] = []
    try:
        for raw in raw_docs:
            documents.append(YamlDocument(converter.convert(raw, 0) if raw is not None else None))
    except _Unusable as exc:
        return YamlParse((), YamlProblem(exc.message, exc.offset))
    if converter.aliased:
        for document in documents:
            problem = _too_big(document.root) if document.root is not None else None
            if problem is not None:
                return YamlParse((), problem)
    return YamlParse(tuple(documents), None, converter.references, tuple(converter.duplicates))


# GitLab's `max_yaml_size_bytes` (2 MB): its loader measures the loaded object graph, where every
# alias is a full copy, and rejects a larger one with "The parsed YAML is too big" (docs:
# administration/instance_limits, "Maximum size and depth of CI/CD configuration YAML files").
MAX_EXPANDED_BYTES = 2 * 1024 * 1024
_OBJECT_BYTES = 40  # a Ruby object slot; strings longer than 23 bytes hold their text outside it


def expanded_size(node: Node, limit: int, memo: dict[int, int]) -> int:
    """What `node` takes once every alias is copied out, estimated from below in the way GitLab's
    loader counts it (an object per node plus longer texts); counting stops past `limit`. `memo`
    (node id -> size) makes it linear in the number of distinct nodes."""
    known = memo.get(id(node))
    if known is not None:
        return known
    if isinstance(node, ScalarNode):
        size = _OBJECT_BYTES + (len(node.text) if len(node.text) > 23 else 0)
    elif isinstance(node, SeqNode):
        size = _OBJECT_BYTES + 8 * len(node.items)
        for item in node.items:
            size += expanded_size(item, limit, memo)
            if size > limit:
                break
    elif isinstance(node, MapNode):
        size = _OBJECT_BYTES + 16 * len(node.entries)
        for key, value in node.entries.values():
            size += expanded_size(key, limit, memo) + expanded_size(value, limit, memo)
            if size > limit:
                break
    else:
        size = _OBJECT_BYTES
    memo[id(node)] = size
    return size


def largest_part(node: Node, limit: int, memo: dict[int, int]) -> Node:
    """The smallest node under `node` that alone is larger than `limit` (where a blow-up is)."""
    while True:
        children = node.items if isinstance(node, SeqNode) else (
            [v for _, v in node.entries.values()] if isinstance(node, MapNode) else [])
        bigger = next((c for c in children if expanded_size(c, limit, memo) > limit), None)
        if bigger is None:
            return node
        node = bigger


def _too_big(root: Node) -> YamlProblem | None:
    memo: dict[int, int] = {}
    if expanded_size(root, MAX_EXPANDED_BYTES, memo) <= MAX_EXPANDED_BYTES:
        return None
    where = largest_part(root, MAX_EXPANDED_BYTES, memo)
    return YamlProblem(
        f"the parsed YAML is too big: aliases (`*name`) copy this value out to more than "
        f"{MAX_EXPANDED_BYTES:,} bytes, GitLab's limit for a loaded configuration, so GitLab rejects "
        "the file ('The parsed YAML is too big'); repeat less through aliases",
        where.start, syntax=False,
    )


def _reader_message(exc: Exception) -> str:
    character = getattr(exc, "character", None)
    if isinstance(character, str):
        return f"unacceptable character {character!r} (U+{ord(character):04X})"
    return str(exc).splitlines()[0] if str(exc) else "invalid YAML"


_SURROGATE = re.compile("[\ud800-\udfff]")


class _Converter:
    """ruamel nodes -> cilint nodes. The hottest loop of a run: every node of every file passes here
    once, so scalars (most nodes) are converted inline by their parent rather than by a call each."""

    def __init__(self, path: str, colons_hidden: bool = False) -> None:
        self.path = path
        self.colons_hidden = colons_hidden
        # ruamel node -> its conversion (aliases share it); ruamel nodes hash by identity, and keying
        # by the node rather than by id() saves a call per lookup in the hottest loop
        self.seen: dict[Any, Node] = {}
        self.open: set[Any] = set()  # collections being converted (an alias to one is recursive)
        self.references = False  # a `!reference [...]` was seen
        self.aliased = False  # some node is used again through an alias
        self.duplicates: list[tuple[Node, Node]] = []
        shared = _shared_tags()
        self.str_tag = shared[_STR_TAG]  # an untagged scalar's (most nodes)
        self.merge_tag = shared[_MERGE_TAG]  # an untagged `<<` key's

    def convert(self, node: Any, depth: int) -> Node:
        known = self.seen.get(node)
        if known is not None:
            if node in self.open:
                raise _Unusable(
                    "recursive alias: an anchor is used inside its own value", node.start_mark.index
                )
            self.aliased = True
            return known  # an alias: the same object as its anchor
        if depth > MAX_DEPTH:
            raise _Unusable(f"YAML nesting deeper than {MAX_DEPTH} levels", node.start_mark.index)
        kind = node.id
        if kind == "scalar":
            return self.scalar(node)
        start, end = node.start_mark.index, node.end_mark.index
        anchor = _anchor_name(node)
        flow = bool(node.flow_style)
        seen = self.seen
        inline = depth < MAX_DEPTH  # a scalar child is within the depth limit
        self.open.add(node)
        if kind == "sequence":
            return self.sequence(node, depth, SeqNode(self.path, start, end, _tag(node), anchor, flow))
        mapping = MapNode(self.path, start, end, _tag(node), anchor, flow)
        seen[node] = mapping
        entries = mapping.entries
        str_tag, merge_tag = self.str_tag, self.merge_tag
        merges = 0
        for key_node, value_node in node.value:
            key_tag = key_node.ctag
            if key_tag is merge_tag or (key_tag is not str_tag and key_node.id == "scalar" and _tag(key_node) == _MERGE_TAG):
                self._merge_into(entries, self.convert(value_node, depth + 1))
                merges += 1
                continue
            key = seen.get(key_node)
            if key is None or key_node in self.open:
                key = self.scalar(key_node) if inline and key_node.id == "scalar" else self.convert(key_node, depth + 1)
            value = seen.get(value_node)
            if value is None or value_node in self.open:
                value = self.scalar(value_node) if inline and value_node.id == "scalar" else self.convert(value_node, depth + 1)
            else:
                self.aliased = True
            if type(key) is ScalarNode and (key.style or (key.text[:1].isalpha() and key.text.lower() not in PLAIN_WORDS)):
                name = key.text  # `_key_text`'s usual case, inline: this runs for every pair of every file
            else:
                name = _key_text(key)
            entries[name] = (key, value)  # Psych: a repeated key keeps the last value
        self.open.discard(node)
        if merges or len(entries) < len(node.value):
            self._find_duplicates(node)
        return mapping

    def _find_duplicates(self, node: Any) -> None:
        """Keys written twice in one mapping (merged keys do not count: overriding them is what `<<`
        is for). Only mappings that may have some come here: fewer entries than pairs, or a merge."""
        first: dict[tuple[type, str], Node] = {}
        for key_node, _ in node.value:
            key = self.seen.get(key_node)
            if key is None or (type(key) is ScalarNode and key.tag == _MERGE_TAG) or key_node.ctag is self.merge_tag:
                continue
            # Ruby's hash tells `'1'` from `1`: the same text of two types is two keys to GitLab
            name = (type(key.value) if type(key) is ScalarNode else type(key), _key_text(key))
            earlier = first.get(name)
            if earlier is not None:
                self.duplicates.append((earlier, key))
            first[name] = key

    def sequence(self, node: Any, depth: int, seq: SeqNode) -> SeqNode:
        if seq.tag == REFERENCE_TAG:
            self.references = True
        seen = self.seen
        seen[node] = seq
        items = seq.items
        inline = depth < MAX_DEPTH
        for item in node.value:
            converted = seen.get(item)
            if converted is None or item in self.open:
                converted = self.scalar(item) if inline and item.id == "scalar" else self.convert(item, depth + 1)
            else:
                self.aliased = True
            items.append(converted)
        self.open.discard(node)
        return seq

    def scalar(self, node: Any) -> ScalarNode:
        text = node.value
        if self.colons_hidden and _FLOW_COLON in text:
            text = text.replace(_FLOW_COLON, ":")
        if node.style == '"' and _SURROGATE.search(text):
            # only a `\uD800`-`\uDFFF` escape makes one; no UTF-8 text can hold it
            raise _Unusable(
                "a double-quoted string escapes a UTF-16 surrogate (\\uD800-\\uDFFF), which is not a "
                "character; GitLab's YAML parser (libyaml) rejects it ('found invalid Unicode character "
                "escape code'): write the character itself, or its \\U00XXXXXX escape",
                node.start_mark.index,
            )
        anchor = node.anchor
        result = ScalarNode(self.path, node.start_mark.index, node.end_mark.index,
                         _STR_TAG if node.ctag is self.str_tag else _tag(node),
                         None if anchor is None else _anchor_name(node), text, node.style or "")
        self.seen[node] = result
        return result

    @staticmethod
    def _merge_into(entries: dict[str, tuple[Node, Node]], merged: Node) -> None:
        # Psych: `<<: *a` is hash.merge!(a); `<<: [*a, *b]` merges b then a into a fresh hash
        # (so the first listed wins) and merges that hash in.
        if isinstance(merged, MapNode):
            entries.update(merged.entries)
        elif isinstance(merged, SeqNode):
            combined: dict[str, tuple[Node, Node]] = {}
            for item in reversed(merged.items):
                if isinstance(item, MapNode):
                    combined.update(item.entries)
            entries.update(combined)


def _tag(node: Any) -> str:
    """`node.tag` without ruamel's per-object decoding: a resolved tag is its suffix, as written."""
    ctag = node.ctag
    if ctag is not None and ctag.handle is None:
        suffix = ctag.suffix
        if suffix is not None and "%" not in suffix:
            return suffix
    return node.tag


def _anchor_name(node: Any) -> str | None:
    anchor = getattr(node, "anchor", None)
    if anchor is None:
        return None
    return getattr(anchor, "value", anchor) if not isinstance(anchor, str) else anchor


def _key_text(node: Node) -> str:
    """`text_of_key`, without resolving the scalar for the usual key (a quoted key or a plain word
    that is not a YAML 1.1 null or boolean: `resolve_plain` returns those unchanged)."""
    if isinstance(node, ScalarNode):
        text = node.text
        if node.style or (text[:1].isalpha() and text.lower() not in PLAIN_WORDS):
            return text
    return text_of_key(node)


def text_of_key(node: Node) -> str:
    if isinstance(node, ScalarNode):
        value = node.value
        if isinstance(value, str):
            return value
        return ruby_to_s(value)
    return f"<{type(node).__name__}@{node.span.start}>"


def walk(node: Node) -> Iterator[Node]:
    """Every node reachable from `node`, each once (aliases are not walked twice)."""
    seen: set[int] = set()
    stack = [node]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        if isinstance(current, MapNode):
            for key, value in reversed(list(current.entries.values())):
                stack.append(value)
                stack.append(key)
        elif isinstance(current, SeqNode):
            stack.extend(reversed(current.items))
