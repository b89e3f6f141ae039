"""Issue 22 point 4, one model for two uses: the rules about how a name resolves read the resolution
model `cilint trace` prints (facts/resolution, facts/lookup). Each catalog example of those rules names
the host it is about (`trace:`, in a job or, for a runner's own names, in its helper): the rule reports
the name exactly where the trace says it fails for the cause the rule is about (DNS003: resolves only
after wasted queries; DNS013: resolves only where a DNS server serves the `.local` zone). An example about something else says why (`trace_exempt:`)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from cilint.engine import run
from cilint.findings import Confidence, Severity
from cilint.results import Options
from cilint.trace.model import traced
from tests.checks.test_catalog import CATALOG

# What each rule claims of a name, as the trace's outcome and cause.
def _fails_for(*causes: str):  # noqa: ANN202
    def claim(lookups: list) -> bool:
        return any(f.outcome == "fails" and f.cause in causes for f in lookups)
    return claim


def _wastes(lookups: list) -> bool:
    return not any(f.outcome == "fails" for f in lookups) and any(f.wasted for f in lookups)


def _mdns(lookups: list) -> bool:
    return any(f.cause == "mdns" for f in lookups)


CLAIMS = {
    "DNS001": _fails_for("desktop-only"),
    "DNS003": _wastes,
    "DNS007": _fails_for("no-embedded", "public-only"),
    "DNS008": lambda lookups: any(f.cause in ("musl-race", "mixed-views") for f in lookups),
    "DNS009": _fails_for("musl-search"),
    "DNS011": _fails_for("nxdomain", "public-only"),
    "DNS012": _fails_for("musl-truncated"),
    "DNS013": _mdns,
    "NET003": _fails_for("nxdomain"),
    "NET005": _fails_for("service-names"),
    "NET011": _fails_for("service-names"),
}

# Rules about a resolver setting rather than a name: any name looked up in the container shows it, and
# the rule reports the setting exactly where the trace shows its effect.
SETTING_CLAIMS = {
    "DNS002": lambda lookups: any(note.startswith("dind's `--dns`") for f in lookups for note in f.notes),
    "DNS010": lambda lookups: any(note.startswith("musl ignores") for f in lookups for note in f.notes),
    "NET004": lambda lookups: any(f.cause in ("pod-refused", "dropped-name") or any(
        "is not a DNS-1123 name" in note for note in f.notes) for f in lookups),
}

# The rules held to the trace so far; the rest of issue 22's list follows (see the issue's note).
AGREEING = (*CLAIMS, *SETTING_CLAIMS)
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
    reported = {(s.job or f"runner:{s.runner}", s.name) for p in result.projects for f in p.findings for s in f.subjects}
    # a finding names the names it says fail; only advice (info: an old image no used name suffers from) names none
    assert rule in SETTING_CLAIMS or all(f.subjects or f.severity is Severity.INFO
                                         for p in result.projects for f in p.findings)
    who = spec.get("job") or f"runner:{spec['runner']}"
    for host in spec["names"]:
        if "job" in spec:
            trace = traced(tmp_path, spec["job"], [host], container=spec.get("container", "build"))
        else:  # the runner's own lookup (its GitLab URL), in the helper
            trace = traced(tmp_path, "", [host], runner=spec["runner"], container=spec.get("container", "helper"))
        lookups = [f for n in trace.networks for c in n.containers for f in c.lookups]
        assert lookups, (host, "is looked up in no container")
        if rule in SETTING_CLAIMS:
            found = any(p.findings for p in result.projects)
            assert found == SETTING_CLAIMS[rule](lookups), (host, [f.notes for f in lookups])
            continue
        bad = CLAIMS[rule](lookups)
        assert ((who, host) in reported) == bad, (host, [(f.outcome, f.reason) for f in lookups], reported)
