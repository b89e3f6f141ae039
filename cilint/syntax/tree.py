"""The nodes YAML and TOML are read into, each with its span, and YAML 1.1 scalar typing as Psych does it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from cilint.findings import Span

REFERENCE_TAG = "!reference"


class Node:
    # Offsets are kept as two ints and the `Span` made on first use: most nodes (88% on the corpus)
    # are never asked for theirs, and a frozen dataclass costs more to make than the node itself.
    __slots__ = ("path", "start", "end", "tag", "anchor", "_span")

    def __init__(self, path: str, start: int, end: int, tag: str, anchor: str | None) -> None:
        self.path = path
        self.start = start
        self.end = end
        self.tag = tag
        self.anchor = anchor
        self._span: Span | None = None

    @property
    def span(self) -> Span:
        span = self._span
        if span is None:
            span = self._span = Span(self.start, self.end)
        return span

    @span.setter
    def span(self, span: Span) -> None:
        self.start, self.end, self._span = span.start, span.end, span

    @property
    def is_reference(self) -> bool:
        return self.tag == REFERENCE_TAG


_UNRESOLVED: Any = object()


class ScalarNode(Node):
    __slots__ = ("text", "style", "_value")

    def __init__(
        self, path: str, start: int, end: int, tag: str, anchor: str | None, text: str, style: str
    ) -> None:
        self.path = path  # Node's fields, set here: a scalar is made for most nodes of a file
        self.start = start
        self.end = end
        self.tag = tag
        self.anchor = anchor
        self._span = None
        self.text = text  # the scalar's content after unquoting
        self.style = style  # "" plain, "'", '"', "|", ">"
        self._value: Any = _UNRESOLVED

    @property
    def value(self) -> Any:
        """The value GitLab reads (YAML 1.1 typing as Psych does it), resolved on first use."""
        value = self._value
        if value is _UNRESOLVED:
            value = self._value = resolve_scalar(self.text, self.style, self.tag)
        return value

    @value.setter
    def value(self, value: Any) -> None:
        self._value = value

    def __repr__(self) -> str:
        return f"ScalarNode({self.value!r})"


class SeqNode(Node):
    __slots__ = ("items", "flow")

    def __init__(
        self, path: str, start: int, end: int, tag: str, anchor: str | None, flow: bool
    ) -> None:
        super().__init__(path, start, end, tag, anchor)
        self.items: list[Node] = []
        self.flow = flow

    def __repr__(self) -> str:
        return f"SeqNode({self.items!r})"


class MapNode(Node):
    __slots__ = ("entries", "flow")

    def __init__(
        self, path: str, start: int, end: int, tag: str, anchor: str | None, flow: bool
    ) -> None:
        super().__init__(path, start, end, tag, anchor)
        # key text -> (key node, value node); insertion order is document order.
        self.entries: dict[str, tuple[Node, Node]] = {}
        self.flow = flow

    def get(self, key: str) -> Node | None:
        entry = self.entries.get(key)
        return entry[1] if entry else None

    def key_node(self, key: str) -> Node | None:
        entry = self.entries.get(key)
        return entry[0] if entry else None

    def __contains__(self, key: str) -> bool:
        return key in self.entries

    def items(self) -> Iterator[tuple[str, Node]]:
        for key, (_, value) in self.entries.items():
            yield key, value

    def __repr__(self) -> str:
        return f"MapNode({ {k: v for k, v in self.items()}!r})"


_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")


_TRUE = re.compile(r"^(?:yes|true|on)$", re.IGNORECASE)


_FALSE = re.compile(r"^(?:no|false|off)$", re.IGNORECASE)


_INT = re.compile(
    r"^(?:[-+]?0b[01_,]+|[-+]?0[0-7_,]+|[-+]?(?:0|[1-9](?:[0-9]|,[0-9]|_[0-9])*)|[-+]?0x[0-9a-fA-F_,]+)$"
)


_SEXAGESIMAL_INT = re.compile(r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9]){1,2}$")


_FLOAT = re.compile(r"^(?:[-+]?(?:[0-9][0-9_,]*)?\.[0-9]*(?:[eE][-+][0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$")


PLAIN_WORDS = frozenset({"yes", "no", "true", "false", "on", "off", "null"})


def resolve_plain(text: str) -> Any:
    """The Ruby value Psych gives a plain (unquoted, untagged) scalar, as a Python value."""
    first = text[:1]
    if first.isalpha() and text.lower() not in PLAIN_WORDS:
        return text  # most scalars: a word that can be neither null, a boolean nor a number
    if _NULL.match(text):
        return None
    if _TRUE.match(text):
        return True
    if _FALSE.match(text):
        return False
    if _INT.match(text):
        return _parse_int(text)
    if _SEXAGESIMAL_INT.match(text):
        sign = -1 if text.startswith("-") else 1
        total = 0
        for part in text.lstrip("+-").replace("_", "").split(":"):
            total = total * 60 + int(part)
        return sign * total
    if _FLOAT.match(text) and text not in (".", "+.", "-."):
        lowered = text.lower()
        if lowered.endswith("inf"):
            return float("-inf") if text.startswith("-") else float("inf")
        if lowered.endswith("nan"):
            return float("nan")
        try:
            return float(text.replace("_", "").replace(",", ""))
        except ValueError:
            return text
    return text


def _parse_int(text: str) -> int | str:
    cleaned = text.replace("_", "").replace(",", "")
    sign = -1 if cleaned.startswith("-") else 1
    digits = cleaned.lstrip("+-")
    try:
        if digits.startswith(("0b", "0B")):
            return sign * int(digits[2:], 2)
        if digits.startswith(("0x", "0X")):
            return sign * int(digits[2:], 16)
        if len(digits) > 1 and digits.startswith("0"):
            return sign * int(digits[1:], 8)
        return sign * int(digits)
    except ValueError:  # "0b_" and similar degenerate spellings stay strings
        return text


def resolve_scalar(text: str, style: str, tag: str) -> Any:
    if style:
        return text
    if tag is _STR_TAG:  # an untagged scalar (the converter gives them this very string)
        return resolve_plain(text)
    if tag.startswith(_STD_TAG_PREFIX):
        kind = tag[len(_STD_TAG_PREFIX):]
        if kind in ("str", "int", "float", "bool", "null", "timestamp", "binary"):
            return resolve_plain(text)
    return text


def ruby_to_s(value: Any) -> str:
    """Ruby's `to_s` of a resolved scalar: what GitLab stores when it stringifies a value."""
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, float):
        if value != value:
            return "NaN"
        if value in (float("inf"), float("-inf")):
            return "Infinity" if value > 0 else "-Infinity"
        return repr(value)
    return str(value)


_STR_TAG = "tag:yaml.org,2002:str"


_STD_TAG_PREFIX = "tag:yaml.org,2002:"
