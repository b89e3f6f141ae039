"""Source files: exact text (BOM kept aside, line endings untouched) and offset <-> line/column."""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, partial
from typing import NamedTuple

BOM = "\ufeff"
_MULTI_BYTE = re.compile(r"[^\x00-\x7f]")


class Position(NamedTuple):
    line: int  # 1-based
    column: int  # 1-based, in Unicode code points


class DecodeError(ValueError):
    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


@dataclass(frozen=True, eq=False)
class SourceFile:
    """One file as read from disk.

    `text` never contains the BOM (if the file had one, `bom` is True); spans index into `text`.
    Line endings are kept as written so that spans match the bytes on disk.
    """

    path: str  # project-relative, forward slashes
    text: str
    bom: bool = False

    @cached_property
    def _line_starts(self) -> list[int]:
        """Offsets where lines start; computed for the files a finding or a fix is placed in."""
        starts = [0]
        text = self.text
        find = text.find
        i = find("\n")
        while i != -1:
            starts.append(i + 1)
            i = find("\n", i + 1)
        return starts

    @cached_property
    def newline(self) -> str:
        """The line ending an edit writes: the one most lines end with. Not "CRLF anywhere": a quoted
        scalar can hold a CRLF in a file of LF lines. Counted once per file (a search per edit made
        large files quadratic)."""
        return "\r\n" if 2 * self.text.count("\r\n") > self.text.count("\n") else "\n"

    @classmethod
    def from_bytes(cls, path: str, data: bytes) -> SourceFile:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            prefix = data[: exc.start]
            line = prefix.count(b"\n") + 1
            column = exc.start - (prefix.rfind(b"\n") + 1) + 1
            raise DecodeError(f"file is not valid UTF-8 ({exc.reason})", line, column) from None
        bom = text.startswith(BOM)
        return cls(path=path, text=text[1:] if bom else text, bom=bom)

    @property
    def line_count(self) -> int:
        return len(self._line_starts)

    def position(self, offset: int) -> Position:
        offset = max(0, min(offset, len(self.text)))
        index = bisect.bisect_right(self._line_starts, offset) - 1
        return Position(index + 1, offset - self._line_starts[index] + 1)

    def line_text(self, line: int) -> str:
        """The text of a 1-based line without its line terminator."""
        if not 1 <= line <= len(self._line_starts):
            return ""
        start = self._line_starts[line - 1]
        end = self._line_starts[line] if line < len(self._line_starts) else len(self.text)
        return self.text[start:end].rstrip("\r\n")

    def offset(self, line: int, column: int) -> int:
        """Offset of a 1-based line and column (clamped to the text)."""
        line = max(1, min(line, len(self._line_starts)))
        return min(self._line_starts[line - 1] + column - 1, len(self.text))


class ByteOffsets:
    """UTF-8 byte offsets (what tree-sitter reports) to character offsets in `text`.

    Only the characters that take more than one byte are recorded (a script line or TOML text is
    mostly ASCII); an offset is found by bisecting them.
    """

    def __init__(self, text: str) -> None:
        self.length = len(text)
        self.starts: list[int] = []  # byte offset of each multi-byte character
        self.indexes: list[int] = []  # its character index
        self.widths: list[int] = []  # its length in bytes
        if text.isascii():
            # the offset itself, clamped to the end: a C call, as this runs for every shell word
            self.char: Callable[[int], int] = partial(min, self.length)
            return
        shift = 0
        for match in _MULTI_BYTE.finditer(text):
            index = match.start()
            width = len(match.group().encode("utf-8", errors="surrogatepass"))
            self.starts.append(index + shift)
            self.indexes.append(index)
            self.widths.append(width)
            shift += width - 1
        # not a bound method kept on the object: that would be a reference cycle
        self.char = partial(_multi_byte_char, self.starts, self.indexes, self.widths, self.length)


def _multi_byte_char(starts: list[int], indexes: list[int], widths: list[int], length: int, byte: int) -> int:
    position = bisect.bisect_right(starts, byte) - 1
    if position < 0:
        return min(byte, length)
    start, width = starts[position], widths[position]
    if byte < start + width:
        return indexes[position]  # inside (or at) that character
    return min(indexes[position] + 1 + byte - start - width, length)
