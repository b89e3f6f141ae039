"""Alternative pipelines from `include: rules:`, `workflow: rules:` and job `rules:` (issue 18 points 2, 3)."""

from __future__ import annotations

from cilint.loading.load import load_project
from cilint.models.conditions import Witness, assignments, describe, evaluate, parse_if
from cilint.models.settings import ProjectConfig
from cilint.report.common import placed
from tests.helpers import lint, rows


def _variants(root, path=".gitlab-ci.yml"):
    pipeline = next(p for p in load_project(root, None, ProjectConfig(), []).pipelines if p.path == path)
    return [pipeline, *pipeline.alternatives]


def test_expressions_read_as_gitlab_reads_them():
    """docs.gitlab.com/ci/jobs/job_rules/#cicd-variable-expressions: ==, !=, =~, !~, a variable alone
    (set and not empty), null, && binding tighter than ||, parentheses."""
    expr = parse_if('$A == "x" || $B =~ /^rel/ && $C != null')
    assert evaluate(expr, {"A": "x"}, {}) is True
    assert evaluate(expr, {"A": "y", "B": Witness("^rel"), "C": "c"}, {}) is True
    assert evaluate(expr, {"A": "y", "B": Witness("^rel"), "C": "\0unset"}, {}) is False
    assert evaluate(parse_if("$FLAG"), {}, {"FLAG": ""}) is False  # set but empty
    assert evaluate(parse_if('"main" == $BRANCH'), {}, {"BRANCH": "main"}) is True
    assert parse_if("$A ==").__class__.__name__ == "Opaque"


def test_a_hostile_regex_is_never_run_against_a_crafted_string():
    """Python's re backtracks where GitLab's RE2 does not: `(a+)+$` against 40 a's and a `!` would
    not finish. A compared string is taken to match no regex; the regex's own witness does."""
    exprs = [parse_if("$X =~ /(a+)+$/"), parse_if('$X == "' + "a" * 40 + '!"')]
    every = assignments(exprs, {})
    assert [evaluate(exprs[0], a, {}) for a in every] == [True, False, False, False]  # witness, string, other, unset


def test_complementary_conditions_are_one_choice_not_two():
    """`== "main"` and `!= "main"` split the assignments in two: no assignment has both."""
    main, other = parse_if('$CI_COMMIT_BRANCH == "main"'), parse_if('$CI_COMMIT_BRANCH != "main"')
    every = assignments([main, other], {})
    assert not any(evaluate(main, a, {}) and evaluate(other, a, {}) for a in every)
    assert describe([a for a in every if evaluate(main, a, {})], every) == '$CI_COMMIT_BRANCH == "main"'
    assert describe([a for a in every if evaluate(other, a, {})], every) == '$CI_COMMIT_BRANCH != "main"'


BRANCH_INCLUDES = {
    ".gitlab-ci.yml": """
        include:
          - local: ci/prod.yml
            rules:
              - if: $CI_COMMIT_BRANCH == "main"
          - local: ci/dev.yml
            rules:
              - if: $CI_COMMIT_BRANCH != "main"
          - local: ci/off.yml
            rules:
              - when: never
        deploy:
          script: ssh "$DEPLOY_SSH_HOST" deploy
    """,
    "ci/prod.yml": "deploy:\n  variables:\n    DEPLOY_SSH_HOST: prod.example.com\n",
    "ci/dev.yml": "deploy:\n  variables:\n    DEPLOY_SSH_HOST: dev.example.com\n  tags: [dev]\n",
    "ci/off.yml": "never:\n  script: x\n",
}


def test_conditional_includes_are_alternative_pipelines(project):
    """docs.gitlab.com/ci/yaml/includes/#use-rules-with-include: a file is included only when its
    rules apply; `when: never` excludes it. Before, both files merged into one `deploy` with dev's
    host and tags, and ci/off.yml was included."""
    variants = _variants(project(BRANCH_INCLUDES))
    assert [v.variant for v in variants] == ['$CI_COMMIT_BRANCH == "main"', '$CI_COMMIT_BRANCH != "main"']
    prod, dev = (v.jobs["deploy"] for v in variants)
    assert (prod.variables["DEPLOY_SSH_HOST"].value, prod.tags) == ("prod.example.com", ())
    assert (dev.variables["DEPLOY_SSH_HOST"].value, dev.tags) == ("dev.example.com", ("dev",))
    assert all("never" not in v.jobs for v in variants)
    assert "ci/prod.yml" not in variants[1].files and "ci/dev.yml" not in variants[0].files


def test_if_on_a_variable_the_file_sets_is_decided(project):
    root = project({
        ".gitlab-ci.yml": "variables:\n  LEGACY: 'false'\ninclude:\n  - local: ci/legacy.yml\n    rules:\n"
                          "      - if: $LEGACY == \"true\"\nmain:\n  script: x\n",
        "ci/legacy.yml": "legacy:\n  script: x\n",
    })
    variants = _variants(root)
    assert len(variants) == 1 and set(variants[0].jobs) == {"main"}


def test_rules_variables_are_job_variables_of_their_variant(project):
    """docs.gitlab.com/ci/yaml/#rulesvariables: the variables of the rule that applies override the
    job's. Before, a DOCKER_HOST set there was invisible and NET009 said the job did not set it."""
    root = project({
        ".gitlab-ci.yml": """
            build:
              image: docker:27
              services: [docker:27-dind]
              variables:
                DOCKER_TLS_CERTDIR: ""
              script: docker build .
              rules:
                - if: $CI_COMMIT_TAG
                  variables:
                    DOCKER_HOST: tcp://docker:2375
                - when: on_success
                  variables:
                    DOCKER_HOST: tcp://docker:2375
                    PUSH: "false"
        """,
    })
    variants = _variants(root)
    assert len(variants) == 2
    assert {v.jobs["build"].variables["DOCKER_HOST"].value for v in variants} == {"tcp://docker:2375"}
    assert [v.jobs["build"].variables["DOCKER_HOST"].origin for v in variants] == ["rules", "rules"]
    assert "NET009" not in {rule for *_, rule in rows(lint(root))}


def test_workflow_rules_variables_and_a_pipeline_that_never_runs(project):
    """docs.gitlab.com/ci/yaml/#workflowrulesvariables: the workflow rule's variables override the
    global ones; a job whose every rule is `when: never` does not exist; workflow rules that are all
    `when: never` leave no jobs."""
    root = project({
        ".gitlab-ci.yml": """
            variables:
              DEPLOY: default
            workflow:
              rules:
                - if: $CI_COMMIT_BRANCH == "main"
                  variables:
                    DEPLOY: production
                - when: always
            job:
              script: echo $DEPLOY
            off:
              script: x
              rules:
                - when: never
        """,
        "other/.gitlab-ci.yml": "workflow:\n  rules:\n    - when: never\nj:\n  script: x\n",
    })
    variants = _variants(root)
    assert [v.jobs["job"].variables["DEPLOY"].value for v in variants] == ["production", "default"]
    assert all("off" not in v.jobs for v in variants)
    assert _variants(root, "other/.gitlab-ci.yml")[0].jobs == {}


def test_a_finding_in_every_variant_is_reported_once_and_one_in_some_says_where(project):
    root = project({
        ".gitlab-ci.yml": """
            include:
              - local: ci/main.yml
                rules:
                  - if: $CI_COMMIT_BRANCH == "main"
            test:
              image: curlimages/curl
              script: curl http://host.docker.internal:8080/
        """,
        "ci/main.yml": "e2e:\n  image: curlimages/curl\n  script: curl http://host.docker.internal:9090/\n",
    })
    result = lint(root)
    found = [(p.finding.path, p.finding.rule_id) for p in placed(result.projects)]
    assert found == [(".gitlab-ci.yml", "DNS001"), ("ci/main.yml", "DNS001")]
    messages = {f.path: f.message for project_result in result.projects for f in project_result.findings}
    assert "only in pipelines where" not in messages[".gitlab-ci.yml"]
    assert messages["ci/main.yml"].endswith('(only in pipelines where $CI_COMMIT_BRANCH == "main")')


def test_a_finding_another_pipeline_always_has_is_not_conditional(project):
    """A file one pipeline includes under a rule and another pipeline includes always: a finding
    there holds in every pipeline the project has (the engine re-checks, in each variant, the
    pipelines that share a file with one that varies)."""
    root = project({
        ".gitlab-ci.yml": "include:\n  - local: ci/common.yml\n    rules:\n      - if: $CI_COMMIT_BRANCH == \"main\"\n"
                          "build:\n  script: make\n",
        "deploy.gitlab-ci.yml": "include: ci/common.yml\ndeploy:\n  script: deploy\n",
        "ci/common.yml": "e2e:\n  image: curlimages/curl\n  script: curl http://host.docker.internal:9090/\n",
    })
    result = lint(root)
    (finding,) = [f for r in result.projects for f in r.findings if f.rule_id == "DNS001"]
    assert finding.path == "ci/common.yml" and "only in pipelines where" not in finding.message


def test_too_many_variants_fall_back_to_may_apply_with_a_note(project):
    entries = "".join(f"  - local: ci/f{i}.yml\n    rules:\n      - if: $V{i}\n" for i in range(5))
    files = {f"ci/f{i}.yml": f"job{i}:\n  script: x\n" for i in range(5)}
    root = project({".gitlab-ci.yml": "include:\n" + entries, **files})
    variants = _variants(root)
    assert len(variants) == 1 and set(variants[0].jobs) == {f"job{i}" for i in range(5)}
    notes = [f for f in load_project(root, None, ProjectConfig(), []).findings if f.route[:1] == ("variants",)]
    assert [(f.rule_id, f.severity.label) for f in notes] == [("CIL002", "info")]
    assert "32 variants" in notes[0].message
