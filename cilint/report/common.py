"""What every machine-readable report needs: positions and stable, unique fingerprints."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from cilint.engine import ProjectResult
from cilint.findings import Finding
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
    span; when two findings would share one (the same text twice in a job), a counter salts it.
    """
    seen: set[str] = set()
    for project in projects:
        files = project.files
        for finding in project.findings:
            source = files.get(finding.path)
            start, end = _positions(finding, source)
            basis = "\x1f".join(
                (finding.rule_id, finding.path, *finding.route, _span_text(finding, source))
            )
            digest = hashlib.sha256(basis.encode("utf-8")).hexdigest()
            salt = 0
            while digest in seen:
                salt += 1
                digest = hashlib.sha256(f"{basis}\x1f{salt}".encode("utf-8")).hexdigest()
            seen.add(digest)
            yield Placed(finding, start, end, digest)


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
