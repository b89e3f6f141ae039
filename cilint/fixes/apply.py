"""Apply fixes by splicing text at their spans; nothing outside the spans changes."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from cilint.findings import Applicability, Edit, Fix


class ConflictingEdits(ValueError):
    """Two edits overlap in one file; a fix round must not apply both."""


def applicable(fix: Fix | None, unsafe: bool) -> bool:
    if fix is None:
        return False
    if fix.applicability is Applicability.SAFE:
        return True
    return unsafe and fix.applicability is Applicability.UNSAFE


def splice(texts: Mapping[str, str], fixes: Iterable[Fix]) -> dict[str, str]:
    """New texts of the files the fixes touch. A fix whose edits overlap an earlier fix is skipped
    whole (its edits are applied together or not at all); the next round picks it up."""
    return splice_report(texts, fixes)[0]


def splice_report(texts: Mapping[str, str], fixes: Iterable[Fix]) -> tuple[dict[str, str], list[Fix], list[Fix]]:
    """(new texts, fixes applied, fixes skipped because they overlap an earlier one)."""
    by_path: dict[str, list[Edit]] = defaultdict(list)
    applied: list[Fix] = []
    skipped: list[Fix] = []
    for fix in fixes:
        if any(edit.path not in texts for edit in fix.edits) or _overlap_each_other(fix.edits) or any(
            _overlaps(edit, by_path[edit.path]) for edit in fix.edits
        ):
            skipped.append(fix)
            continue
        applied.append(fix)
        for edit in fix.edits:
            by_path[edit.path].append(edit)
    result: dict[str, str] = {}
    for path, edits in by_path.items():
        text = texts[path]
        for edit in sorted(edits, key=lambda e: (e.span.start, e.span.end), reverse=True):
            text = text[: edit.span.start] + edit.content + text[edit.span.end :]
        result[path] = text
    return result, applied, skipped


def _overlap_each_other(edits: tuple[Edit, ...]) -> bool:
    """A fix whose own edits overlap (two insertions at one point) is malformed: never applied."""
    return any(_overlaps(edit, [o for o in edits[:i] if o.path == edit.path]) for i, edit in enumerate(edits))


def changes_something(fix: Fix, texts: Mapping[str, str]) -> bool:
    """Whether applying `fix` to `texts` changes any of them (a fix that writes back what is there
    fixes nothing, and a loop that applied it would never end)."""
    return any(
        edit.path in texts and texts[edit.path][edit.span.start : edit.span.end] != edit.content
        for edit in fix.edits
    )


def _overlaps(edit: Edit, others: list[Edit]) -> bool:
    for other in others:
        if edit.span.start < other.span.end and other.span.start < edit.span.end:
            return True
        if edit.span.start == edit.span.end == other.span.start == other.span.end:
            return True  # two insertions at one point: order would be ambiguous
    return False
