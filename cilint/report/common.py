"""What every machine-readable report needs: positions and stable, unique fingerprints."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from cilint.findings import Edit, Finding
from cilint.redact import Redactor
from cilint.results import ProjectResult
from cilint.source import Position, SourceFile


@dataclass(frozen=True, slots=True, eq=False)
class Placed:
    """A finding with line/column positions and its fingerprint, ready to report."""

    finding: Finding
    start: Position
    end: Position
    fingerprint: str


def placed(projects: Sequence[ProjectResult]) -> Iterator[Placed]:
    """Findings with 1-based positions and fingerprints that never contain line numbers.

    The fingerprint hashes the rule, the path, the finding's structural route and the text at its
    span. The n-th finding with the same basis (the same text twice in a job) salts it with n, so
    fingerprints are unique in one pass: a count per basis, not a search for a free salt.
    """
    seen: set[str] = set()
    occurrences: dict[str, int] = {}
    for project in projects:
        files = project.files
        for finding in project.findings:
            source = files.get(finding.path)
            start, end = _positions(finding, source)
            basis = "\x1f".join(  # repository paths: the same fingerprint from any working directory
                (finding.rule_id, project.shown(finding.path, repository=True), *finding.route,
                 _span_text(finding, source))
            )
            salt = occurrences.get(basis, 0)
            digest = _digest(basis, salt)
            while digest in seen:  # another basis hashed with its salt to this one: never in practice
                salt += 1
                digest = _digest(basis, salt)
            occurrences[basis] = salt + 1
            seen.add(digest)
            yield Placed(finding, start, end, digest)


def docs_link(template: str, rule_id: str) -> str | None:
    """The page of the rule `rule_id` under the project's `docs-url` template; None when links are off."""
    if not template:
        return None
    name = ""
    if "{name}" in template:
        from cilint.catalog import rule_name  # the catalog is read only for a template that names rules

        name = rule_name(rule_id) or rule_id.lower()
    return template.format(id=rule_id, name=name)


def _digest(basis: str, salt: int) -> str:
    text = basis if salt == 0 else f"{basis}\x1f{salt}"
    import hashlib  # stdlib, ~5 ms of cold start: only for fingerprints (not the text report)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _positions(finding: Finding, source: SourceFile | None) -> tuple[Position, Position]:
    if source is None:
        return Position(1, 1), Position(1, 1)
    span = finding.location.span
    return source.position(span.start), source.position(max(span.start, span.end))


def _span_text(finding: Finding, source: SourceFile | None) -> str:
    if source is None:
        return ""
    span = finding.location.span
    return source.text[span.start : span.end][:200]


# -- what a report shows of the files -----------------------------------------------------------

# Lines longer than this are cut to a window around the place a report points to: a report holds a
# bounded amount of text per finding, whatever the length of the lines (a whole pipeline on one line).
SHOWN_LINE = 160
_REDACTION_MARGIN = 512  # text either side of a window read to find secrets that reach into it
_DIFF_LINE = 1000  # a fix diff is shown only when its lines are at most this long
_DIFF_CONTEXT = 1


@dataclass(frozen=True, slots=True)
class Excerpt:
    """A redacted piece of one line, and where a caret goes in it (0-based, end exclusive)."""

    text: str
    caret_start: int
    caret_end: int


def excerpt(source: SourceFile, start: int, end: int, redactor: Redactor, width: int = SHOWN_LINE) -> Excerpt:
    """The line holding offset `start`, cut to `width` characters around [start, end) and redacted;
    `…` marks a cut. Reads only the window and a margin, never the whole line."""
    text = source.text
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", start)
    if line_end == -1:
        line_end = len(text)
    if line_end > line_start and text[line_end - 1] == "\r":
        line_end -= 1
    end = min(max(end, start), line_end)
    if line_end - line_start <= width:
        left, right = line_start, line_end
    else:
        left = max(line_start, start - width // 3)
        right = min(line_end, left + width)
        left = max(line_start, right - width)
    region_start = max(line_start, left - _REDACTION_MARGIN)
    region_end = min(line_end, right + _REDACTION_MARGIN)
    region = text[region_start:region_end]
    marks = [left - region_start, right - region_start, start - region_start, max(start, min(end, right)) - region_start]
    shown, (a, b, caret_a, caret_b) = redactor.shown(region, marks)
    body = shown[a:b].expandtabs(1)
    prefix = "…" if left > line_start else ""
    suffix = "…" if right < line_end else ""
    shift = len(prefix) - a
    return Excerpt(prefix + body + suffix, caret_a + shift, max(caret_a + 1, caret_b) + shift)


def fix_diff(finding: Finding, files: Mapping[str, SourceFile], redactor: Redactor,
             shown: Callable[[str], str] = str) -> str:
    """A unified diff of what the finding's fix changes, built around its edits only (the lines
    they touch and one line of context), redacted. Empty when there is no fix to show."""
    fix = finding.fix
    if fix is None:
        return ""
    by_path: dict[str, list[Edit]] = {}
    for edit in fix.edits:
        if edit.path in files:
            by_path.setdefault(edit.path, []).append(edit)
    chunks: list[str] = []
    for path, edits in by_path.items():
        hunks = [_hunk(files[path], group) for group in _clusters(files[path], edits)]
        if any(h is None for h in hunks):
            chunks.append(f"(the fix changes lines of {shown(path)} too long to show here)\n")
            continue
        chunks += [f"--- a/{shown(path)}\n", f"+++ b/{shown(path)}\n"]
        chunks += [redactor.text(h) for h in hunks if h]
    return "".join(chunks)


def _line_bounds(text: str, start: int, end: int, context: int) -> tuple[int, int]:
    """Offsets of the start of the line holding `start` and the end of the line holding `end`
    (after its line break), widened by `context` lines each way."""
    first = text.rfind("\n", 0, start) + 1
    for _ in range(context):
        if first == 0:
            break
        first = text.rfind("\n", 0, first - 1) + 1
    last = text.find("\n", max(start, end - 1) if end > start else end)
    last = len(text) if last == -1 else last + 1
    for _ in range(context):
        if last >= len(text):
            break
        following = text.find("\n", last)
        last = len(text) if following == -1 else following + 1
    return first, last


def _clusters(source: SourceFile, edits: list[Edit]) -> list[list[Edit]]:
    """Edits whose shown lines overlap, grouped (in order of position)."""
    groups: list[tuple[int, int, list[Edit]]] = []
    for edit in sorted(edits, key=lambda e: (e.span.start, e.span.end)):
        first, last = _line_bounds(source.text, edit.span.start, edit.span.end, _DIFF_CONTEXT)
        if groups and first < groups[-1][1]:
            groups[-1] = (groups[-1][0], max(last, groups[-1][1]), [*groups[-1][2], edit])
        else:
            groups.append((first, last, [edit]))
    return [group for _, _, group in groups]


def _hunk(source: SourceFile, edits: list[Edit]) -> str | None:
    text = source.text
    first = min(e.span.start for e in edits)
    final = max(e.span.end for e in edits)
    region_start, region_end = _line_bounds(text, first, final, _DIFF_CONTEXT)
    before = text[region_start:region_end]
    after = before
    for edit in sorted(edits, key=lambda e: (e.span.start, e.span.end), reverse=True):
        a, b = edit.span.start - region_start, edit.span.end - region_start
        after = after[:a] + edit.content + after[b:]
    old, new = before.splitlines(True), after.splitlines(True)
    if any(len(line) > _DIFF_LINE for line in (*old, *new)):
        return None
    offset = source.position(region_start).line - 1
    import difflib  # stdlib, a few ms of cold start: only for fix diffs
    lines = list(difflib.unified_diff(old, new, n=_DIFF_CONTEXT))[2:]  # without the ---/+++ header
    out = []
    for line in lines:
        match = _HUNK_HEADER.match(line)
        if match:
            a, b, c, d = match.groups()
            line = f"@@ -{int(a) + offset}{b or ''} +{int(c) + offset}{d or ''} @@\n"
        elif not line.endswith("\n"):
            line += "\n\\ No newline at end of file\n"
        out.append(line)
    return "".join(out)


_HUNK_HEADER = re.compile(r"^@@ -(\d+)(,\d+)? \+(\d+)(,\d+)? @@")
