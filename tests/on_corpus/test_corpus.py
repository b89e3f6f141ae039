"""Every real project of the corpus (tests/corpus) is analysed without a crash, and includes resolve."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from cilint.engine import run
from cilint.results import Options
from cilint.loading.load import load_config, load_project
from cilint.loading.workspace import Workspace
from tests.conftest import CORPUS

PROJECTS = sorted(p for p in CORPUS.iterdir() if p.is_dir()) if CORPUS.is_dir() else []


def test_corpus_is_present():
    assert len(PROJECTS) > 100


def test_whole_corpus_in_one_process_without_crash():
    result = run(Options(paths=tuple(PROJECTS)))
    assert len(result.projects) == len(PROJECTS)
    models = [load_project(root, None, load_config(Workspace(root)), []) for root in PROJECTS]
    pipelines = sum(len(m.pipelines) for m in models)
    runner_configs = sum(len(m.runner_configs) for m in models)
    assert pipelines >= 86 and runner_configs >= 95
    # Every reported location is inside a file that exists in the project, and the variants of a
    # pipeline (20 corpus pipelines have several) never report one rule twice at one place.
    for project in result.projects:
        for finding in project.findings:
            assert (project.root / finding.path).is_file(), finding
        places = [(f.rule_id, f.path, f.location.span) for f in project.findings]
        assert len(places) == len(set(places)), project.root.name


@pytest.mark.parametrize("name", ["gitlabhq__gitlabhq", "24HeuresINSA__Overbookd"])
def test_cli_on_large_real_pipelines(name):
    proc = subprocess.run(
        [sys.executable, "-m", "cilint", "check", "--format", "codequality", "--exit-zero", "."],
        cwd=CORPUS / name, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert all(isinstance(e["location"]["lines"]["begin"], int) for e in report)
    assert len({e["fingerprint"] for e in report}) == len(report)


def test_gitlab_pipeline_model_is_complete():
    from cilint.models.settings import ProjectConfig
    from cilint.loading.load import load_project

    project = load_project(CORPUS / "gitlabhq__gitlabhq", None, ProjectConfig(), [])
    main = next(p for p in project.pipelines if p.path == ".gitlab-ci.yml")
    assert len(main.files) == 17  # the main file and its 16 local includes
    assert len(main.jobs) == 98  # counted independently from the files


# File name suffixes that are no top-level domain (`.sh`, `.py`, `.md`, `.zip` are ones).
_FILE_SUFFIXES = {"gz", "tgz", "tar", "json", "yaml", "yml", "txt", "jar", "war", "deb", "rpm", "xml", "toml",
                  "conf", "cfg", "ini", "lock", "log", "pem", "crt", "whl", "sql"}


def test_no_finding_lists_a_non_host_as_a_host():
    """Issue 19 point 6: versions (`3.12`) and file names (`terraform-config.tar.gz`) are not hosts."""
    import ipaddress
    import re

    result = run(Options(paths=tuple(PROJECTS), select=("DNS",)))
    listed = {name for project in result.projects for f in project.findings
              for part in re.findall(r"makes (.*?) walk the cluster", f.message) for name in re.findall(r"`([^`]+)`", part)}
    assert len(listed) > 20
    for name in listed:
        if re.fullmatch(r"[0-9.]+", name):
            ipaddress.ip_address(name)  # a dotted number must at least be an address
        assert name.rsplit(".", 1)[-1] not in _FILE_SUFFIXES, name
