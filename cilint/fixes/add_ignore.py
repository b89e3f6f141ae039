"""`--add-ignore`: a `# cilint: ignore[...]` comment for every current finding (ruff's `--add-noqa`).

One comment per line that has findings, naming every rule found there; a line that already has a
suppression comment gets the rules added to its brackets. A file whose comments would change what
it means (a comment inside a multi-line scalar, say) is left as it was: after the comments, every
file must parse, and each commented finding must be gone.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from cilint.engine import run
from cilint.findings import Applicability, Edit, Fix, Span
from cilint.fixes.apply import splice
from cilint.fixes.loop import FixOutcome
from cilint.input_rules import SYNTAX_ERROR, UNUSED_SUPPRESSION
from cilint.results import Options, Result
from cilint.source import SourceFile
from cilint.suppress import suppressions


@dataclass(frozen=True, slots=True)
class Added:
    outcome: FixOutcome  # the files to write
    comments: int  # lines that got a comment or more rules in one
    refused: tuple[Path, ...]  # files left as they were: a comment would change what they mean


def add_ignores(options: Options, result: Result, reason: str = "") -> Added:
    edits: dict[Path, list[Edit]] = {}
    texts: dict[Path, SourceFile] = {}
    roots: dict[Path, Path] = {}
    for project in result.projects:
        lines: dict[tuple[str, int], set[str]] = {}
        for finding in project.findings:
            source = project.files.get(finding.path)
            # an unreadable file cannot take a comment, and an unused suppression is fixed, not suppressed
            if finding.rule_id not in (SYNTAX_ERROR, UNUSED_SUPPRESSION) and source is not None \
                    and not Path(finding.path).is_absolute():
                lines.setdefault((finding.path, source.position(finding.location.span.start).line), set()).add(
                    finding.rule_id)
        for (path, line), rules in lines.items():
            source = project.files[path]
            absolute = project.root / path
            texts[absolute], roots[absolute] = source, project.root
            edits.setdefault(absolute, []).append(_comment(source, line, sorted(rules), reason))
    changed: dict[Path, tuple[str, str]] = {}
    for path, file_edits in edits.items():
        keyed = {str(path): texts[path].text}
        changed[path] = (texts[path].text, splice(keyed, [_fix(file_edits, path)])[str(path)])
    counts = {path: len(file_edits) for path, file_edits in edits.items()}
    return _checked(options, result, changed, texts, roots, counts)


def suppression_edit(source: SourceFile, line: int, rules: list[str], reason: str = "") -> Edit:
    """The edit that suppresses `rules` on `line`: a `# cilint: ignore[...]` comment at its end, or the
    rules added to the one already there."""
    return _comment(source, line, rules, reason)


def _comment(source: SourceFile, line: int, rules: list[str], reason: str) -> Edit:
    existing = next((s for s in suppressions(source) if s.line == line and s.codes_span is not None), None)
    if existing is not None:
        missing = [r for r in rules if r not in existing.codes]
        assert existing.codes_span is not None
        written = ", ".join([*existing.written, *missing])
        return Edit(source.path, existing.codes_span, written)
    end = source.offset(line + 1, 1) - 1 if line < source.line_count else len(source.text)
    if source.text[:end].endswith("\r"):
        end -= 1
    return Edit(source.path, Span(end, end), f"  # cilint: ignore[{', '.join(rules)}]" + (f" {reason}" if reason else ""))


def _fix(edits: list[Edit], path: Path) -> Fix:
    return Fix("Add suppression comments", tuple(dataclasses.replace(e, path=str(path)) for e in edits),
               Applicability.SAFE)


def _checked(options: Options, before: Result, changed: dict[Path, tuple[str, str]], texts: dict[Path, SourceFile],
             roots: dict[Path, Path], counts: dict[Path, int]) -> Added:
    """Keep the files whose comments parse and silence what they name."""
    refused: list[Path] = []
    overlay = {**options.overlay, **{str(p): after for p, (_, after) in changed.items()}}
    after = run(dataclasses.replace(options, overlay=overlay))
    broken = {project.root / f.path for project in after.projects for f in project.findings if f.rule_id == SYNTAX_ERROR}
    broken -= {project.root / f.path for project in before.projects for f in project.findings if f.rule_id == SYNTAX_ERROR}
    left = {project.root / f.path for project in after.projects for f in project.findings
            if f.rule_id not in ("CIL005", SYNTAX_ERROR)}
    for path in sorted(set(changed) & (broken | left)):
        refused.append(path)
        del changed[path]
    outcome = FixOutcome(result=after, changed=changed,
                         boms={p: texts[p].bom for p in changed}, roots={p: roots[p] for p in changed})
    return Added(outcome, sum(counts[p] for p in changed), tuple(refused))
