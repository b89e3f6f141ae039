"""Every rule on configurations of unexpected shapes (wrong types, empty values, templates): findings
or silence, never an exception (the engine lets a check's exception through, so any raises here)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from cilint.engine import run
from cilint.results import Options
from cilint.report.common import placed

CI_SHAPES = {
    "alias_list": """\
        build:
          image: {name: docker:27.3.1, entrypoint: [""]}
          services:
            - name: docker:27.3.1-dind
              alias: [docker, dind]
              command: {tls: false}
              variables: [A, B]
          variables:
            DOCKER_HOST: 2375
            HTTP_PROXY: ""
            NO_PROXY: [a, b]
            FF_NETWORK_PER_BUILD: 1
          script: [docker info]
        """,
    "empty_everything": """\
        build:
          image:
          services: [~, "", {name: ~}, {alias: x}]
          variables: ~
          tags: [~]
          script: ~
        """,
    "variables_as_hash": """\
        variables:
          DOCKER_HOST: {value: "tcp://docker:2375", description: "x"}
          NO_PROXY: {value: "localhost"}
          HTTPS_PROXY: {value: "http://p:3128", expand: false}
        build:
          image: docker:$VERSION
          services: ["$DIND_IMAGE", "${REGISTRY}/postgres:16"]
          script:
            - docker run --add-host x.local:1.2.3.4 $IMAGE
            - curl http://${HOST}.local/
        """,
}

RUNNER_SHAPES = {
    "wrong_types": """\
        [[runners]]
          name = 5
          url = ["http://gitlab"]
          executor = "kubernetes"
          environment = "HTTP_PROXY=http://p:3128"
          [runners.docker]
            network_mode = 1
            extra_hosts = "gitlab:127.0.0.1"
            dns = [1, 2]
            volumes = "/certs/client"
          [runners.kubernetes]
            dns_policy = 3
            [runners.kubernetes.dns_config]
              nameservers = "8.8.8.8"
              options = [{name = 1}, {value = "2"}]
          [runners.feature_flags]
            FF_NETWORK_PER_BUILD = "yes"
          [runners.cache.s3]
            ServerAddress = 9000
        """,
    "empty_runner": """\
        [[runners]]
        [[runners]]
          executor = "docker"
          [runners.docker]
          [runners.kubernetes]
            [[runners.kubernetes.host_aliases]]
        """,
}

HELM_SHAPES = {
    "odd_values": """\
        gitlabUrl: [a]
        hostAliases: {ip: 1}
        envVars: [1, {name: HTTPS_PROXY}, {value: x}]
        extraEnv: [HTTP_PROXY]
        runners:
          executor: kubernetes
          config: |
            [[runners]]
              url = "{{ .Values.gitlabUrl }}"
              [runners.kubernetes]
                dns_policy = "{{ .Values.policy }}"
                [runners.kubernetes.dns_config]
                  nameservers = ["{{ .Values.dns }}", "8.8.8.8"]
        """,
}


def _write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(textwrap.dedent(text), encoding="utf-8")


CASES = (
    [pytest.param({".gitlab-ci.yml": t, "config.toml": RUNNER_SHAPES["wrong_types"]}, id=f"ci-{n}") for n, t in CI_SHAPES.items()]
    + [pytest.param({"config.toml": t, ".gitlab-ci.yml": CI_SHAPES["alias_list"]}, id=f"runner-{n}") for n, t in RUNNER_SHAPES.items()]
    + [pytest.param({"values.yaml": t, ".gitlab-ci.yml": CI_SHAPES["variables_as_hash"]}, id=f"helm-{n}") for n, t in HELM_SHAPES.items()]
)


@pytest.mark.parametrize("files", CASES)
def test_checks_survive_odd_shapes(tmp_path: Path, files: dict[str, str]):
    _write(tmp_path, files)
    (tmp_path / ".cilint.toml").write_text('[[runners]]\nname = "runner #1"\nrun-untagged = true\n', encoding="utf-8")
    result = run(Options(paths=(tmp_path,)))
    rules = {p.finding.rule_id for p in placed(result.projects)}
    assert rules  # the odd shapes are reported (CIL004, unknown keys, ...), not silently dropped
