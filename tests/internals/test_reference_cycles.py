"""The `cilint` process runs with the cyclic garbage collector off (`cli.console`: a pass over the many
small objects of a model costs more than it frees), so whatever a run builds must be freed by reference
counting alone: a reference cycle would keep its project's texts and nodes alive until the end of a
run over many roots. These tests run the paths that once made cycles and count what only the cyclic
collector can free."""

from __future__ import annotations

import gc
import textwrap
from pathlib import Path
from types import FrameType

from cilint.engine import run
from cilint.results import Options

PIPELINE = """\
variables:
  REGISTRY: registry.example.com
  IMAGE: $REGISTRY/app:${CI_COMMIT_SHA}
build:
  image: docker:27.3.1
  services: [postgres:15, "docker:27.3.1-dind"]
  script:
    - curl -fsS https://$REGISTRY/v2/ && echo "ok ✓"
    - docker build -t "$IMAGE" .
"""

RUNNER_CONFIG = """\
concurrent = 4

[[runners]]
  name = "k8s — café"
  url = "https://gitlab.example.com"
  executor = "kubernetes"
  [runners.kubernetes]
    namespace = "ci"
    [runners.kubernetes.dns_config]
      nameservers = ["10.96.0.10"]
      searches = ["ci.svc.cluster.local", "svc.cluster.local", "cluster.local"]
      [[runners.kubernetes.dns_config.options]]
        name = "ndots"
        value = "5"
"""


def unreachable_after(paths: tuple[Path, ...]) -> list[str]:
    """Types of the objects that only the cyclic collector could free after a run over `paths`, among
    those that hold a project's data: cilint's own objects, ruamel's nodes, and frames (a frame holds
    its function's locals). ruamel's pure-Python loader, the fallback for a file the C parser rejects,
    leaves a few cycles of its own (its parts refer to each other); those hold no text once composing
    ends, and are not counted."""
    gc.collect()
    flags = gc.get_debug()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        result = run(Options(paths=paths))
        assert result.projects
        del result
        gc.collect()
        return sorted({type(o).__qualname__ for o in gc.garbage if _holds_project_data(o)})
    finally:
        gc.set_debug(flags)
        gc.garbage.clear()


def _holds_project_data(thing: object) -> bool:
    module = type(thing).__module__
    return module.startswith(("cilint", "tests")) or module == "ruamel.yaml.nodes" or isinstance(thing, FrameType)


def test_a_run_leaves_no_reference_cycles(tmp_path: Path) -> None:
    (tmp_path / ".gitlab-ci.yml").write_text(PIPELINE + "include: ci/broken.yml\n", encoding="utf-8")
    (tmp_path / "ci").mkdir()
    # unreadable by both parsers: the C parser's error is kept and reported
    (tmp_path / "ci" / "broken.yml").write_text("job: [unclosed\n  script: x\n", encoding="utf-8")
    (tmp_path / "runner").mkdir()
    (tmp_path / "runner" / "config.toml").write_text(RUNNER_CONFIG, encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / ".gitignore").write_text("*.tmp\n", encoding="utf-8")

    result = run(Options(paths=(tmp_path,)))
    rules = {f.rule_id for f in result.findings}
    assert {"CIL001", "DNS003"} <= rules  # the paths above were taken: a syntax error, a k8s runner
    del result

    assert unreachable_after((tmp_path,)) == []


def test_a_run_over_corpus_projects_leaves_no_reference_cycles(corpus: Path) -> None:
    projects = tuple(corpus / name for name in ("gitlabhq__gitlab-runner", "integratop__gitlab-org-charts-mirror"))
    assert unreachable_after(projects) == []


def test_the_checker_sees_a_cycle(tmp_path: Path) -> None:
    """The measure above can fail: a cycle made during the run is counted."""
    import cilint.engine as engine

    class Node:
        def __init__(self) -> None:
            self.me = self

    original = engine.apply_suppressions

    def with_a_cycle(*args, **kwargs):  # type: ignore[no-untyped-def]
        Node()
        return original(*args, **kwargs)

    (tmp_path / ".gitlab-ci.yml").write_text(textwrap.dedent("""\
        job:
          script: [make]
        """), encoding="utf-8")
    engine.apply_suppressions = with_a_cycle
    try:
        assert [name.rsplit(".", 1)[-1] for name in unreachable_after((tmp_path,))] == ["Node"]
    finally:
        engine.apply_suppressions = original
