"""`--fix`, `--unsafe-fixes` and `--diff`: apply fixes in rounds until nothing applies.

Each round analyses the files as they would be, splices every applicable fix that does not overlap
an earlier one (a fix touching several files is applied whole or not at all), and checks that every
changed file still parses; a fix that would break a file is dropped and reported. Nothing is written
until the last round; see cilint.filesystem.write_fixed for how files are written.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path

from cilint.engine import run
from cilint.filesystem import Written, write_fixed
from cilint.findings import Fix
from cilint.fixes.apply import applicable, changes_something, splice_report
from cilint.redact import Redactor
from cilint.results import Options, Result
from cilint.source import BOM, SourceFile
from cilint.syntax.embedded import neutralise_templates, scalar_offsets
from cilint.syntax.yaml import parse_yaml

MAX_ROUNDS = 8


@dataclass(eq=False)
class FixOutcome:
    """What a --fix run changed, skipped and dropped, and the analysis of the fixed files."""

    result: Result  # the analysis of the fixed files
    changed: dict[Path, tuple[str, str]] = field(default_factory=dict)  # path -> (before, after) texts
    boms: dict[Path, bool] = field(default_factory=dict)
    roots: dict[Path, Path] = field(default_factory=dict)  # changed file -> its project root
    applied: int = 0
    applied_paths: list[frozenset[Path]] = field(default_factory=list)  # the files of each applied fix
    applied_fixes: list[tuple[str, str, frozenset[Path]]] = field(default_factory=list)  # (rule, title, files)
    skipped: list[str] = field(default_factory=list)  # fixes left for lack of rounds / overlaps
    broken: list[str] = field(default_factory=list)  # fixes dropped because a file would not parse
    idle: list[str] = field(default_factory=list)  # fixes dropped because they would change nothing
    cycling: list[str] = field(default_factory=list)  # fixes that undo each other: none is applied


def fix(options: Options, unsafe: bool) -> FixOutcome:
    overlay: dict[str, str] = dict(options.overlay)  # text read from stdin stays what is fixed
    originals: dict[Path, tuple[str, bool]] = {}
    outcome = FixOutcome(result=run(options))
    rejected: set[tuple[str, str]] = set()
    roots: dict[Path, Path] = {}
    seen: set[frozenset[tuple[str, str]]] = {frozenset()}  # the overlays of earlier rounds
    titles: set[str] = set()  # of the fixes applied so far
    for _ in range(MAX_ROUNDS):
        candidates, texts = _candidates(outcome.result, unsafe, rejected, roots)
        if not candidates:
            break
        keyed = {str(path): source.text for path, source in texts.items()}
        idle = [(key, f) for key, f in candidates if not changes_something(f, keyed)]
        if idle:  # a fix that changes nothing is a bug in its rule: reported, never counted as a fix
            outcome.idle.extend(f.title for _, f in idle)
            rejected.update(key for key, _ in idle)
            candidates = [(key, f) for key, f in candidates if changes_something(f, keyed)]
            if not candidates:
                break
        new_texts, applied, skipped = splice_report(keyed, [f for _, f in candidates])
        broken = [f for f in applied if not _parses(f, new_texts)]
        if broken:
            outcome.broken.extend(f.title for f in broken)
            rejected.update(key for key, f in candidates if any(f is b for b in broken))
            continue
        for key, text in new_texts.items():
            path = Path(key)
            if path not in originals:
                source = texts[path]
                originals[path] = (source.text, source.bom)
            overlay[key] = text
        state = frozenset((key, text) for key, text in overlay.items() if text != originals[Path(key)][0])
        if state in seen:  # back to an earlier state: fixes that undo each other, a bug in their rules
            outcome.cycling = sorted(titles | {f.title for f in applied})
            return FixOutcome(result=run(options), cycling=outcome.cycling, idle=outcome.idle, broken=outcome.broken)
        seen.add(state)
        titles.update(f.title for f in applied)
        outcome.applied += len(applied)
        outcome.applied_paths.extend(frozenset(Path(e.path) for e in f.edits) for f in applied)
        rule_of = {id(f): key[0] for key, f in candidates}
        outcome.applied_fixes.extend((rule_of.get(id(f), "?"), f.title, frozenset(Path(e.path) for e in f.edits))
                                     for f in applied)
        outcome.skipped = [f.title for f in skipped]
        outcome.result = run(dataclasses.replace(options, overlay=dict(overlay)))
    for path, (before, bom) in originals.items():
        after = overlay[str(path)]
        if after != before:
            outcome.changed[path] = (before, after)
            outcome.boms[path] = bom
            outcome.roots[path] = roots[path]
    return outcome


def _candidates(
    result: Result, unsafe: bool, rejected: set[tuple[str, str]], roots: dict[Path, Path]
) -> tuple[list[tuple[tuple[str, str], Fix]], dict[Path, SourceFile]]:
    """The fixes to try this round, keyed by their finding (with absolute paths), and the texts
    they edit; `roots` learns the project root of each edited file."""
    candidates: list[tuple[tuple[str, str], Fix]] = []
    texts: dict[Path, SourceFile] = {}
    for project in result.projects:
        files = project.files
        for finding in project.findings:
            key = (finding.rule_id, finding.message)
            if finding.fix is None or not applicable(finding.fix, unsafe) or key in rejected:
                continue
            candidates.append((key, _absolute(project.root, finding.fix)))
            for edit in finding.fix.edits:
                source = files.get(edit.path)
                if source is not None:
                    texts[project.root / edit.path] = source
                    roots[project.root / edit.path] = project.root
    return candidates, texts


def _absolute(root: Path, fix_: Fix) -> Fix:
    edits = tuple(dataclasses.replace(e, path=str(root / e.path)) for e in fix_.edits)
    return dataclasses.replace(fix_, edits=edits)


def _parses(fix_: Fix, texts: dict[str, str]) -> bool:
    # runner models and the TOML grammar cost ~35M instructions at start-up; only --fix needs them here
    from cilint.loading.runner_files import helm_runner_sections
    from cilint.syntax.toml import parse_toml
    for edit in fix_.edits:
        text = texts.get(edit.path)
        if text is None:
            continue
        source = SourceFile(edit.path, text)
        if edit.path.endswith(".toml"):
            if parse_toml(text, edit.path).problem is not None:
                return False
            continue
        parsed = parse_yaml(source)
        if parsed.problem is not None:
            return False
        for section in helm_runner_sections(parsed.documents[0].root if parsed.documents else None):
            config = section.get("config")
            offsets, _ = scalar_offsets(source, config)  # type: ignore[arg-type]
            if parse_toml(neutralise_templates(config.text).text, edit.path, offsets).problem is not None:  # type: ignore[union-attr]
                return False
    return True


def unified_diff(outcome: FixOutcome, relative_to: Path) -> str:
    """What --fix would change, as a unified diff, with secrets masked (see cilint.redact)."""
    redactor = Redactor.from_environment(os.environ)
    chunks = []
    for path, (before, after) in sorted(outcome.changed.items()):
        try:
            shown = path.relative_to(relative_to).as_posix()
        except ValueError:
            shown = path.as_posix()
        import difflib  # stdlib, a few ms of cold start: only for --diff
        chunks.extend(redactor.line(line) for line in difflib.unified_diff(
            before.splitlines(keepends=True), after.splitlines(keepends=True), f"a/{shown}", f"b/{shown}"))
    return "".join(chunks)


def write(outcome: FixOutcome, options: Options) -> list[Written]:
    """Write every changed file (see cilint.filesystem.write_fixed: only if unchanged since it was
    read; owner, mode, links and BOM kept; symlinks followed inside the project only)."""
    written = []
    outside = frozenset(str(p.resolve()) for p in options.runner_configs)
    for path, (before, after) in outcome.changed.items():
        bom = BOM if outcome.boms.get(path) else ""
        written.append(write_fixed(path, (bom + before).encode("utf-8"), (bom + after).encode("utf-8"),
                                   outcome.roots.get(path, path.parent), outside))
    return written
