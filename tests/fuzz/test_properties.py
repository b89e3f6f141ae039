"""Properties that hold for any input: cilint never raises, every report is valid and its
fingerprints unique, and --fix is parseable and idempotent.

A few hundred generated projects run in the normal suite; CILINT_FUZZ_EXAMPLES raises the number
(for example CILINT_FUZZ_EXAMPLES=5000 for a long run). hypothesis keeps the failures it finds in
.hypothesis/ and replays them first.
"""

from __future__ import annotations

import json
import os
import tempfile
from importlib import resources
from pathlib import Path

import jsonschema
from hypothesis import HealthCheck, given, settings

from cilint.engine import run
from cilint.results import Options
from cilint.fixes import loop
from cilint.report import codequality, json_report, sarif, text
from tests.conftest import REPO
from tests.fuzz.generators import project

EXAMPLES = int(os.environ.get("CILINT_FUZZ_EXAMPLES", "150"))
CODEQUALITY = jsonschema.Draft7Validator(
    json.loads(resources.files("cilint.schemas").joinpath("codequality.json").read_text()))
SARIF = jsonschema.Draft4Validator(json.loads((REPO / "tests" / "data" / "sarif-schema-2.1.0.json").read_text()))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize="CI" in os.environ,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def write(root: Path, files: dict[str, str]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode("utf-8"))


def check_reports(projects) -> None:  # type: ignore[no-untyped-def]
    text.render(projects)
    data = json.loads(codequality.render(projects))
    CODEQUALITY.validate(data)
    assert len({e["fingerprint"] for e in data}) == len(data)
    SARIF.validate(json.loads(sarif.render(projects)))
    findings = json.loads(json_report.render(projects))["findings"]
    assert len({f["fingerprint"] for f in findings}) == len(findings)
    for finding in findings:
        assert finding["start"]["line"] >= 1 and finding["start"]["column"] >= 1


@SETTINGS
@given(project())
def test_any_project_gives_valid_reports_and_converging_fixes(files: dict[str, str]) -> None:
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        write(root, files)
        options = Options(paths=(root,))
        check_reports(run(options).projects)
        first = loop.fix(options, unsafe=True)
        assert first.broken == [] and first.idle == [], (first.broken, first.idle)
        assert all(w.written for w in loop.write(first, options))
        check_reports(first.result.projects)
        second = loop.fix(options, unsafe=True)
        assert second.changed == {} and second.applied == 0, {str(p): v[1] for p, v in second.changed.items()}
