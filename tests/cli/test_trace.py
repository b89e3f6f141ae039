"""Issue 22: `cilint trace`, how a job's containers resolve names, on the five seed scenarios (golden text
and Mermaid; CILINT_UPDATE_GOLDEN=1 rewrites them) and the outcomes each scenario is about."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cilint.trace.model import traced
from cilint.trace.render import json_text, mermaid_text, text

REPO = Path(__file__).resolve().parents[2]
TRACES = REPO / "tests" / "fixtures" / "trace"
GOLDEN = REPO / "tests" / "golden" / "trace"

# the seed articles' cases: (project, job)
SCENARIOS = {
    "desktop-name": (REPO / "examples" / "seed", "deploy"),  # seed 000: kubernetes.docker.internal
    "dind-dns-vs-pod": (TRACES / "dind-dns-vs-pod", "build"),  # seed 001: --dns on dind, the pod's DNS
    "musl-helper": (TRACES / "musl-helper", "test"),  # seed 002: Alpine's musl and the search list
    "per-build-network": (TRACES / "per-build-network", "integration"),  # seed 003: 127.0.0.11, dind's bridge
    "ndots-external": (TRACES / "ndots-external", "release"),  # seed 004: ndots:5 and an external name
}


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_trace_text_and_mermaid_of_each_seed_scenario(scenario):
    root, job = SCENARIOS[scenario]
    trace = traced(root, job, [])
    for suffix, produced in (("txt", text(trace)), ("mmd", mermaid_text(trace))):
        golden = GOLDEN / f"{scenario}.{suffix}"
        if os.environ.get("CILINT_UPDATE_GOLDEN"):
            golden.parent.mkdir(parents=True, exist_ok=True)
            golden.write_text(produced, encoding="utf-8")
        assert produced == golden.read_text(encoding="utf-8"), golden


def _outcomes(root: Path, job: str) -> dict[tuple[str, str], str]:
    data = json.loads(json_text(traced(root, job, [])))
    return {(c["name"], f["name"]): f["outcome"] for n in data["networks"] for c in n["containers"] for f in c["lookups"]}


def test_each_scenario_shows_what_its_article_is_about():
    assert _outcomes(*SCENARIOS["desktop-name"])[("build", "kubernetes.docker.internal")] == "fails"
    dind = _outcomes(*SCENARIOS["dind-dns-vs-pod"])
    assert dind[("dind-run:docker", "docker")] == "fails"  # the containers dind starts have no service names
    per_build = _outcomes(*SCENARIOS["per-build-network"])
    assert per_build[("build", "db")] == "resolves" and per_build[("dind-run:docker", "db")] == "fails"
    assert _outcomes(*SCENARIOS["musl-helper"])[("helper", "gitlab-webservice-default.gitlab")] == "fails"
    data = json.loads(json_text(traced(*SCENARIOS["ndots-external"], [])))
    build = next(c for c in data["networks"][0]["containers"] if c["name"] == "build")
    github = next(f for f in build["lookups"] if f["name"] == "api.github.com")
    assert github["outcome"] == "resolves" and github["wasted"] == 3


def test_glibc_completes_with_the_search_list_what_musl_does_not():
    root, job = SCENARIOS["musl-helper"]
    found = _outcomes_for(root, job, ["gitlab-webservice-default.gitlab"])
    assert found[("helper", "gitlab-webservice-default.gitlab")] == "fails"
    assert found[("build", "gitlab-webservice-default.gitlab")] == "depends"  # python:3.12 is glibc


def _outcomes_for(root: Path, job: str, names: list[str]) -> dict[tuple[str, str], str]:
    data = json.loads(json_text(traced(root, job, names)))
    return {(c["name"], f["name"]): f["outcome"] for n in data["networks"] for c in n["containers"] for f in c["lookups"]}


def _cilint(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cilint", *args], capture_output=True, text=True, timeout=120)


def test_the_command_line_reports_a_missing_job_or_runner_as_a_usage_error():
    seed = str(REPO / "examples" / "seed")
    done = _cilint("trace", seed, "--job", "deplyo")
    assert done.returncode == 2 and "did you mean `deploy`?" in done.stderr
    done = _cilint("trace", seed, "--job", "deploy", "--runner", "nope")
    assert done.returncode == 2 and "no runner `nope`" in done.stderr
    done = _cilint("trace", seed, "--job", "deploy", "kubernetes.docker.internal", "--format", "json")
    assert done.returncode == 0 and json.loads(done.stdout)["job"] == "deploy"
    lookups = [f["name"] for n in json.loads(done.stdout)["networks"] for c in n["containers"] for f in c["lookups"]]
    assert set(lookups) == {"kubernetes.docker.internal"}  # the path is not taken for a name


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_the_mermaid_output_renders(scenario, tmp_path):
    """Rendered to SVG by the Mermaid CLI with a headless Chromium, as GitLab renders a mermaid block:
    a syntax error fails the render; every container and every name is in the picture."""
    from tests.support.mermaid import render_svg

    fenced = (GOLDEN / f"{scenario}.mmd").read_text(encoding="utf-8")
    lines = fenced.splitlines()
    assert lines[0] == "```mermaid" and lines[-1] == "```"
    svg = render_svg("\n".join(lines[1:-1]) + "\n", tmp_path / f"{scenario}.svg")
    assert svg.startswith("<svg") and "Syntax error" not in svg
    trace = traced(*SCENARIOS[scenario], [])
    for network in trace.networks:
        for container in network.containers:
            assert container.container.name in svg
            for found in container.lookups:
                assert found.name in svg


def test_check_trace_and_merge_request_comments_show_the_lookup_of_a_findings_name():
    """`check --trace` puts the lookup under the finding (text); `mr-comment --trace` attaches it as a
    Mermaid diagram in a collapsed block of the discussion."""
    from cilint.engine import run
    from cilint.mr_comments import comments
    from cilint.results import Options
    from cilint.trace.explain import add_traces

    seed = REPO / "examples" / "seed"
    done = _cilint("check", str(seed), "--select", "DNS001", "--trace")
    assert "trace: `kubernetes.docker.internal` in build on an unknown runner: fails" in done.stdout
    assert "kubernetes.docker.internal -> the runner host's nameservers: NXDOMAIN" in done.stdout
    result = run(Options(paths=(seed,), select=("DNS001",)))
    add_traces(result.projects, mermaid=True)
    project = result.projects[0]
    changed = {project.shown(f.path, repository=True): set(range(1, 200)) for f in project.findings}
    bodies = [c.body for c in comments(result.projects, changed, unsafe=False)]
    assert bodies and all("```mermaid" in b and "<details><summary>How the job resolves `kubernetes.docker.internal`" in b
                          for b in bodies)


def _lookup(tmp_path: Path, files: dict[str, str], job: str, name: str, container: str):
    for relative, content in files.items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(content, encoding="utf-8")
    trace = traced(tmp_path, job, [name], container=container)
    return [f for n in trace.networks for c in n.containers for f in c.lookups]


def test_a_resolv_conf_written_by_the_script_replaces_the_pods(tmp_path):
    found = _lookup(tmp_path, {
        ".gitlab-ci.yml": 'test:\n  before_script:\n    - echo "nameserver 127.0.0.11" > /etc/resolv.conf\n'
                          "  script:\n    - make test\n",
        ".cilint.toml": 'executor = "kubernetes"\n'}, "test", "gitlab.com", "build")
    assert [(f.outcome, f.cause) for f in found] == [("fails", "no-embedded")]
    assert found[0].queries[0].server == "127.0.0.11" and found[0].queries[0].expected == "no answer"


def test_the_containers_dind_starts_on_a_per_build_network_ask_public_resolvers(tmp_path):
    files = {".gitlab-ci.yml": "build:\n  services:\n    - docker:24.0.5-dind\n  script:\n    - docker build .\n",
             "config.toml": '[[runners]]\n  name = "docker"\n  executor = "docker"\n'
                            "  [runners.feature_flags]\n    FF_NETWORK_PER_BUILD = true\n"}
    internal = _lookup(tmp_path, files, "build", "registry.corp.internal", "dind-run:docker")
    assert [(f.outcome, f.cause) for f in internal] == [("fails", "public-only")]
    public = _lookup(tmp_path, files, "build", "gitlab.com", "dind-run:docker")
    assert [f.outcome for f in public] == ["resolves"]


def test_127_0_0_11_beside_a_real_server_costs_a_timeout_note(tmp_path):
    files = {".gitlab-ci.yml": "build:\n  services:\n    - name: docker:24.0.5-dind\n"
                               '      command: ["--dns=127.0.0.11", "--dns=1.1.1.1"]\n  script:\n    - docker build .\n'}
    found = _lookup(tmp_path, files, "build", "gitlab.com", "dind-run:docker")
    assert [f.outcome for f in found] == ["resolves"]
    assert any("times out before the next server" in note for f in found for note in f.notes)


def test_musl_with_internal_and_public_servers_fails_internal_names_at_random(tmp_path):
    files = {".gitlab-ci.yml": "test:\n  image: alpine:3.20\n  script:\n    - wget http://git.corp.internal/x\n",
             "config.toml": '[[runners]]\n  name = "vpn"\n  executor = "docker"\n  [runners.docker]\n'
                            '    dns = ["10.8.0.1", "8.8.8.8"]\n'}
    assert [(f.outcome, f.cause) for f in _lookup(tmp_path, files, "test", "git.corp.internal", "build")] == [
        ("fails", "musl-race")]
    assert [f.outcome for f in _lookup(tmp_path, files, "test", "gitlab.com", "build")] == ["resolves"]
    (tmp_path / ".gitlab-ci.yml").write_text(
        "test:\n  image: debian:12\n  script:\n    - wget http://git.corp.internal/x\n", encoding="utf-8")
    assert [f.outcome for f in _lookup(tmp_path, {}, "test", "git.corp.internal", "build")] == ["depends"]  # glibc: in order
