"""`# cilint: ignore[DNS001] reason` comments, and the findings for ones that suppress nothing.

A comment suppresses the listed rules (ids or names) for findings that start on its own line, or on
the next line when it stands alone on its line. It works in YAML and in TOML (both use `#`), and
inside shell scripts of a block scalar (a shell comment). A comment that names no rule, or a rule
that does not exist, is reported (CIL005) and suppresses nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from cilint.catalog import rule_id_of, selector_problem
from cilint.findings import Applicability, Edit, Finding, Fix, Location, Severity, Span
from cilint.input_rules import UNUSED_SUPPRESSION, unused_suppression
from cilint.source import SourceFile

_MARKER = re.compile(r"(?:^|\s)#\s*cilint:\s*ignore(?:\[(?P<codes>[^\]]*)\]|(?![\w\[-]))")


@dataclass(frozen=True, slots=True, eq=False)
class Suppression:
    """A `# cilint: ignore[...]` comment."""

    path: str
    line: int  # the line the comment is on
    standalone: bool  # the comment is alone on its line (it then covers the next line)
    written: tuple[str, ...]  # the rules as written (ids or names)
    codes: tuple[str | None, ...]  # the rule id each stands for, None for no rule
    span: Span  # the comment, from `#` to the end of the line
    codes_span: Span | None  # what is between the brackets; None for a bare `# cilint: ignore`
    line_span: Span  # the whole line, its newline included


def suppressions(source: SourceFile) -> list[Suppression]:
    if "cilint:" not in source.text:
        return []
    found: list[Suppression] = []
    offset = 0
    for number, line in enumerate(source.text.split("\n"), start=1):
        match = _MARKER.search(line)
        if match:
            group = match.group("codes")
            written = tuple(c.strip() for c in (group or "").split(",") if c.strip())
            start = offset + match.start() + (0 if line[match.start()] == "#" else 1)
            codes_span = Span(offset + match.start("codes"), offset + match.end("codes")) if group is not None else None
            standalone = line[: match.start()].strip() == ""
            end_of_line = min(offset + len(line) + 1, len(source.text))
            found.append(Suppression(source.path, number, standalone, written, tuple(rule_id_of(c) for c in written),
                                     Span(start, offset + len(line.rstrip("\r"))), codes_span,
                                     Span(offset, end_of_line)))
        offset += len(line) + 1
    return found


def apply_suppressions(
    findings: Iterable[Finding], files: dict[str, SourceFile], enabled: Callable[[str], bool]
) -> list[Finding]:
    """Drop suppressed findings; add CIL005 for each comment that names no rule, a rule that does not
    exist, or enabled rules that matched nothing."""
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
            problem = _problem(item, used, enabled, files.get(item.path))
            if problem is not None:
                kept.append(problem)
    return kept


def _problem(item: Suppression, used: set[tuple[int, str]], enabled: Callable[[str], bool],
             source: SourceFile | None) -> Finding | None:
    """The CIL005 finding for one comment, with a fix that removes what does nothing."""
    where = Location(item.path, item.span)
    if item.codes_span is None or not item.written:
        return unused_suppression(
            "`# cilint: ignore` names no rule, so it suppresses nothing: name the rules, "
            "`# cilint: ignore[DNS001]`", where, Severity.MINOR, route=("suppression", "bare"))
    unknown = [w for w, c in zip(item.written, item.codes) if c is None]
    if unknown:
        reasons = "; ".join(selector_problem(w) or f"`{w}` is a prefix, not one rule" for w in unknown)
        return unused_suppression(f"`# cilint: ignore[{', '.join(item.written)}]`: {reasons}", where, Severity.MINOR,
                                  route=("suppression", *unknown))
    idle = [w for w, c in zip(item.written, item.codes) if c is not None and (id(item), c) not in used and enabled(c)]
    if not idle:
        return None
    keep = [w for w in item.written if w not in idle]
    if keep:
        message = f"{', '.join(f'`{w}`' for w in idle)} in `# cilint: ignore[{', '.join(item.written)}]` suppresses nothing here"
        edit = Edit(item.path, item.codes_span, ", ".join(keep))
        title = f"Remove {', '.join(idle)} from the suppression comment"
    else:
        message = f"`# cilint: ignore[{', '.join(item.written)}]` suppresses nothing here; remove it"
        edit = _remove_comment(item, source)
        title = "Remove the suppression comment"
    fix = Fix(title, (edit,), Applicability.SAFE) if edit is not None else None
    finding = unused_suppression(message, where, Severity.MINOR, route=("suppression", *idle))
    return Finding(finding.rule_id, finding.message, finding.location, finding.severity, fix=fix,
                   route=finding.route)


def _remove_comment(item: Suppression, source: SourceFile | None) -> Edit | None:
    """The comment's line when it stands alone, else the comment and the blanks before it."""
    if source is None:
        return None
    if item.standalone:
        return Edit(item.path, item.line_span, "")
    start = item.span.start
    while start > item.line_span.start and source.text[start - 1] in " \t":
        start -= 1
    return Edit(item.path, Span(start, item.span.end), "")
