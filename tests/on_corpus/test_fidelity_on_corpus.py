"""Issue 18 on real pipelines: each construct that changes what a job runs with, on a corpus project
where it changed cilint's model. Each docstring says what the model had before (b6c13e0) and cites
GitLab's documentation for what it has now.

Points with no corpus pipeline to show (measured on the 348 corpus pipelines): no local include uses
`**` (5 use `*`, matched the same before and after), no input uses an interpolation function, no
pipeline has a configuration point 9 rejects, and the two projects that include a file twice
(Overbookd, resonaate) merge to the same jobs either way. Those points are covered by the tests of
tests/models written from GitLab's documentation.
"""

from __future__ import annotations

from functools import cache

from cilint.loading.load import load_project
from cilint.models.pipeline import Pipeline
from cilint.models.settings import ProjectConfig
from tests.conftest import CORPUS


@cache
def _pipelines(project: str) -> dict[str, Pipeline]:
    return {p.path: p for p in load_project(CORPUS / project, None, ProjectConfig(), []).pipelines}


def _variants(project: str, path: str = ".gitlab-ci.yml") -> list[Pipeline]:
    pipeline = _pipelines(project)[path]
    return [pipeline, *pipeline.alternatives]


def test_boolean_and_float_variables_are_their_ruby_to_s():
    """Point 1. docs.gitlab.com/ci/yaml/#variables (GitLab 16.11, MR 146503: any scalar, stored as its
    `to_s`). Before: `CODE_QUALITY_DISABLED: true` and `GO_VERSION: 1.26` were dropped (None)."""
    (todo,) = _variants("ankit630__unixcloudfusion-devops-solutions", "medium-articles/todo-app/.gitlab-ci.yml")
    assert todo.jobs["build"].variables["CODE_QUALITY_DISABLED"].value == "true"
    (hetzner,) = _variants("hetznercloud__fleeting-plugin-hetzner")
    assert hetzner.jobs["binaries: [darwin/amd64 darwin/arm64]"].variables["GO_VERSION"].value == "1.26"


def test_include_rules_give_pipelines_of_their_own():
    """Point 2. docs.gitlab.com/ci/yaml/includes/#use-rules-with-include. Before: the dev and prod
    files both merged into one pipeline, so `deploy-dev` had prod's DEPLOY_SSH_HOST (starter-kit.io),
    and every gitlab-runner job had the fork file's tags."""
    dev, prod, *_ = _variants("solidbunch__starter-kit-foundation")
    assert dev.jobs["deploy-dev"].variables["DEPLOY_SSH_HOST"].value == "develop.starter-kit.io"
    assert "deploy-prod" not in dev.jobs and "deploy-dev" not in prod.jobs
    assert prod.jobs["deploy-prod"].variables["DEPLOY_SSH_HOST"].value == "starter-kit.io"
    tags = {tuple(v.jobs["binaries"].tags) for v in _variants("gitlabhq__gitlab-runner") if "binaries" in v.jobs}
    assert {("$RUNNER_TAG_2XLARGE",), ("gitlab-org-docker",)} <= tags  # the canonical and the fork's


def test_rules_and_workflow_variables_are_the_variants_variables():
    """Point 3. docs.gitlab.com/ci/yaml/#workflowrulesvariables and #rulesvariables. Before: neither
    was read (pavigor's TF_LABEL_ENVIRONMENT unset; OS2mo's IMAGE_SHA only the job's own value)."""
    assert [v.jobs["DNS:add-dns-records"].variables["TF_LABEL_ENVIRONMENT"].value
            for v in _variants("pavigor__slurm-final-infra")] == ["prod", "dev"]
    assert {v.jobs["Install ramodels"].variables["IMAGE_SHA"].value for v in _variants("OS2mo__os2mo")} == {
        "${CI_REGISTRY_IMAGE}:${CI_COMMIT_SHA}", "${CI_REGISTRY_IMAGE}:${CI_COMMIT_TAG}"}


def test_a_job_whose_every_rule_is_never_is_not_created():
    """Points 2 and 3. docs.gitlab.com/ci/jobs/job_rules/ (`when: never`). Before: Overbookd's
    `container_scanning` (`rules: - when: never`, a template for the job that extends it) was a job."""
    (overbookd,) = _variants("24HeuresINSA__Overbookd")
    assert "container_scanning" not in overbookd.jobs


def test_matrix_instances_have_their_values():
    """Point 4. docs.gitlab.com/ci/yaml/#parallelmatrix. Before: one job `tests`, GO_VERSION the
    global 1.25, no instance for 1.26."""
    shell = _variants("gitlabhq__gitlab-shell")[0]
    assert [shell.jobs[n].variables["GO_VERSION"].value for n in ("tests: [1.25]", "tests: [1.26]")] == ["1.25", "1.26"]
    assert "tests" not in shell.jobs
    assert shell.jobs["tests: [1.26]"].variables["GO_VERSION"].origin == "matrix"


def test_child_pipelines_know_the_job_that_starts_them():
    """Point 5. docs.gitlab.com/ci/pipelines/downstream_pipelines/. Before: DeveloperDurp's four
    `trigger:include` files were standalone pipelines; now each is the child of its trigger job
    (which forwards no variables here, so the jobs are the same)."""
    pipelines = _pipelines("DeveloperDurp__homelab")
    children = {path: p.trigger.name for path, p in pipelines.items() if p.trigger is not None}
    assert children == {"dmz/.gitlab/.gitlab-ci.yml": "build_dmz", "infra/.gitlab/.gitlab-ci.yml": "build_infra",
                        "dev/.gitlab/.gitlab-ci.yml": "build_dev", "prd/.gitlab/.gitlab-ci.yml": "build_prd"}


def test_spec_in_a_one_document_file_is_a_job():
    """Found by the conformance run: GitLab reads `spec` as a header only before `---`
    (docs.gitlab.com/ci/yaml/#header-keywords); GitLab's own Crystal template has a job `spec`.
    Before: cilint dropped it."""
    (crystal,) = _variants("gitlabhq__gitlabhq", "lib/gitlab/ci/templates/Crystal.gitlab-ci.yml")
    assert [line.text for line in crystal.jobs["spec"].script] == ["crystal spec"]
