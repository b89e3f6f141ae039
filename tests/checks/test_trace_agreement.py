"""Issue 22 point 4, one model for two uses: the rules about how a name resolves read the resolution
model `cilint trace` prints (facts/resolution, facts/lookup). Each catalog example of those rules names
the host it is about (`trace:`): the rule reports the name in that job exactly where the trace says
the name fails (DNS003: resolves only after wasted queries; DNS013: resolves only where a DNS server
serves the `.local` zone, since containers run no mDNS). An example about something else says why (`trace_exempt:`)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from cilint.engine import run
from cilint.findings import Confidence
from cilint.results import Options
from cilint.trace.model import traced
from tests.checks.test_catalog import CATALOG

# The rules held to the trace so far; the rest of issue 22's list follows (see the issue's note).
AGREEING = ("DNS001", "DNS003", "DNS009", "DNS011", "DNS013", "NET003", "NET005", "NET011")

# What each rule claims of a name: it fails; DNS003, that it costs queries before it resolves.
def _fails(lookups: list) -> bool:
    return any(f.outcome == "fails" for f in lookups)


def _wastes(lookups: list) -> bool:
    return not _fails(lookups) and any(f.wasted for f in lookups)


def _mdns(lookups: list) -> bool:
    return any(f.cause == "mdns" for f in lookups)


CLAIMS = {"DNS003": _wastes, "DNS013": _mdns}

EXAMPLES = [(rule, name, example) for rule in AGREEING for name, example in CATALOG[rule].examples.items()]


def _write(root: Path, files: dict[str, str]) -> None:
    for relative, text in files.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text), encoding="utf-8")


@pytest.mark.parametrize(("rule", "name", "example"), EXAMPLES, ids=[f"{r}-{n}" for r, n, _ in EXAMPLES])
def test_the_rule_reports_a_name_exactly_where_its_trace_fails_or_wastes_queries(tmp_path, rule, name, example):
    assert ("trace" in example) != ("trace_exempt" in example), "say what the example traces, or why it does not"
    if "trace_exempt" in example:
        return
    _write(tmp_path, example["files"])
    spec = example["trace"]
    result = run(Options(paths=(tmp_path,), select=(rule,), confidence=Confidence.LOW))
    reported = {(s.job, s.name) for p in result.projects for f in p.findings for s in f.subjects}
    assert all(f.subjects for p in result.projects for f in p.findings), "each finding names its subjects"
    for host in spec["names"]:
        trace = traced(tmp_path, spec["job"], [host], container=spec.get("container", "build"))
        lookups = [f for n in trace.networks for c in n.containers for f in c.lookups]
        assert lookups, (host, "is looked up in no container")
        bad = CLAIMS.get(rule, _fails)(lookups)
        assert ((spec["job"], host) in reported) == bad, (host, [(f.outcome, f.reason) for f in lookups], reported)
