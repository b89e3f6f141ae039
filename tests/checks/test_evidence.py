"""Issue 19: findings that were wrong, each from the case that showed it."""

from __future__ import annotations

import pytest

from tests.helpers import lint, rows


def _found(root, *selected: str) -> list[tuple[str, int, str]]:
    return [(path, line, rule) for path, line, _, rule in rows(lint(root)) if rule in selected]


def _messages(root, rule: str) -> list[str]:
    """What each finding of `rule` says: its statement, why and fix, as the text report shows them."""
    return [f"{f.message}\n  why: {f.why}\n  fix: {f.remedy}" for r in lint(root).projects for f in r.findings
            if f.rule_id == rule]


# -- point 2: docker-library's TLS default only for docker-library's image ---------------------

DIND_ON_2375 = """
build:
  image: docker:27
  services:
    - name: {service}
      alias: docker
  variables:
    DOCKER_HOST: tcp://docker:2375
  script:
    - docker info
"""


@pytest.mark.parametrize("service", [
    "docker:27-dind", "docker.io/library/docker:27-dind", "mirror.gcr.io/library/docker:dind",
    "${CI_DEPENDENCY_PROXY_GROUP_IMAGE_PREFIX}/docker:27-dind",
    "gitlab.example.com:443/group/dependency_proxy/containers/docker:27-dind",
])
def test_docker_librarys_dind_listens_with_tls_by_default(project, service):
    """hub.docker.com/_/docker ("TLS"): since 19.03 the dind entrypoint generates certificates in
    DOCKER_TLS_CERTDIR (default /certs) and listens on 2376 only."""
    root = project({".gitlab-ci.yml": DIND_ON_2375.format(service=f'"{service}"')})
    assert _found(root, "NET001") == [(".gitlab-ci.yml", 8, "NET001")]


@pytest.mark.parametrize("service", ["registry.example.com/tools/custom-dind:1", "jpetazzo/dind",
                                     "registry.example.com/mirror/docker:27-dind"])
def test_another_dind_image_gets_no_assumed_tls_default(project, service):
    """A third-party or unknown-mirror image may start dockerd in any way: no finding rests on the
    docker image's default (before: a major NET001)."""
    root = project({".gitlab-ci.yml": DIND_ON_2375.format(service=service)})
    assert _found(root, "NET001", "NET002") == []


def test_another_dind_image_still_needs_a_docker_host(project):
    root = project({".gitlab-ci.yml": """
build:
  image: alpine:3.20
  services:
    - registry.example.com/tools/custom-dind:1
  script:
    - apk add docker-cli
    - docker info
"""})
    (message,) = _messages(root, "NET009")
    assert "`DOCKER_HOST: tcp://registry.example.com__tools__custom-dind:2375` (2376 if the image turns TLS on)" in message


# -- point 3: a service variable that moves the port ----------------------------------------------

TWO_POSTGRES = """
test:
  image: python:3.12
  services:
    - name: postgres:16.4
      alias: main-db
      variables:
        PGPORT: "{first}"
    - name: postgres:16.4
      alias: audit-db
      variables:
        PGPORT: "{second}"
  script:
    - pytest
"""


def test_two_postgres_on_their_own_pgport_do_not_collide(project):
    """gitlab-runner#2460: the documented way to run two instances of one image on Kubernetes."""
    root = project({".gitlab-ci.yml": TWO_POSTGRES.format(first=5432, second=5433), ".cilint.toml": 'executor = "kubernetes"\n'})
    assert _found(root, "NET010") == []


def test_two_postgres_on_the_same_pgport_collide(project):
    root = project({".gitlab-ci.yml": TWO_POSTGRES.format(first=5433, second=5433), ".cilint.toml": 'executor = "kubernetes"\n'})
    assert _found(root, "NET010") == [(".gitlab-ci.yml", 9, "NET010")]


def test_an_image_specific_port_variable_makes_the_port_unknown(project):
    root = project({".gitlab-ci.yml": """
test:
  image: python:3.12
  services:
    - name: bitnami/redis:7.4
      alias: cache
    - name: bitnami/redis:7.4
      alias: queue
      variables:
        REDIS_PORT_NUMBER: "6380"
  script:
    - pytest
""", ".cilint.toml": 'executor = "kubernetes"\n'})
    assert _found(root, "NET010") == []


# -- point 4: NET015 is about hostnames, which Kubernetes does not use to tell services apart -------

TWO_REDIS = """
test:
  image: python:3.12
  services:
    - redis:7.4
    - redis:7.4
  script:
    - pytest
"""


def test_duplicate_services_on_kubernetes_are_not_a_naming_problem(project):
    """docs.gitlab.com/runner/executors/kubernetes/: services run in the job's pod, reached on
    localhost; the collision there is the port (NET010), not the name."""
    root = project({".gitlab-ci.yml": TWO_REDIS, ".cilint.toml": 'executor = "kubernetes"\n'})
    assert _found(root, "NET015", "NET010") == [(".gitlab-ci.yml", 6, "NET010")]


def test_duplicate_services_on_docker_say_what_each_runner_does(project):
    root = project({".gitlab-ci.yml": TWO_REDIS, ".cilint.toml": 'executor = "docker"\n'})
    (message,) = _messages(root, "NET015")
    assert "reaches only one of them" in message and "before 19.1" in message


# -- point 5: the runner's default image is the image of a job without `image:` -----------------

DEFAULT_IMAGE_RUNNER = """
[[runners]]
  name = "k8s"
  url = "https://gitlab.example.com"
  executor = "kubernetes"
  [runners.kubernetes]
    image = "{image}"
"""


def test_a_jobs_default_image_from_the_runner_is_checked_for_old_musl(project):
    """docs.gitlab.com/runner/configuration/advanced-configuration/ (`[runners.kubernetes] image`:
    the image jobs run when they set none)."""
    root = project({
        ".gitlab-ci.yml": "fetch:\n  script:\n    - curl -sSf https://objects.githubusercontent.com/x\n",
        "runner/config.toml": DEFAULT_IMAGE_RUNNER.format(image="alpine:3.12"),
    })
    assert _found(root, "DNS012") == [("runner/config.toml", 7, "DNS012")]
    (message,) = _messages(root, "DNS012")
    assert message.startswith("runner `k8s`'s default image `alpine:3.12` is Alpine 3.12")
    assert "why: jobs `fetch` set no `image:` and run it" in message


def test_a_default_image_no_job_uses_is_not_reported(project):
    root = project({
        ".gitlab-ci.yml": "fetch:\n  image: python:3.12\n  script:\n    - curl -sSf https://objects.githubusercontent.com/x\n",
        "runner/config.toml": DEFAULT_IMAGE_RUNNER.format(image="alpine:3.12"),
    })
    assert _found(root, "DNS012") == []


def test_a_musl_default_image_makes_ndots_lookups_worse(project):
    """DNS003 is major where musl images are in use: a job without `image:` on an Alpine default."""
    files = {".gitlab-ci.yml": "fetch:\n  script:\n    - curl -sSf https://github.com/x\n"}
    alpine = project({**files, "runner/config.toml": DEFAULT_IMAGE_RUNNER.format(image="alpine:3.20")})
    assert [f.severity.label for r in lint(alpine).projects for f in r.findings if f.rule_id == "DNS003"] == ["major"]


# -- point 6: a host is a host where it is used as one ---------------------------------------------

def test_versions_and_file_names_are_not_hosts():
    from cilint.facts.references import variable_hosts

    assert variable_hosts("PYTHON_VERSION", "3.12") == ()
    assert variable_hosts("TF_VERSION", "1.2.3") == ()
    assert variable_hosts("CONFIG_FILE", "terraform-config.tar.gz") == ()
    assert variable_hosts("API_HOST", "1.2.3") == ()  # a dotted number is never a name
    assert variable_hosts("API_HOST", "10.0.0.5") == ("10.0.0.5",)
    assert variable_hosts("REGISTRY_HOST", "registry.example.com") == ("registry.example.com",)
    assert variable_hosts("SITE", "https://docs.example.com/x") == ("docs.example.com",)
    assert variable_hosts("MIRROR", "mirror.example.com:5000") == ("mirror.example.com",)


def test_a_bare_value_used_as_a_host_is_one_through_its_use(project):
    """`API: api.example.com` is a host because `curl https://$API/` uses it as one."""
    root = project({
        ".gitlab-ci.yml": "variables:\n  API: api.example.com\n  PY_VERSION: '3.12'\nfetch:\n  image: python:3.12\n"
                          "  script:\n    - curl -sSf https://$API/health\n",
        "runner/config.toml": '[[runners]]\n  name = "k8s"\n  url = "https://gitlab.com"\n  executor = "kubernetes"\n',
    })
    (message,) = _messages(root, "DNS003")
    assert "`api.example.com`" in message and "3.12" not in message


# -- points 7 and 12: DNS006's severity and fix follow their effect -------------------------------

POLICY_RUNNER = """
[[runners]]
  name = "k8s"
  url = "https://gitlab.example.com"
  executor = "kubernetes"
  [runners.kubernetes]
    dns_policy = "{policy}"
    [runners.kubernetes.dns_config]
      nameservers = ["10.0.0.2"]
"""


def _dns006(root) -> list[tuple[str, str | None]]:
    return [(f.severity.label, f.fix.applicability.value if f.fix else None)
            for r in lint(root).projects for f in r.findings if f.rule_id == "DNS006"]


def test_cluster_first_spelled_as_kubernetes_spells_it_changes_nothing(project):
    """GitLab Runner falls back to ClusterFirst for a policy it rejects: `ClusterFirst` gets what it
    meant; the finding is a note and its fix is safe (resolution stays as it is)."""
    root = project({"config.toml": POLICY_RUNNER.format(policy="ClusterFirst")})
    assert _dns006(root) == [("info", "safe")]


def test_a_rejected_policy_that_means_another_dns_is_major_and_its_fix_unsafe(project):
    root = project({"config.toml": POLICY_RUNNER.format(policy="None")})
    assert _dns006(root) == [("major", "unsafe")]


def test_the_fix_is_display_only_when_a_job_would_lose_a_cluster_name(project):
    """A job uses `redis.cache` (a Service in another namespace): with `none` and a nameserver that is
    not the cluster DNS it stops resolving, so the fix is shown, never applied."""
    root = project({"config.toml": POLICY_RUNNER.format(policy="None"),
                    ".gitlab-ci.yml": "t:\n  image: python:3.12\n  script:\n    - redis-cli -h redis.cache ping\n"})
    assert _dns006(root) == [("major", "display-only")]


# -- point 8: NET016 says what a pin protects from ----------------------------------------------

def test_net016_says_only_a_digest_survives_a_repushed_tag(project):
    root = project({".gitlab-ci.yml": "b:\n  image: docker:27\n  services:\n    - docker:27-dind\n  script:\n    - docker info\n"})
    (message,) = _messages(root, "NET016")
    assert "Dec 2023" not in message and "digest" in message and "re-pushed" in message


def test_a_digest_pin_is_a_pin(project):
    digest = "sha256:" + "a" * 64
    root = project({".gitlab-ci.yml": f"b:\n  image: docker:27\n  services:\n    - docker:dind@{digest}\n  script:\n    - docker info\n"})
    assert _found(root, "NET016") == []


# -- point 9: one problem, one finding ------------------------------------------------------------

def test_a_removed_pre_clone_script_that_rewrites_resolv_conf_is_one_finding(project):
    root = project({"config.toml": '[[runners]]\n  name = "k8s"\n  executor = "kubernetes"\n'
                                   '  pre_clone_script = \'echo "nameserver 10.0.0.2" > /etc/resolv.conf\'\n'})
    found = [(f.rule_id, f.location.span.start) for r in lint(root).projects for f in r.findings]
    assert [rule for rule, _ in found] == ["NET013"]
    (message,) = _messages(root, "NET013")
    assert "removed in GitLab Runner 17.0" in message and "/etc/resolv.conf it rewrites" in message


# -- point 10: a probe of a name that never resolves is removed, never tolerated -----------------

PROBE = """
deploy:
  image: bitnami/kubectl:1.30
  before_script:
    - curl -k https://kubernetes.docker.internal:6443{tail}
    - kubectl config use-context "$KUBE_CONTEXT"
  script:
    - kubectl apply -f k8s/
"""


def test_the_probe_fix_removes_a_desktop_only_probe(project):
    root = project({".gitlab-ci.yml": PROBE.format(tail="")})
    (fix,) = [f.fix for r in lint(root).projects for f in r.findings if f.rule_id == "DNS004"]
    assert fix.applicability.value == "unsafe" and fix.title.startswith("Remove the probe")


def test_a_tolerated_desktop_only_probe_is_still_dns001(project):
    """`|| true` hides the failure; the name still never resolves (before: DNS001 went silent)."""
    root = project({".gitlab-ci.yml": PROBE.format(tail=" || true")})
    assert [(f.rule_id, f.severity.label) for r in lint(root).projects for f in r.findings
            if f.rule_id == "DNS001"] == [("DNS001", "minor")]


def test_a_checked_name_is_still_a_guard(project):
    root = project({".gitlab-ci.yml": """
t:
  image: alpine:3.20
  script:
    - if getent hosts host.docker.internal; then export API=host.docker.internal; else export API=localhost; fi
"""})
    assert _found(root, "DNS001") == []


# -- point 11: a fix that would be every job's resolver is shown, never applied -------------------

def test_moving_dind_dns_to_the_runner_is_never_applied(project):
    root = project({
        ".gitlab-ci.yml": "build:\n  image: docker:27.0.0\n  services:\n    - name: docker:27.0.0-dind\n"
                          "      command: [\"--dns=8.8.8.8\", \"--tls=false\"]\n  script:\n    - docker build -t app .\n",
        "values.yaml": "runners:\n  config: |\n    [[runners]]\n      name = \"k8s\"\n      [runners.kubernetes]\n"
                       "        namespace = \"ci\"\n        privileged = true\n",
    })
    fixes = [f.fix for r in lint(root).projects for f in r.findings if f.rule_id == "DNS002"]
    assert fixes and all(fix.applicability.value == "display-only" for fix in fixes)


# -- point 13: an invalid value is reported, and no fix builds on it ------------------------------

def test_an_invalid_network_mtu_is_reported_and_no_fix_builds_on_it(project):
    root = project({
        "config.toml": '[[runners]]\n  name = "d"\n  url = "https://gitlab.example.com"\n  executor = "docker"\n'
                       '  [runners.docker]\n    network_mtu = 1\n',
        ".gitlab-ci.yml": "b:\n  image: docker:27.3.1\n  services:\n    - docker:27.3.1-dind\n  script:\n    - docker build .\n",
        ".cilint.toml": '[[runners]]\nname = "d"\nrun-untagged = true\n',
    })
    found = [(f.rule_id, f.route[0], f.fix) for r in lint(root).projects for f in r.findings if f.rule_id in ("NET006", "NET007")]
    assert ("NET006", "invalid-mtu", None) in found
    assert not any(route == "network_mtu" for _, route, _ in found)  # no FF_NETWORK_PER_BUILD on top of it
    assert not [fix.title for _, _, fix in found if fix is not None and fix.title.endswith("--mtu=1")]  # NET007


# -- point 21: per-job networks on VMs of a cloud whose network MTU is below 1500 -----------------

AUTOSCALED = '''[[runners]]
  name = "gce"
  url = "https://gitlab.example.com"
  executor = "docker-autoscaler"
  [runners.docker]
    image = "alpine:3.20"
  [runners.autoscaler]
    plugin = "googlecloud"
    capacity_per_instance = 1
'''


def test_a_job_that_turns_on_per_build_networks_on_google_cloud_vms_needs_network_mtu(project):
    root = project({
        "config.toml": AUTOSCALED,
        ".cilint.toml": '[[runners]]\nname = "gce"\nrun-untagged = true\n',
        ".gitlab-ci.yml": "e2e:\n  variables:\n    FF_NETWORK_PER_BUILD: \"true\"\n  services:\n    - redis:7.4\n"
                          "  script:\n    - curl -fsSL https://example.com/install.sh | sh\n",
    })
    (finding,) = [f for r in lint(root).projects for f in r.findings if f.rule_id == "NET006"]
    assert finding.message == "runner `gce` creates per-job networks with MTU 1500 on Google Cloud VMs"
    assert "network_mtu = 1460" in finding.remedy and finding.confidence.label == "medium"
    assert finding.fix is not None and finding.fix.edits[0].content.strip() == "network_mtu = 1460"


def test_google_cloud_vms_without_per_build_networks_are_left_alone(project):
    root = project({"config.toml": AUTOSCALED, ".gitlab-ci.yml": "t:\n  script:\n    - echo\n"})
    assert _found(root, "NET006") == []


# -- point 19: Docker's legacy link variables, unset on recent runners ----------------------------

def test_link_variables_on_the_per_build_network_are_empty_with_the_evidence_in_the_files(project):
    root = project({".gitlab-ci.yml": """
e2e:
  image: python:3.12
  variables:
    FF_NETWORK_PER_BUILD: "true"
  services:
    - name: registry.example.com/qa/api:2.1.0
      alias: api
  script:
    - curl "http://$API_PORT_8080_TCP_ADDR:$API_PORT_8080_TCP_PORT/health"
    - echo "$API_ENV_BUILD_ID"
"""})
    found = [f for r in lint(root).projects for f in r.findings if f.rule_id == "NET018"]
    assert [(f.route[2], f.confidence.label) for f in found] == [
        ("API_PORT_8080_TCP_ADDR", "high"), ("API_PORT_8080_TCP_PORT", "high"), ("API_ENV_BUILD_ID", "high")]
    assert all("the per-job network does not set" in f.message for f in found)
    assert [f.fix.edits[0].content for f in found if f.fix] == ["api", "8080"]


def test_a_link_variable_the_script_sets_is_the_users_own(project):
    root = project({".gitlab-ci.yml": """
t:
  image: postgres:16.4
  services:
    - postgres:16.4
  script:
    - export POSTGRES_PORT=5433
    - psql -h postgres -p "$POSTGRES_PORT" -c 'select 1'
"""})
    assert _found(root, "NET018") == []


def test_a_template_read_by_many_jobs_is_reported_once(project):
    root = project({".gitlab-ci.yml": """
.db:
  services:
    - mysql:8.4
  script:
    - mysql -h "$MYSQL_PORT_3306_TCP_ADDR" -e 'select 1'
a:
  extends: .db
b:
  extends: .db
"""})
    assert _found(root, "NET018") == [(".gitlab-ci.yml", 6, "NET018")]


# -- point 20: a service named only by a variable, reached by the name its value derives ----------

def test_a_derived_name_that_is_no_dns_name_gets_no_alias_fix(project):
    """An `alias:` written as `registry.example.com__db__postgres` would itself be refused on
    Kubernetes (NET004): the fix would make another rule fire."""
    root = project({".gitlab-ci.yml": """
variables:
  DB_IMAGE: registry.example.com/db/postgres:16.4
test:
  image: python:3.12
  services:
    - $DB_IMAGE
  variables:
    DATABASE_URL: postgres://app@registry.example.com__db__postgres/app
  script:
    - pytest
"""})
    (finding,) = [f for r in lint(root).projects for f in r.findings if f.rule_id == "NET003"]
    assert finding.fix is None and "DNS-safe `alias:`" in finding.remedy
    assert finding.route[0] == "variable-image-hostname"
