"""Real reports the NET rules would have caught (dns-catalog.md section 5), written as the threads
describe the configuration. `rules/README.md` maps each report to its case here; a test keeps the two
in step."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from cilint.engine import run
from cilint.findings import Confidence
from cilint.results import Options
from cilint.report.common import placed
from tests.conftest import REPO

K8S = 'executor = "kubernetes"\n'
DOCKER = 'executor = "docker"\n'


def runner_mapping(name: str, tag: str) -> str:
    return f'[[runners]]\nname = "{name}"\ntags = ["{tag}"]\n'


REPORTS: dict[str, tuple[str, set[str], dict[str, str]]] = {
    "1": ("https://gitlab.com/gitlab-org/gitlab-runner/-/issues/4501", {"NET001", "NET016"}, {
        ".gitlab-ci.yml": """\
            image: docker:stable
            services:
              - docker:stable-dind
            variables:
              DOCKER_HOST: tcp://docker:2375
              DOCKER_DRIVER: overlay2
            build:
              script:
                - docker build -t app .
            """,
    }),
    "2": ("https://gitlab.com/gitlab-org/gitlab-runner/-/merge_requests/1495", {"NET002"}, {
        ".gitlab-ci.yml": """\
            build:
              tags: [gitlab-org]
              image: docker:19.03.1
              services:
                - docker:19.03.1-dind
              variables:
                DOCKER_TLS_CERTDIR: "/certs"
              script:
                - docker build .
            """,
        "runner/config.toml": """\
            [[runners]]
              name = "gitlab-org"
              executor = "docker"
              [runners.docker]
                privileged = true
                volumes = ["/cache"]
            """,
        ".cilint.toml": runner_mapping("gitlab-org", "gitlab-org"),
    }),
    "3": ("https://gitlab.com/gitlab-org/gitlab-runner/-/issues/27384", {"NET002", "NET008"}, {
        ".gitlab-ci.yml": """\
            build:
              tags: [k8s]
              image: docker:20.10.5
              services:
                - docker:20.10.5-dind
              variables:
                DOCKER_HOST: tcp://docker:2376
                DOCKER_TLS_CERTDIR: "/certs"
                DOCKER_TLS_VERIFY: "1"
                DOCKER_CERT_PATH: "$DOCKER_TLS_CERTDIR/client"
              script:
                - docker info
            """,
        "runner/config.toml": """\
            [[runners]]
              name = "k8s"
              executor = "kubernetes"
              [runners.kubernetes]
                privileged = true
            """,
        ".cilint.toml": runner_mapping("k8s", "k8s"),
    }),
    "4": ("https://gitlab.com/gitlab-org/release-tools/-/merge_requests/4146", {"NET002"}, {
        ".gitlab-ci.yml": """\
            release:
              image: docker:24.0.5
              services:
                - docker:24.0.5-dind
              variables:
                DOCKER_HOST: tcp://docker:2376
                DOCKER_TLS_CERTDIR: "/certs"
                DOCKER_CERT_PATH: "/certs/client"
                DOCKER_TLS_VERIFY: "1"
              script:
                - docker build .
            """,
    }),
    "5": ("https://gitlab.com/gitlab-org/gitlab/-/merge_requests/63364", {"NET003"}, {
        ".gitlab-ci.yml": """\
            build:
              image: registry.example.com/docker:19.03.12
              services:
                - registry.example.com/docker:19.03.12-dind
              variables:
                DOCKER_HOST: tcp://docker:2376
                DOCKER_TLS_CERTDIR: "/certs"
              script:
                - docker build .
            """,
    }),
    "6": ("https://gitlab.com/gitlab-org/gitlab/-/issues/289906", {"NET003"}, {
        ".gitlab-ci.yml": """\
            test:
              image: ${CI_DEPENDENCY_PROXY_GROUP_IMAGE_PREFIX}/ruby:3.3
              services:
                - ${CI_DEPENDENCY_PROXY_GROUP_IMAGE_PREFIX}/mysql:5.7
              variables:
                MYSQL_ROOT_PASSWORD: secret
              script:
                - mysql -h mysql -u root -psecret -e 'select 1'
            """,
    }),
    "7": ("https://github.com/docker-library/docker/issues/11", {"NET003"}, {
        ".gitlab-ci.yml": """\
            build:
              image: localhost:5000/docker:27.3.1
              services:
                - localhost:5000/docker:27.3.1-dind
              script:
                - docker build .
            """,
    }),
    "8": ("https://github.com/ekino/docker-buildbox/issues/143", {"NET004"}, {
        ".gitlab-ci.yml": """\
            build:
              image: ekino/docker-buildbox:latest-dind-aws
              services:
                - ekino/docker-buildbox:latest-dind-aws
              variables:
                DOCKER_HOST: tcp://ekino__docker-buildbox:2375
              script:
                - docker build .
            """,
        ".cilint.toml": K8S,
    }),
    "9": ("https://gitlab.com/gitlab-org/gitlab/-/issues/16580", {"NET005"}, {
        ".gitlab-ci.yml": """\
            integration:
              image: node:22
              services:
                - name: mongo:7.0.14
                  alias: db
                - name: registry.example.com/team/api:3.1.0
                  alias: api
                  variables:
                    MONGO_URL: mongodb://db:27017/test
              script:
                - npm run integration
            """,
        ".cilint.toml": DOCKER,
    }),
    "10": ("https://gitlab.com/gitlab-org/gitlab-runner/-/issues/25559", {"NET006"}, {
        "config.toml": """\
            [[runners]]
              name = "macvlan"
              executor = "docker"
              environment = ["FF_NETWORK_PER_BUILD=1"]
              [runners.docker]
                network_mode = "macvlan-ci"
            """,
    }),
    "11": ("https://github.com/magda-io/magda/pull/3779", {"NET007"}, {
        ".gitlab-ci.yml": """\
            build:
              tags: [saas-linux-medium-amd64]
              image: docker:24.0.6
              services:
                - docker:24.0.6-dind
              script:
                - docker build .
            """,
    }),
    "12": ("https://github.com/docker-library/docker/issues/471", {"NET007"}, {
        ".gitlab-ci.yml": """\
            build:
              image: docker:25.0.3
              services:
                - docker:25.0.3-dind
              variables:
                DOCKER_HOST: tcp://docker:2376
                DOCKER_TLS_CERTDIR: "/certs"
                DOCKER_TLS_VERIFY: "1"
                DOCKER_CERT_PATH: "/certs/client"
              script:
                - docker build .
            """,
        ".cilint.toml": K8S,
    }),
    "13": ("https://gitlab.com/gitlab-org/charts/gitlab-runner/-/issues/260", {"NET008"}, {
        ".gitlab-ci.yml": """\
            build:
              image: docker:19.03.8
              services:
                - docker:19.03.8-dind
              variables:
                DOCKER_HOST: tcp://docker:2375
                DOCKER_TLS_CERTDIR: ""
              script:
                - docker build .
            """,
        ".cilint.toml": K8S,
    }),
    "14": ("https://gitlab.com/gitlab-org/gitlab/-/issues/428875", {"NET009"}, {
        ".gitlab-ci.yml": """\
            build:
              image: docker:24.0.6
              services:
                - docker:24.0.6-dind
              script:
                - docker build .
            """,
        ".cilint.toml": K8S,
    }),
    "15": ("https://github.com/tiangolo/docker-with-compose/issues/9", {"NET009"}, {
        ".gitlab-ci.yml": """\
            test:
              image: tiangolo/docker-with-compose:2021-09-18
              services:
                - docker:20.10.8-dind
              script:
                - docker-compose up -d
            """,
        ".cilint.toml": DOCKER,
    }),
    "16": ("https://github.com/docker/compose/issues/7529", {"NET001", "NET002"}, {
        ".gitlab-ci.yml": """\
            test:
              image: docker/compose:1.25.5
              services:
                - docker:19.03.8-dind
              variables:
                DOCKER_HOST: tcp://docker:2376
                DOCKER_TLS_CERTDIR: "/certs"
              script:
                - docker-compose up -d
            """,
    }),
    "17": ("https://github.com/docker-library/docker/issues/175", {"NET009"}, {
        ".gitlab-ci.yml": """\
            build:
              image: docker:19.03.0
              services:
                - docker:19.03.0-dind
              variables:
                DOCKER_HOST: tcp://localhost:2375
              script:
                - docker build .
            """,
        ".cilint.toml": K8S,
    }),
    "18": ("https://gitlab.com/gitlab-org/gitlab-foss/-/issues/65511", {"NET009"}, {
        ".gitlab-ci.yml": """\
            build:
              image: docker:19.03.1
              services:
                - docker:19.03.1-dind
              variables:
                DOCKER_HOST: tcp://docker:2375
              script:
                - docker build .
            """,
    }),
    "19": ("https://github.com/docker-library/docker/issues/464", {"NET016"}, {
        ".gitlab-ci.yml": """\
            build:
              image: docker:latest
              services:
                - docker:dind
              script:
                - docker build .
            """,
    }),
    "20": ("https://gitlab.com/gitlab-org/gitlab-runner/-/issues/39100", {"NET016"}, {
        ".gitlab-ci.yml": """\
            build:
              image: docker:29
              services:
                - docker:29-dind
              script:
                - docker build .
            """,
    }),
    "21": ("https://github.com/pypa/cibuildwheel/issues/1269", {"NET016"}, {
        ".gitlab-ci.yml": """\
            wheels:
              tags: [self-hosted]
              image: python:3.12
              services:
                - name: docker:24.0.5-dind
                  entrypoint: ["env", "-u", "DOCKER_HOST"]
                  command: ["dockerd-entrypoint.sh"]
              variables:
                DOCKER_HOST: tcp://docker:2375
                DOCKER_TLS_CERTDIR: ""
              script:
                - cibuildwheel --output-dir wheelhouse
            """,
        "runner/config.toml": """\
            [[runners]]
              name = "self-hosted"
              executor = "docker"
              [runners.docker]
                image = "python:3.12"
            """,
        ".cilint.toml": runner_mapping("self-hosted", "self-hosted"),
    }),
    "26": ("https://gitlab.com/gitlab-org/charts/gitlab-runner/-/issues/310", {"NET013"}, {
        "values.yaml": """\
            gitlabUrl: https://gitlab.internal.example.com/
            hostAliases:
              - ip: "10.1.2.3"
                hostnames:
                  - gitlab.internal.example.com
            runners:
              config: |
                [[runners]]
                  [runners.kubernetes]
                    namespace = "gitlab-runner"
            """,
    }),
    "27": ("https://gitlab.com/gitlab-org/gitlab-runner/-/issues/32145", {"NET013"}, {
        "values.yaml": """\
            runners:
              executor: kubernetes
              config: |
                [[runners]]
                  [runners.kuberentes]
                    namespace = "{{.Release.Namespace}}"
                    image = "ubuntu:22.04"
            """,
    }),
    "28": ("https://gitlab.com/gitlab-org/gitlab-runner/-/issues/2647", {"NET015"}, {
        ".gitlab-ci.yml": """\
            test:
              image: ruby:3.3
              services:
                - postgres:16.4
                - postgres:16.4
              script:
                - bundle exec rspec
            """,
    }),
    "29": ("https://gitlab.com/gitlab-org/gitlab-runner/-/issues/3091", {"NET014"}, {
        "config.toml": """\
            [[runners]]
              name = "local"
              url = "http://127.0.0.1/"
              executor = "docker"
              [runners.docker]
                extra_hosts = ["myhost:127.0.0.1"]
            """,
    }),
    "30": ("https://gitlab.com/gitlab-org/gitlab-runner/-/issues/3886", {"NET014"}, {
        "config.toml": """\
            [[runners]]
              name = "compose"
              url = "http://gitlab/"
              executor = "docker"
              [runners.docker]
                image = "alpine:3.20"
            """,
    }),
    "31": ("https://gitlab.com/gitlab-org/gitlab-runner/-/issues/1307", {"NET011"}, {
        ".gitlab-ci.yml": """\
            test:
              tags: [host]
              image: python:3.12
              services:
                - mysql:8.4
              variables:
                DB_HOST: mysql
              script:
                - pytest
            """,
        "runner/config.toml": """\
            [[runners]]
              name = "host"
              executor = "docker"
              [runners.docker]
                network_mode = "host"
            """,
        ".cilint.toml": runner_mapping("host", "host"),
    }),
    "33": ("https://gitlab.com/gitlab-org/gitlab-runner/-/issues/38030", {"NET012"}, {
        "config.toml": """\
            [[runners]]
              name = "corp"
              url = "https://gitlab.corp.local/"
              executor = "docker"
              environment = ["HTTPS_PROXY=http://proxy.corp.local:8080", "HTTP_PROXY=http://proxy.corp.local:8080"]
            """,
    }),
    "34": ("https://gitlab.com/gitlab-org/gitlab-runner/-/issues/3763", {"NET012"}, {
        ".gitlab-ci.yml": """\
            variables:
              HTTP_PROXY: http://proxy.example.com:3128
              HTTPS_PROXY: http://proxy.example.com:3128
            build:
              image: docker:27.3.1
              services:
                - docker:27.3.1-dind
              variables:
                DOCKER_HOST: tcp://docker:2375
                DOCKER_TLS_CERTDIR: ""
              script:
                - docker build -t registry.example.com/app .
                - docker push registry.example.com/app
            """,
    }),
    "36": ("https://gitlab.com/gitlab-org/gitlab-runner/-/issues/36994", {"NET006"}, {
        "config.toml": """\
            [[runners]]
              name = "ipv6"
              executor = "docker"
              [runners.docker]
                enable_ipv6 = true
            """,
    }),
    "40": ("https://gitlab.com/gitlab-org/gitlab-runner/-/issues/27867", {"DNS007"}, {
        ".gitlab-ci.yml": """\
            build:
              tags: [corp]
              image: docker:24.0.5
              services:
                - docker:24.0.5-dind
              script:
                - docker build -t app .
            """,
        "runner/config.toml": """\
            [[runners]]
              name = "corp"
              executor = "docker"
              [runners.docker]
                privileged = true
              [runners.feature_flags]
                FF_NETWORK_PER_BUILD = true
            """,
        ".cilint.toml": runner_mapping("corp", "corp"),
    }),
    # The host's resolv.conf mounted into containers: fine where the host's resolver is reachable,
    # 'could not resolve host' elsewhere; here on the per-job network, where it also hides Docker's DNS.
    "41": ("https://github.com/chainguard-dev/melange/pull/1101", {"NET017"}, {
        ".gitlab-ci.yml": """\
            test:
              tags: [docker]
              image: python:3.12
              services:
                - name: redis:7.4
                  alias: cache
              script:
                - redis-cli -h cache ping
            """,
        "config.toml": """\
            [[runners]]
              name = "docker"
              executor = "docker"
              [runners.docker]
                volumes = ["/cache", "/etc/resolv.conf:/etc/resolv.conf:ro"]
              [runners.feature_flags]
                FF_NETWORK_PER_BUILD = true
            """,
        ".cilint.toml": runner_mapping("docker", "docker"),
    }),
    # Runner 18.7 emulates links with /etc/hosts entries and documents that no link variables are added.
    "42": ("https://gitlab.com/gitlab-org/gitlab-runner/-/merge_requests/6054", {"NET018"}, {
        ".gitlab-ci.yml": """\
            test:
              image: ruby:3.3
              services:
                - postgres:16.4
              variables:
                POSTGRES_PASSWORD: example
                DATABASE_URL: "postgres://postgres:example@$POSTGRES_PORT_5432_TCP_ADDR/test"
              script:
                - bundle exec rake test
            """,
    }),
    # A service named after its image: the project moved to an alias so that changing the image in
    # one place does not rename the host the job connects to.
    "43": ("https://github.com/Lullabot/drupal9ci/pull/49", {"NET003"}, {
        ".gitlab-ci.yml": """\
            variables:
              DB_IMAGE: registry.gitlab.com/juampynr/drupal8-gitlab:latest
            drupal:
              image: php:8.3
              services:
                - $DB_IMAGE
              variables:
                SIMPLETEST_DB: mysql://root@registry.gitlab.com__juampynr__drupal8-gitlab/drupal
              script:
                - vendor/bin/phpunit
            """,
    }),
    # OpenStack VMs with MTU 1442; custom Docker networks stay at 1500 and downloads stall.
    "44": ("https://github.com/osism/testbed/issues/912", {"NET006"}, {
        ".gitlab-ci.yml": """\
            fetch:
              image: alpine:3.20
              script:
                - wget https://download.cirros-cloud.net/0.6.2/cirros-0.6.2-x86_64-disk.img
            """,
        "config.toml": """\
            [[runners]]
              name = "openstack"
              executor = "docker+machine"
              [runners.docker]
                image = "alpine:3.20"
              [runners.feature_flags]
                FF_NETWORK_PER_BUILD = true
              [runners.machine]
                MachineDriver = "openstack"
            """,
    }),
}


@pytest.mark.parametrize("case", sorted(REPORTS, key=int))
def test_report_is_caught(tmp_path: Path, case: str):
    _, expected, files = REPORTS[case]
    for rel, text in files.items():
        target = tmp_path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text), encoding="utf-8")
    # at any confidence: a case without the runner's configuration is caught as a reminder (low)
    found = {p.finding.rule_id for p in placed(run(Options(paths=(tmp_path,), confidence=Confidence.LOW)).projects)}
    assert expected <= found, f"report {case}: expected {sorted(expected)}, got {sorted(found)}"


def test_readme_table_maps_every_case():
    table = (REPO / "rules" / "README.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| (\d+) \| .*?`test_report_is_caught\[(\d+)\]`", table, re.MULTILINE))
    assert set(rows) == set(REPORTS) and all(k == v for k, v in rows.items())
    for case, (url, rules, _) in REPORTS.items():
        row = next(line for line in table.splitlines() if line.startswith(f"| {case} |"))
        assert url in row and all(rule in row for rule in rules), case


TEMPLATES = "lib/gitlab/ci/templates/"


def test_gitlab_templates_tls_dind_on_2375_are_positives_and_tls_off_or_kubernetes_port_negatives():
    """GitLab's own templates (issue 8): a TLS-default dind with port 2375 is a real positive;
    `DOCKER_TLS_CERTDIR: ""` or a `KUBERNETES_PORT` switch in the script are real negatives."""
    from tests.conftest import CORPUS

    root = CORPUS / "gitlabhq__gitlabhq"
    result = run(Options(paths=(root,), select=("NET001",)))
    flagged = {p.finding.path for p in placed(result.projects) if p.finding.path.startswith(TEMPLATES)}
    assert flagged == {TEMPLATES + "Chef.gitlab-ci.yml"}
    negatives = []
    for path in sorted((root / TEMPLATES).rglob("*.yml")):
        text = path.read_text(encoding="utf-8")
        if "2375" in text and ('DOCKER_TLS_CERTDIR: ""' in text or "DOCKER_TLS_CERTDIR: ''" in text or "KUBERNETES_PORT" in text):
            negatives.append(path.relative_to(root).as_posix())
    assert len(negatives) >= 8 and not set(negatives) & flagged
