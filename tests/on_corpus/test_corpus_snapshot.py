"""The reviewed snapshot of the DNS and NET rules' findings on the corpus (tests/corpus).

Every finding has a verdict in tests/corpus_findings.tsv, read by a person. A change in what the rules
report on real projects fails here until the snapshot is reviewed and updated.
"""

from __future__ import annotations

from pathlib import Path

from cilint.engine import run
from cilint.results import Options
from cilint.report.common import placed
from tests.conftest import CORPUS, REPO

SNAPSHOT = REPO / "tests" / "corpus_findings.tsv"


def current() -> list[tuple[str, str, str]]:
    projects = tuple(sorted(p for p in CORPUS.iterdir() if p.is_dir()))
    result = run(Options(paths=projects, select=("DNS", "NET")))
    rows = []
    for project in result.projects:
        for item in placed([project]):
            f = item.finding
            rows.append((f.rule_id, f.severity.label, f"{project.root.name}/{f.path}:{item.start.line}:{item.start.column}"))
    return rows


def reviewed() -> list[tuple[str, str, str, str]]:
    rows = []
    for line in Path(SNAPSHOT).read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            rule, severity, where, verdict = line.split("\t")
            rows.append((rule, severity, where, verdict))
    return rows


def test_snapshot_matches_and_every_finding_is_reviewed(summary):
    snapshot = reviewed()
    assert sorted(r[:3] for r in snapshot) == sorted(current())
    assert all(not verdict.startswith("UNREVIEWED") for *_, verdict in snapshot)
    counts: dict[str, list[int]] = {}
    for rule, _, _, verdict in snapshot:
        counts.setdefault(rule, [0, 0])[0] += 1
        counts[rule][1] += verdict.startswith("FP")
    summary.append("corpus DNS/NET findings (total/judged false): " + ", ".join(
        f"{rule} {n}/{fp}" for rule, (n, fp) in sorted(counts.items())))
