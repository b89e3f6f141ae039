"""Issue 23 on real projects: for every corpus project, an analysis that reuses the last one's loads
(the language server's memo) after an edit of the main file, and after an edit of a file it includes,
reports exactly what a fresh analysis of the edited project reports."""

from __future__ import annotations

from pathlib import Path

from cilint.engine import run
from cilint.loading.memo import LoadMemo
from cilint.results import Options
from tests.conftest import CORPUS

PROBE = "\nmemo-probe:\n  script:\n    - curl http://host.docker.internal\n"


def _seen(options: Options, memos: dict[Path, LoadMemo] | None) -> list[tuple[object, ...]]:
    return [(p.root, sorted(p.files), [(f.rule_id, f.location, f.message, f.route) for f in p.findings])
            for p in run(options, memos).projects]


def test_reused_loads_report_what_a_fresh_analysis_reports_on_every_project():
    edited = 0
    for root in sorted(p for p in CORPUS.iterdir() if p.is_dir()):
        memos: dict[Path, LoadMemo] = {}
        first = run(Options(paths=(root,)), memos).projects
        files = sorted(f for p in first for f in p.files if f.endswith((".yml", ".yaml")))
        main = ".gitlab-ci.yml" if ".gitlab-ci.yml" in files else (files[0] if files else None)
        if main is None:
            continue
        others = [f for f in files if f != main]
        for target in [main, *others[:1]]:
            path = root / target
            overlay = {str(path): path.read_text(encoding="utf-8", errors="replace") + PROBE}
            options = Options(paths=(root,), overlay=overlay)
            assert _seen(options, memos) == _seen(options, None), (root.name, target)
            edited += 1
    assert edited >= 200, edited
