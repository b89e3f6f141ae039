"""Issue 23 (speed): the language server reuses, from one analysis to the next, each file's parse and each
pipeline's load while everything it read is the same (cilint/loading/memo.py). An analysis with the
memo must report exactly what a fresh one does, whatever changed in between."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cilint.engine import run
from cilint.loading.memo import LoadMemo
from cilint.results import Options

CORPUS = Path(__file__).resolve().parents[1] / "corpus"

JOB_WITH_A_DESKTOP_HOST = "\nmemo-probe:\n  stage: test\n  script:\n    - curl http://host.docker.internal:8080\n"


def _seen(options: Options, memos: dict[Path, LoadMemo] | None) -> list[tuple[object, ...]]:
    result = run(options, memos)
    return [(p.root, sorted(p.files), [(f.rule_id, f.location, f.message, f.route) for f in p.findings])
            for p in result.projects]


def _same_as_fresh(root: Path, memos: dict[Path, LoadMemo], overlay: dict[str, str] | None = None) -> None:
    options = Options(paths=(root,), overlay=overlay or {})
    assert _seen(options, memos) == _seen(options, None)


@pytest.fixture()
def gitlab(tmp_path: Path) -> Path:
    project = tmp_path / "gitlab"
    shutil.copytree(CORPUS / "gitlabhq__gitlabhq", project)
    return project


def test_every_kind_of_edit_gives_what_a_fresh_analysis_gives(gitlab: Path):
    memos: dict[Path, LoadMemo] = {}
    main = gitlab / ".gitlab-ci.yml"
    included = gitlab / ".gitlab/ci/docs.gitlab-ci.yml"
    assert included.exists()
    _same_as_fresh(gitlab, memos)
    text = main.read_text(encoding="utf-8")
    # unsaved buffers of the main file and of a file it includes
    _same_as_fresh(gitlab, memos, {str(main): text + "\n# typing"})
    _same_as_fresh(gitlab, memos, {str(main): text + JOB_WITH_A_DESKTOP_HOST})
    _same_as_fresh(gitlab, memos, {str(included): included.read_text(encoding="utf-8") + JOB_WITH_A_DESKTOP_HOST})
    _same_as_fresh(gitlab, memos, {str(main): text[: len(text) // 2]})  # half a file: invalid at some point
    # saved: a standalone template edited on disk, an included file deleted
    template = next((gitlab / "lib").rglob("*.gitlab-ci.yml"))
    template.write_text(template.read_text(encoding="utf-8") + JOB_WITH_A_DESKTOP_HOST, encoding="utf-8")
    _same_as_fresh(gitlab, memos)
    included.unlink()
    _same_as_fresh(gitlab, memos)
    # the project's settings change what is analysed
    (gitlab / ".cilint.toml").write_text('exclude = ["lib/"]\nselect = ["DNS", "GLC"]\n', encoding="utf-8")
    _same_as_fresh(gitlab, memos)


def test_a_file_created_under_a_wildcard_include_is_seen(tmp_path: Path):
    (tmp_path / ".gitlab-ci.yml").write_text("include:\n  - local: 'ci/*.yml'\nbuild:\n  script: [make]\n",
                                             encoding="utf-8")
    (tmp_path / "ci").mkdir()
    (tmp_path / "ci" / "a.yml").write_text("a:\n  script: [make]\n", encoding="utf-8")
    memos: dict[Path, LoadMemo] = {}
    _same_as_fresh(tmp_path, memos)
    (tmp_path / "ci" / "b.yml").write_text("b:\n  script:\n    - curl http://host.docker.internal\n", encoding="utf-8")
    before = len(_seen(Options(paths=(tmp_path,)), None)[0][2])
    _same_as_fresh(tmp_path, memos)
    assert any(rule == "DNS001" for rule, *_ in _seen(Options(paths=(tmp_path,)), memos)[0][2]), before


def test_a_missing_include_that_appears_is_read(tmp_path: Path):
    (tmp_path / ".gitlab-ci.yml").write_text("include:\n  - local: extra.yml\nbuild:\n  script: [make]\n",
                                             encoding="utf-8")
    memos: dict[Path, LoadMemo] = {}
    first = _seen(Options(paths=(tmp_path,)), memos)[0][2]
    assert any(rule == "CIL002" for rule, *_ in first)
    (tmp_path / "extra.yml").write_text("extra:\n  script:\n    - curl http://host.docker.internal\n", encoding="utf-8")
    _same_as_fresh(tmp_path, memos)
    assert {rule for rule, *_ in _seen(Options(paths=(tmp_path,)), memos)[0][2]} >= {"DNS001"}


def test_the_memo_keeps_one_analysis_worth(gitlab: Path):
    memos: dict[Path, LoadMemo] = {}
    main = gitlab / ".gitlab-ci.yml"
    text = main.read_text(encoding="utf-8")
    sizes = []
    for edit in range(12):
        run(Options(paths=(gitlab,), overlay={str(main): text + f"\n# {edit}\n"}), memos)
        sizes.append(len(memos[gitlab.resolve()]))
    assert len(set(sizes[1:])) == 1, sizes  # one entry per load and parse, not one per edit
    assert sizes[-1] > 100  # GitLab's ~150 templates and the main pipeline are kept


def test_reused_loads_make_the_next_analysis_cheaper(gitlab: Path):
    """What the memo is for, counted rather than timed: after an edit of the main file, only its own
    pipeline is loaded again (GitLab's ~150 standalone templates are reused)."""
    memos: dict[Path, LoadMemo] = {}
    main = gitlab / ".gitlab-ci.yml"
    text = main.read_text(encoding="utf-8")
    run(Options(paths=(gitlab,)), memos)
    run(Options(paths=(gitlab,), overlay={str(main): text + "\n# typing\n"}), memos)
    memo = memos[gitlab.resolve()]
    assert memo.computed == [("resolve", ".gitlab-ci.yml"), ("build", ".gitlab-ci.yml")], memo.computed
