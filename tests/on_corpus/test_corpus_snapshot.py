"""The reviewed snapshot of the DNS and NET rules' findings on the corpus (tests/corpus).

Every finding has a verdict in tests/corpus_findings.tsv, read by a person. A change in what the rules
report on real projects fails here until the snapshot is reviewed and updated.
"""

from __future__ import annotations

from pathlib import Path

from cilint.engine import run
from cilint.findings import Confidence
from cilint.results import Options
from cilint.report.common import placed
from tests.conftest import CORPUS, REPO

SNAPSHOT = REPO / "tests" / "corpus_findings.tsv"


def current() -> list[tuple[str, str, str, str]]:
    """(rule, severity, confidence, place) of every DNS/NET finding on the corpus, at any confidence."""
    projects = tuple(sorted(p for p in CORPUS.iterdir() if p.is_dir()))
    result = run(Options(paths=projects, select=("DNS", "NET"), confidence=Confidence.LOW))
    rows = []
    for project in result.projects:
        for item in placed([project]):
            f = item.finding
            rows.append((f.rule_id, f.severity.label, f.confidence.label,
                         f"{project.root.name}/{f.path}:{item.start.line}:{item.start.column}"))
    return rows


def reviewed() -> list[tuple[str, str, str, str, str]]:
    rows = []
    for line in Path(SNAPSHOT).read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            rule, severity, confidence, where, verdict = line.split("\t")
            rows.append((rule, severity, confidence, where, verdict))
    return rows


def test_snapshot_matches_and_every_finding_is_reviewed(summary):
    snapshot = reviewed()
    assert sorted(r[:4] for r in snapshot) == sorted(current())
    assert all(not verdict.startswith("UNREVIEWED") for *_, verdict in snapshot)
    counts: dict[str, dict[str, int]] = {}
    for rule, _, confidence, _, verdict in snapshot:
        row = counts.setdefault(rule, {"total": 0, "FP": 0, "high": 0, "medium": 0, "low": 0})
        row["total"] += 1
        row["FP"] += verdict.startswith("FP")
        row[confidence] += 1
    summary.append("corpus DNS/NET findings (total/judged false; high/medium/low confidence): " + ", ".join(
        f"{rule} {c['total']}/{c['FP']} ({c['high']}/{c['medium']}/{c['low']})" for rule, c in sorted(counts.items())))


def test_default_output_hides_what_rests_on_the_unseen_and_says_so():
    """Issue 19: by default no finding rests only on what cilint cannot see (low confidence), and the
    report says how many it hid and how to show them."""
    from cilint.report import text

    projects = tuple(sorted(p for p in CORPUS.iterdir() if p.is_dir()))
    result = run(Options(paths=projects, select=("DNS", "NET")))
    assert all(f.confidence >= Confidence.MEDIUM for f in result.findings)
    low = sum(1 for row in reviewed() if row[2] == "low")
    assert low > 0 and result.hidden == low
    assert f"{low} more findings of lower confidence hidden" in text.render(result.projects)
