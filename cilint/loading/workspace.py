"""Reading files of one project root: confinement, size limits, decoding and a parse cache."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from cilint.filesystem import (
    MAX_FILE_BYTES,
    NotRegular,
    TooLarge,
    kind_of,
    read_regular,
)
from cilint.findings import Finding, Location, Severity, Span
from cilint.input_rules import INCLUDE_PROBLEM, SYNTAX_ERROR
from cilint.source import DecodeError, SourceFile
from cilint.syntax.yaml import YamlParse, parse_yaml

if TYPE_CHECKING:
    from cilint.loading.memo import LoadMemo, ReadLog


@dataclass(frozen=True, slots=True, eq=False)
class Unreadable:
    """Why a file could not be used; `reason` is a sentence for a finding."""

    reason: str
    rule_id: str = INCLUDE_PROBLEM
    offset: int = 0  # where in the file the problem is (for undecodable bytes)


class Workspace:
    """The files under one project root. Paths given to it are project-relative, '/'-separated."""

    def __init__(self, root: Path, overlay: Mapping[str, str] | None = None, memo: LoadMemo | None = None) -> None:
        self.root = root.resolve()
        self.memo = memo  # parses and loads of the last run (a language server's), reused where unchanged
        self.log: ReadLog | None = None  # what a load being memoised reads
        # Strings for the per-file checks: pathlib objects cost more than the reads they guard.
        self._root_text = str(self.root)
        self._root_prefix = self._root_text.rstrip(os.sep) + os.sep
        self._real_directories: dict[str, str] = {self._root_text: self._root_text}  # the root is resolved
        self.overlay = overlay or {}  # absolute path -> text that replaces the file's (unwritten fixes)
        self._sources: dict[str, SourceFile | Unreadable] = {}
        self._yaml: dict[str, YamlParse] = {}
        # Lossy decodings of files that are not UTF-8, only to place findings in them.
        self._display: dict[str, SourceFile] = {}
        self._virtual: set[str] = set()
        self.outside: set[str] = set()  # files outside the root the user named (--runner-config)

    def relative(self, path: Path) -> str:
        """The report path of a file under the root: forward slashes, no './'."""
        absolute = path if path.is_absolute() else Path.cwd() / path
        try:
            rel = Path(os.path.normpath(absolute)).relative_to(self.root)
        except ValueError:
            return absolute.as_posix()
        return rel.as_posix()

    def confine(self, rel: str) -> str | None:
        """Normalise a project path; None when it escapes the root (via '..' or a symlink)."""
        parts: list[str] = []
        for part in PurePosixPath(rel.lstrip("/")).parts:
            if part in ("", "."):
                continue
            if part == "..":
                if not parts:
                    return None
                parts.pop()
                continue
            parts.append(part)
        normal = "/".join(parts)
        confined = normal if self._inside(os.path.join(self._root_text, normal)) else None
        if self.log is not None:
            self.log.confined[rel] = confined
        return confined

    def _inside(self, path: str) -> bool:
        """Whether `path` is the root or under it once symlinks are resolved."""
        directory, name = os.path.split(path)
        real = os.path.join(self._real_directory(directory), name)
        if os.path.islink(real):
            real = os.path.realpath(real)
        return real == self._root_text or real.startswith(self._root_prefix)

    def _real_directory(self, directory: str) -> str:
        """`realpath(directory)`, worked out once per directory and, under the root, from its
        parent's: `realpath` checks every component of a path, each a system call."""
        real = self._real_directories.get(directory)
        if real is None:
            parent, name = os.path.split(directory)
            under_root = parent == self._root_text or parent.startswith(self._root_prefix)
            if under_root and name not in ("", ".", ".."):  # the root itself is in the cache
                real = os.path.join(self._real_directory(parent), name)
                if os.path.islink(real):
                    real = os.path.realpath(real)
            else:
                real = os.path.realpath(directory)
            self._real_directories[directory] = real
        return real

    def exists(self, rel: str) -> bool:
        path = os.path.join(self._root_text, rel)
        there = rel in self._virtual or path in self.overlay or os.path.isfile(path)
        if self.log is not None:
            self.log.exists[rel] = there
        return there

    def add_virtual(self, path: str, text: str) -> None:
        """A file that is not on disk (fetched through the GitLab API), under a `gitlab:` path."""
        self._virtual.add(path)
        self._sources.setdefault(path, SourceFile(path, text))

    def source(self, rel: str) -> SourceFile | Unreadable:
        if self.log is not None:
            self.log.sources.add(rel)
        cached = self._sources.get(rel)
        if cached is None:
            cached = self._read(rel)
            self._sources[rel] = cached
        return cached

    def _read(self, rel: str) -> SourceFile | Unreadable:
        path = os.path.join(self._root_text, rel)
        if rel not in self.outside and not self._inside(path):
            return Unreadable(f"`{rel}` resolves outside the project root (symlink); refused")
        if path in self.overlay and not os.path.lexists(path):  # text read from stdin for a file not on disk
            return SourceFile(rel, self.overlay[path].lstrip("\ufeff"))
        try:
            data = read_regular(path, MAX_FILE_BYTES)
        except TooLarge as exc:
            return Unreadable(
                f"`{rel}` is {exc.size:,} bytes; GitLab reads at most {MAX_FILE_BYTES:,} bytes per file"
            )
        except NotRegular:
            return Unreadable(f"`{rel}` is {_kind(path)}, not a regular file; not read")
        except FileNotFoundError:
            return Unreadable(f"`{rel}` does not exist")
        except IsADirectoryError:
            return Unreadable(f"`{rel}` is a directory")
        except OSError as exc:
            return Unreadable(f"`{rel}` cannot be read: {exc.strerror or exc}")
        replaced = self.overlay.get(path)
        if replaced is not None:
            return SourceFile(rel, replaced, bom=data.startswith(b"\xef\xbb\xbf"))
        try:
            return SourceFile.from_bytes(rel, data)
        except DecodeError as exc:
            display = SourceFile(rel, data.decode("utf-8", errors="replace").lstrip("\ufeff"))
            self._display[rel] = display
            offset = display.offset(exc.line, exc.column)
            return Unreadable(str(exc), rule_id=SYNTAX_ERROR, offset=offset)

    def yaml(self, source: SourceFile) -> YamlParse:
        parsed = self._yaml.get(source.path)
        if parsed is None:
            parsed = parse_yaml(source) if self.memo is None else self.memo.parse(source, parse_yaml)
            self._yaml[source.path] = parsed
        return parsed

    def files(self) -> dict[str, SourceFile]:
        """Every file read so far (lossy copies for undecodable ones), for rendering findings."""
        result = dict(self._display)
        result.update((k, v) for k, v in self._sources.items() if isinstance(v, SourceFile))
        return result


def _kind(path: str) -> str:
    try:
        return kind_of(os.stat(path).st_mode)
    except OSError:
        return "not a regular file"


def syntax_finding(source: SourceFile, message: str, offset: int) -> Finding:
    return Finding(
        rule_id=SYNTAX_ERROR,
        message=message,
        location=Location(source.path, Span(offset, offset)),
        severity=Severity.BLOCKER,
        route=("syntax",),
    )


def unreadable_finding(path: str, problem: Unreadable, at: Location | None) -> Finding:
    """A finding for a file that could not be used.

    A file that is missing, too large or outside the root is reported where it is included (`at`);
    a file that exists but cannot be decoded is reported in the file, at the offending byte.
    """
    inside = Location(path, Span(problem.offset, problem.offset))
    location = at if at is not None and problem.rule_id == INCLUDE_PROBLEM else inside
    return Finding(
        rule_id=problem.rule_id,
        message=problem.reason,
        location=location,
        severity=Severity.BLOCKER,
        route=("unreadable", path),
    )
