"""Issue 19 point 1: what a job's script exports is part of its environment from that line on.

`before_script` and `script` run in one shell, `after_script` in another (docs.gitlab.com/ci/yaml/
#after_script); an `export DOCKER_HOST=...` in a script configures the docker client exactly as the
same value under `variables:` does, and a `DOCKER_TLS_CERTDIR` exported in the job's shell reaches
neither the dind service (its environment comes from `variables:`) nor the `docker` image's
entrypoint (it ran before the script).
"""

from __future__ import annotations

from cilint.shell.bash import analyse
from tests.helpers import lint, rows

DIND = """
build:
  image: docker:27
  services:
    - docker:27-dind
  {where}
  script:
    - docker info
"""


def _rules(root, *selected: str) -> list[tuple[str, int, str]]:
    return [(path, line, rule) for path, line, _, rule in rows(lint(root)) if rule in selected]


def test_an_exported_docker_host_is_read_like_a_variable(project):
    exported = project({".gitlab-ci.yml": DIND.format(where="before_script:\n    - export DOCKER_HOST=tcp://docker:2375")})
    assert _rules(exported, "NET001") == [(".gitlab-ci.yml", 7, "NET001")]  # the export line


def test_the_same_value_under_variables_gives_the_same_finding(project):
    written = project({".gitlab-ci.yml": DIND.format(where="variables:\n    DOCKER_HOST: tcp://docker:2375")})
    assert _rules(written, "NET001") == [(".gitlab-ci.yml", 7, "NET001")]


def test_an_export_in_after_script_does_not_reach_script(project):
    root = project({".gitlab-ci.yml": """
build:
  image: alpine:3.20
  services:
    - docker:27-dind
  variables:
    DOCKER_TLS_CERTDIR: ""
  script:
    - apk add docker-cli
    - docker info
  after_script:
    - export DOCKER_HOST=tcp://docker:2375
"""})
    assert _rules(root, "NET009") == [(".gitlab-ci.yml", 5, "NET009")]


def test_an_export_before_the_docker_command_sets_the_endpoint(project):
    root = project({".gitlab-ci.yml": """
build:
  image: alpine:3.20
  services:
    - docker:27-dind
  variables:
    DOCKER_TLS_CERTDIR: ""
  script:
    - apk add docker-cli
    - export DOCKER_HOST=tcp://docker:2375
    - docker info
"""})
    assert _rules(root, "NET009", "NET001") == []


def test_a_script_that_only_mentions_docker_host_does_not_set_it(project):
    """Before: any line containing the text `DOCKER_HOST` silenced NET009."""
    root = project({".gitlab-ci.yml": """
build:
  image: alpine:3.20
  services:
    - docker:27-dind
  variables:
    DOCKER_TLS_CERTDIR: ""
  script:
    - echo "DOCKER_HOST is $DOCKER_HOST"
    - docker info
"""})
    assert _rules(root, "NET009") == [(".gitlab-ci.yml", 5, "NET009")]


def test_an_export_that_may_not_run_leaves_the_endpoint_unknown(project):
    root = project({".gitlab-ci.yml": DIND.format(
        where='before_script:\n    - if [ -n "$CI" ]; then export DOCKER_HOST=tcp://docker:2375; fi')})
    assert _rules(root, "NET001", "NET009") == []


def test_exported_proxies_and_no_proxy_are_the_jobs(project):
    missing = project({".gitlab-ci.yml": """
test:
  image: python:3.12
  services:
    - name: postgres:16
      alias: db
  variables:
    DATABASE_URL: http://db:5432/app
  before_script:
    - export HTTP_PROXY=http://proxy.corp.example:3128
  script:
    - curl "$DATABASE_URL"
"""})
    assert _rules(missing, "NET012") == [(".gitlab-ci.yml", 10, "NET012")]


def test_an_exported_no_proxy_covers_the_service(project):
    root = project({".gitlab-ci.yml": """
test:
  image: python:3.12
  services:
    - name: postgres:16
      alias: db
  variables:
    DATABASE_URL: http://db:5432/app
  before_script:
    - export HTTP_PROXY=http://proxy.corp.example:3128 NO_PROXY=db,localhost no_proxy=db,localhost
  script:
    - curl "$DATABASE_URL"
"""})
    assert _rules(root, "NET012") == []


def test_a_context_the_script_exported_is_the_agent_switch(project):
    """DNS004: `use-context "$CTX"` after `export CTX=group/project:agent` selects the agent."""
    root = project({".gitlab-ci.yml": """
deploy:
  image: bitnami/kubectl:1.30
  before_script:
    - kubectl cluster-info
    - export CTX=group/project:agent
    - kubectl config use-context "$CTX"
  script:
    - kubectl get pods
"""})
    assert _rules(root, "DNS004") == [(".gitlab-ci.yml", 5, "DNS004")]


def test_assignments_the_shell_keeps():
    script = analyse('export A=1 B="x y"; C=3; (export D=4); E=5 env; export F | cat; true && export G=$(date)')
    assert [(a.name, a.value.text if a.value else None, a.exported, a.conditional) for a in script.assignments] == [
        ("A", "1", True, False), ("B", "x y", True, False), ("C", "3", False, False), ("G", "$(date)", True, True)]
