"""Implementation guards, apart from the behaviour tests: what a run imports and reads, and how often.
A failure here is a cost, not a wrong result."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.syntax.test_yaml_layer import parse


def test_select_by_id_does_not_read_the_catalog(tmp_path):
    """`--select`/`--ignore` by id or prefix match without the catalog; a name needs it."""
    from cilint import catalog
    from cilint.engine import run
    from cilint.results import Options

    (tmp_path / ".gitlab-ci.yml").write_text("job:\n  script: [curl -k https://kubernetes.docker.internal:6443]\n",
                                             encoding="utf-8")
    catalog.load_catalog.cache_clear()
    catalog.rule_meta.cache_clear()
    result = run(Options(paths=(tmp_path,), select=("DNS",), ignore=("DNS004",)))
    assert {f.rule_id for f in result.findings} == {"DNS001"}
    assert catalog.load_catalog.cache_info().currsize == 0 and catalog.rule_meta.cache_info().currsize == 0
    result = run(Options(paths=(tmp_path,), ignore=("desktop-only-hostname",)))
    assert "DNS001" not in {f.rule_id for f in result.findings}
    assert catalog.rule_meta.cache_info().currsize > 0


def _loaded(root) -> str:  # type: ignore[no-untyped-def]
    code = (
        "import sys; from cilint.cli import main; sys.argv=['cilint','check','.'];\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "bad=[m for m in ('gitlab','jsonschema') if m in sys.modules]\n"
        "sys.stderr.write('LOADED=' + ','.join(bad))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=60)
    assert "LOADED=" in proc.stderr, proc.stderr
    return proc.stderr.strip().rsplit("LOADED=", 1)[1]


def test_plain_check_imports_jsonschema_only_to_explain_a_schema_error_and_never_gitlab(project, tmp_path_factory):
    """python-gitlab only with --gitlab-url; jsonschema (~45 ms cold) only when the quick reading of
    GitLab's schema rejects a value and GLC001 needs the details, never for a valid pipeline."""
    root = project({".gitlab-ci.yml": "j:\n  script: x\n"})
    assert _loaded(root) == ""
    invalid = tmp_path_factory.mktemp("invalid")
    (invalid / ".gitlab-ci.yml").write_text("j:\n  scirpt: x\n  tags: docker\n")
    assert _loaded(invalid) == "jsonschema"


def test_fast_path_does_not_import_typer(tmp_path: Path):
    import subprocess
    import sys

    (tmp_path / ".gitlab-ci.yml").write_text("j:\n  script: x\n")
    code = (
        "import sys; from cilint.cli import main; sys.argv=['cilint','check','.'];\n"
        "try:\n    main()\nexcept SystemExit as e:\n    code = e.code\n"
        "sys.stderr.write(f'EXIT={code} TYPER={\"typer\" in sys.modules} CLICK={\"click\" in sys.modules}')\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert proc.stderr.strip().endswith("EXIT=0 TYPER=False CLICK=False"), proc.stderr
    assert "No findings." in proc.stdout


def test_flow_colons_cost_one_more_read_however_many(monkeypatch):
    """On the first rejected colon every colon inside a plain scalar is hidden: one more C read,
    not one per colon."""
    from cilint.syntax import yaml as layer

    reads = []
    original = layer._compose_c
    monkeypatch.setattr(layer, "_compose_c", lambda text: reads.append(text) or original(text))
    text = "".join(f"job{i}:\n  needs: [build:{i}, lint:{i}]\n  image: postgres:{i}\n" for i in range(30))
    _, parsed = parse(text)
    assert parsed.problem is None and len(reads) == 2
    assert [i.text for i in parsed.documents[0].root.get("job7").get("needs").items] == ["build:7", "lint:7"]
    assert parsed.documents[0].root.get("job7").get("image").text == "postgres:7"
