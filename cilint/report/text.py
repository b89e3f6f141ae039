"""`path:line:col: ID [severity] statement`, the source line with a caret, `why:` and `fix:` lines,
the related places, the automatic fix, the rule's page, and a summary."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Sequence

from cilint.catalog import rule_name
from cilint.findings import Applicability, Confidence, Finding
from cilint.redact import Redactor
from cilint.report.common import docs_link, excerpt
from cilint.results import ProjectResult
from cilint.source import SourceFile

_COLOURS = {"blocker": "31;1", "critical": "31", "major": "33", "minor": "36", "info": "34"}


def use_colour(stream_is_tty: bool) -> bool:
    """Colours on a terminal; `NO_COLOR` turns them off, `FORCE_COLOR` on where there is no terminal
    (a CI job log), as in https://no-color.org and https://force-color.org."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR", "0") not in ("", "0"):
        return True
    return stream_is_tty and os.environ.get("TERM") != "dumb"


def render(projects: Sequence[ProjectResult], colour: bool = False, redactor: Redactor | None = None,
           quiet: bool = False) -> str:
    """Every finding; then, unless `quiet`, the summary (counts, fixes, what was hidden)."""
    redactor = redactor or Redactor.from_environment(os.environ)
    lines: list[str] = []
    many = len(projects) > 1
    total: Counter[str] = Counter()
    for project in projects:
        if many:
            lines.append(f"== {_shown_root(project)} ==")
        files = project.files
        for finding in project.findings:
            lines.extend(_finding_lines(finding, project, colour, redactor))
            total[finding.rule_id] += 1
    count = sum(total.values())
    hidden = sum(p.hidden for p in projects)
    if quiet:
        return "\n".join(lines) + "\n" if lines else ""
    if count == 0:
        lines.append("No findings.")
    else:
        per_rule = ", ".join(f"{rule}: {n}" for rule, n in sorted(total.items()))
        fixable = sum(1 for p in projects for f in p.findings if f.fix and f.fix.applicability is Applicability.SAFE)
        unsafe = sum(1 for p in projects for f in p.findings if f.fix and f.fix.applicability is Applicability.UNSAFE)
        lines.append(f"Found {count} finding{'s' if count != 1 else ''} ({per_rule}).")
        hidden_fixes = f"{unsafe} hidden fix{'es' if unsafe != 1 else ''} can be enabled with --unsafe-fixes"
        if fixable:
            lines.append(f"[*] {fixable} fixable with --fix" + (f" ({hidden_fixes})" if unsafe else "") + ".")
        elif unsafe:
            lines.append(f"No fixes available with --fix ({hidden_fixes}).")
    baselined = sum(p.baselined for p in projects)
    if baselined:
        lines.append(f"{baselined} finding{'s' if baselined != 1 else ''} in the baseline not shown.")
    if hidden:
        lines.append(f"{hidden} more finding{'s' if hidden != 1 else ''} of lower confidence hidden: they rest on what "
                     "cilint cannot see (the runner's network, CI/CD settings); --confidence low shows them.")
    return "\n".join(lines) + "\n"


def statistics(projects: Sequence[ProjectResult]) -> str:
    counts: Counter[str] = Counter()
    fixable: Counter[str] = Counter()
    for project in projects:
        for finding in project.findings:
            counts[finding.rule_id] += 1
            if finding.fix and finding.fix.applicability is Applicability.SAFE:
                fixable[finding.rule_id] += 1
    rows = [f"{n:>5}  {rule:<7} {rule_name(rule) or '':<28} {'[*] ' + str(fixable[rule]) + ' fixable' if fixable[rule] else ''}".rstrip()
            for rule, n in counts.most_common()]
    return "\n".join(rows) + ("\n" if rows else "No findings.\n")


def _shown_root(project: ProjectResult) -> str:
    try:
        return project.root.relative_to(os.getcwd()).as_posix() or "."
    except ValueError:
        return project.root.as_posix()


def _paint(text: str, code: str, colour: bool) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if colour else text


def _finding_lines(
    finding: Finding, project: ProjectResult, colour: bool, redactor: Redactor
) -> list[str]:
    files = project.files
    severity = finding.severity.label
    grade = severity if finding.confidence is Confidence.HIGH else f"{severity}, {finding.confidence.label} confidence"
    source = files.get(finding.path)
    message = redactor.text(finding.message)
    if source is None:
        return [f"{project.shown(finding.path)}:1:1: {finding.rule_id} [{grade}] {message}",
                *_explanation(finding, project, redactor)]
    span = finding.location.span
    start = source.position(span.start)
    mark = " [*]" if finding.fix and finding.fix.applicability is Applicability.SAFE else ""  # ruff's: --fix fixes it
    head = (
        f"{_paint(project.shown(finding.path), '1', colour)}:{start.line}:{start.column}: "
        f"{_paint(finding.rule_id, _COLOURS[severity], colour)}{mark} [{grade}] {message}"
    )
    shown = excerpt(source, span.start, span.end, redactor)
    gutter = str(start.line)
    carets = "^" * max(1, shown.caret_end - shown.caret_start)
    return [head, f"  {gutter} | {shown.text}", f"  {' ' * len(gutter)} | {' ' * shown.caret_start}{carets}",
            *_explanation(finding, project, redactor)]


def _explanation(
    finding: Finding, project: ProjectResult, redactor: Redactor
) -> list[str]:
    """The lines under the excerpt: why it matters, what to change, the related places, what `--fix`
    would do and the rule's page."""
    out = []
    if finding.why:
        out.append(f"  why: {redactor.text(finding.why)}")
    if finding.remedy:
        out.append(f"  fix: {redactor.text(finding.remedy)}")
    for related in finding.related:
        other = project.files.get(related.location.path)
        place = project.shown(related.location.path)
        if other is not None:
            where = other.position(related.location.span.start)
            place = f"{place}:{where.line}:{where.column}"
        out.append(f"  note: {place}: {redactor.text(related.message)}")
    if finding.fix is not None:
        out.append(f"  {'autofix' if finding.fix.applicability is not Applicability.DISPLAY_ONLY else 'suggestion'} "
                   f"({finding.fix.applicability.value}): {redactor.text(finding.fix.title)}")
    link = docs_link(project.docs_url, finding.rule_id)
    if link:
        out.append(f"  docs: {link}")
    out.extend(f"  {redactor.text(line)}" for line in project.traces.get(id(finding), ()))
    return out
