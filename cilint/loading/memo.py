"""What a long-lived caller (the language server) keeps from one analysis of a project to the next:
each file's parse, and each pipeline's include resolution and model, reused while every file they read
(and every existence check, path confinement and file listing they made) reads the same again.

A run reads only the previous run's entries and keeps only what it used, so the memo holds one
analysis' worth whatever the number of edits (nothing is keyed by document versions)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from cilint.source import SourceFile
from cilint.syntax.yaml import YamlParse

if TYPE_CHECKING:
    from cilint.models.settings import ProjectConfig


class Reader(Protocol):
    """What the memo asks of a workspace (loading/workspace.Workspace)."""

    log: ReadLog | None

    def source(self, rel: str) -> object: ...

    def exists(self, rel: str) -> bool: ...

    def confine(self, rel: str) -> str | None: ...


@dataclass(slots=True)
class ReadLog:
    """What a computation asked of the workspace (a set while it runs, frozen into `Reads` after)."""

    sources: set[str] = field(default_factory=set)
    exists: dict[str, bool] = field(default_factory=dict)
    confined: dict[str, str | None] = field(default_factory=dict)
    listed: bool = False


@dataclass(frozen=True, slots=True)
class Reads:
    sources: tuple[tuple[str, object], ...]  # path -> its text, or why it could not be read
    exists: tuple[tuple[str, bool], ...]
    confined: tuple[tuple[str, str | None], ...]
    listing: tuple[str, ...] | None  # the project's files, when an include globbed over them

    def hold(self, ws: Reader, listing: Callable[[], list[str]]) -> bool:
        """Whether the workspace reads the same today (each source is read into it on the way, as the
        computation would have)."""
        return (all(_content(ws.source(path)) == content for path, content in self.sources)
                and all(ws.exists(path) == there for path, there in self.exists)
                and all(ws.confine(path) == confined for path, confined in self.confined)
                and (self.listing is None or tuple(listing()) == self.listing))


def _content(source: object) -> object:
    """A file's text, or why it could not be read (a workspace's `Unreadable`)."""
    if isinstance(source, SourceFile):
        return source.text
    return (getattr(source, "reason", None), getattr(source, "rule_id", None), getattr(source, "offset", None))


@dataclass(frozen=True, slots=True)
class _Entry:
    reads: Reads
    value: Any
    depends: object  # the object the value was computed from (None: only what it read)


class LoadMemo:
    """Parses and pipeline loads of one project root, kept between runs (see the module's doc)."""

    def __init__(self) -> None:
        self.config: ProjectConfig | None = None
        self._previous: dict[tuple[object, ...], _Entry] = {}
        self._current: dict[tuple[object, ...], _Entry] = {}
        self._previous_parses: dict[str, tuple[str, YamlParse]] = {}
        self._current_parses: dict[str, tuple[str, YamlParse]] = {}
        self.computed: list[tuple[object, ...]] = []  # the loads this run could not reuse, in order

    def __len__(self) -> int:
        """Entries kept: the loads and parses of the last run."""
        return len(self._current) + len(self._current_parses)

    def start(self, config: ProjectConfig) -> None:
        """A new run: the last run's entries become the ones to reuse (all dropped when the project's
        settings changed, which decide what is a pipeline and how it is read)."""
        same = config == self.config
        self.config = config
        self._previous, self._current = (self._current if same else {}), {}
        self._previous_parses, self._current_parses = self._current_parses, {}
        self.computed = []

    def parse(self, source: SourceFile, parse: Callable[[SourceFile], YamlParse]) -> YamlParse:
        kept = self._previous_parses.get(source.path) or self._current_parses.get(source.path)
        parsed = kept[1] if kept is not None and kept[0] == source.text else parse(source)
        self._current_parses[source.path] = (source.text, parsed)
        return parsed

    def load(self, key: tuple[object, ...], ws: Reader, listing: Callable[[], list[str]],
             compute: Callable[[], Any], depends: object = None) -> Any:
        """`compute()`, or its value of the last run when everything it read reads the same and it was
        computed from the very same `depends`."""
        kept = self._previous.get(key)
        if kept is not None and kept.depends is depends and kept.reads.hold(ws, listing):
            self._current[key] = kept
            return kept.value
        self.computed.append(key)
        log = ReadLog()
        outer, ws.log = ws.log, log
        try:
            value = compute()
        finally:
            ws.log = outer
        if outer is not None:  # a load within a load: the outer one read all this too
            outer.sources |= log.sources
            outer.exists.update(log.exists)
            outer.confined.update(log.confined)
            outer.listed |= log.listed
        contents = tuple((path, _content(ws.source(path))) for path in sorted(log.sources))
        reads = Reads(contents, tuple(log.exists.items()), tuple(log.confined.items()),
                      tuple(listing()) if log.listed else None)
        self._current[key] = _Entry(reads, value, depends)
        return value
