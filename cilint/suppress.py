"""`# cilint: ignore[DNS001] reason` comments, and the findings for ones that suppress nothing.

A comment suppresses the listed rules for findings that start on its own line, or on the next line
when it stands alone on its line. It works in YAML and in TOML (both use `#`), and inside shell
scripts of a block scalar (a shell comment).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from cilint.findings import Finding, Location, Severity, Span
from cilint.input_rules import UNUSED_SUPPRESSION, unused_suppression
from cilint.source import SourceFile

_MARKER = re.compile(r"(?:^|\s)#\s*cilint:\s*ignore\[(?P<codes>[^\]]*)\]")


@dataclass(frozen=True, slots=True, eq=False)
class Suppression:
    """A `# cilint: ignore[...]` comment."""

    path: str
    line: int  # the line the comment is on
    standalone: bool  # the comment is alone on its line (it then covers the next line)
    codes: tuple[str, ...]
    span: Span


def suppressions(source: SourceFile) -> list[Suppression]:
    if "cilint:" not in source.text:
        return []
    found: list[Suppression] = []
    offset = 0
    for number, line in enumerate(source.text.split("\n"), start=1):
        match = _MARKER.search(line)
        if match:
            codes = tuple(c.strip().upper() for c in match.group("codes").split(",") if c.strip())
            start = offset + match.start() + (0 if line[match.start()] == "#" else 1)
            standalone = line[: match.start()].strip() == ""
            found.append(Suppression(source.path, number, standalone, codes, Span(start, offset + match.end())))
        offset += len(line) + 1
    return found


def apply_suppressions(
    findings: Iterable[Finding], files: dict[str, SourceFile], enabled: Callable[[str], bool]
) -> list[Finding]:
    """Drop suppressed findings; add CIL005 for each listed rule that is enabled and matched none."""
    table: dict[tuple[str, int], list[Suppression]] = {}
    every: list[Suppression] = []
    for source in files.values():
        for item in suppressions(source):
            every.append(item)
            table.setdefault((item.path, item.line), []).append(item)
            if item.standalone:
                table.setdefault((item.path, item.line + 1), []).append(item)
    if not every:
        return list(findings)
    used: set[tuple[int, str]] = set()
    kept: list[Finding] = []
    for finding in findings:
        source = files.get(finding.path)
        if source is None:
            kept.append(finding)
            continue
        line = source.position(finding.location.span.start).line
        matched = next(
            (s for s in table.get((finding.path, line), ()) if finding.rule_id in s.codes), None
        )
        if matched is None:
            kept.append(finding)
        else:
            used.add((id(matched), finding.rule_id))
    if enabled(UNUSED_SUPPRESSION):
        for item in every:
            for code in item.codes:
                if (id(item), code) not in used and enabled(code):
                    kept.append(
                        unused_suppression(
                            f"`# cilint: ignore[{code}]` suppresses nothing here; remove it",
                            Location(item.path, item.span),
                            Severity.MINOR,
                            route=("suppression", code),
                        )
                    )
    return kept
