"""Issue 21 point 1: GitLab's CI/CD schema on the merged pipeline, at the line where a mistake is written;
where the schema is stricter than GitLab, GitLab wins (each such place has its case here)."""

from __future__ import annotations

import pytest

from cilint.engine import run
from cilint.findings import Confidence
from cilint.report.common import placed
from cilint.results import Options
from tests.conftest import CORPUS


def _found(root) -> list[tuple[str, int, str]]:
    result = run(Options(paths=(root,), select=("GLC001",), confidence=Confidence.LOW))
    return [(p.finding.path, p.start.line, p.finding.message) for p in placed(result.projects)]


def test_a_misspelled_keyword_in_an_included_hidden_job_is_reported_where_it_is_written(project):
    root = project({
        ".gitlab-ci.yml": "include:\n  - local: ci/templates.yml\nbuild:\n  extends: .build\n  script:\n    - make\n",
        "ci/templates.yml": ".build:\n  image: alpine:3.20\n  artifcats:\n    paths: [dist/]\n",
    })
    assert _found(root) == [("ci/templates.yml", 3, "`artifcats` is not a job keyword; did you mean `artifacts`?")]


def test_a_wrong_value_names_the_keyword_and_the_type(project):
    root = project({".gitlab-ci.yml": "deploy:\n  tags: kind\n  when: manul\n  script:\n    - ./deploy.sh\n"})
    found = _found(root)
    assert (".gitlab-ci.yml", 2, "`deploy:tags`: must be an array, not a string") in found
    assert any(line == 3 and "`manul` is not one of" in message for _, line, message in found)


@pytest.mark.parametrize(("name", "files"), [
    # GitLab flattens the nested list `!reference` gives inside a list (docs: yaml_optimization)
    ("nested reference in script and rules", {".gitlab-ci.yml": (
        ".rules:\n  rules:\n    - if: $CI_COMMIT_TAG\n      when: never\n.setup:\n  script:\n    - apk add curl\n"
        "build:\n  rules:\n    - !reference [.rules, rules]\n    - when: on_success\n"
        "  script:\n    - !reference [.setup, script]\n    - make\n")}),
    # a keyword set to null is not configured (often to cancel what `extends` brought)
    ("null keyword", {".gitlab-ci.yml": ".base:\n  parallel: 2\nbuild:\n  extends: .base\n  parallel: null\n"
                                        "  variables: null\n  script: [make]\n"}),
    # in a one-document file without a header GitLab reads `spec:` as a job (issue 18)
    ("spec as a job", {".gitlab-ci.yml": "spec:\n  image: crystallang/crystal:1.14\n  script:\n    - crystal spec\n"}),
    # GitLab keeps `artifacts:reports:performance` for compatibility (gitlab MR 34634); GitLab's own
    # pipeline uses it; the schema lists only `browser_performance`
    ("performance report", {".gitlab-ci.yml": "perf:\n  script: [sitespeed]\n  artifacts:\n    reports:\n"
                                              "      performance: performance.json\n"}),
])
def test_where_the_schema_is_stricter_than_gitlab_gitlab_wins(project, name, files):
    assert _found(project(files)) == [], name


# Findings of the GLC rules on the corpus, each read: true mistakes of the project, or files of GitLab's
# repository from another version than its pipeline (the corpus holds files of several commits).
MIXED_VERSIONS = "a file of another commit of GitLab's repository than the .gitlab-ci.yml beside it (MANIFEST.tsv)"
CORPUS_EXPECTED = {
    ("Secureplane__secureplane-cloud-posture", "`security` is not a key of"): "no such report: GitLab rejects it",
    ("Secureplane__secureplane-cloud-posture", "`compliance` is not a key of"): "no such report: GitLab rejects it",
    ("linahamila54460__MERN_Stack_Project", "`deploy_to_kind:tags`: must be an array"): "`tags: -kind`: a string",
    ("gitlabhq__gitlabhq", "`type` is not a job keyword"):
        "Ruby template from before `type` was removed (deprecated for `stage`, gitlab MR 77876)",
    ("gitlabhq__gitlabhq", "`cluster_image_scanning` is not a key of"):
        "Cluster-Image-Scanning template of a version that still had that report",
    # GLC002: keys written twice, the first lost (each read in the file: the same value twice, or a copy)
    ("chenglinjava68__devops", "`DOCKER_DRIVER` is written twice"): "the same variable twice",
    ("chrhansk__sleqp", "`dependencies` is written twice"): "the same `dependencies:` above and below `script:`",
    ("gitlabhq__cli", "`report2` is written twice"): "glab's test data: a second job of the same name",
    ("starr-dusT__gitlab-ci", "`Job 3 - 4` is written twice"): "an example file with a job copied under its own name",
    # GLC008: a job switched off by rules and left in the file
    ("maintaein__ttabong", "job `Front_Test` never runs"): "its last rule is `- when: never`",
    ("maintaein__ttabong", "job `Back_Test` never runs"): "its last rule is `- when: never`",
    # GLC011: runner values of the wrong type
    ("abrekhov__mks-gitlab-werf", "runner `runner #1`: `runners.kubernetes.pod_annotations` must be a table"):
        "`pod_annotations = [\"k=v\"]`: GitLab Runner reads a map[string]string there",
    # GLC003/GLC005 on GitLab's own pipeline: jobs and stages of other versions
    ("gitlabhq__gitlabhq", "stage `lint` of job"): MIXED_VERSIONS + ": `lint` came after this `stages:`",
    ("gitlabhq__gitlabhq", "`needs:` of job `memory-on-boot` names `compile-test-assets`"): MIXED_VERSIONS,
    ("gitlabhq__gitlabhq", "`needs:` of job `pages` names"): MIXED_VERSIONS,
    ("gitlabhq__gitlabhq", "`needs:` of job `package-and-qa-manual:master` names `gitlab:assets:compile`"):
        MIXED_VERSIONS,
}


def test_on_the_corpus_every_finding_is_explained_and_none_is_on_a_file_gitlabs_pipeline_runs():
    projects = tuple(sorted(p for p in CORPUS.iterdir() if p.is_dir()))
    result = run(Options(paths=projects, select=("GLC",), confidence=Confidence.LOW))
    found = [(p.root.name, f.path, f.message, f.rule_id) for p in result.projects for f in p.findings]
    unexplained = [f for f in found if not any(f[0] == project and f[2].startswith(start)
                                               for project, start in CORPUS_EXPECTED)]
    assert unexplained == []
    gitlab = [(path, rule) for project, path, _, rule in found if project == "gitlabhq__gitlabhq"]
    # the schema: only on templates of other versions; the logical checks: only where versions mix
    assert gitlab and all(path.startswith("lib/gitlab/ci/templates/") for path, rule in gitlab if rule == "GLC001")
    assert {rule for _, rule in gitlab} == {"GLC001", "GLC003", "GLC005"}
    assert {(project, start) for project, start in CORPUS_EXPECTED} == {
        (project, start) for project, start in CORPUS_EXPECTED if any(
            f[0] == project and f[2].startswith(start) for f in found)}


def test_the_quick_reading_never_accepts_what_jsonschema_rejects():
    """facts/schema_reading.py reads most values without jsonschema: on every part of every corpus
    pipeline, a value it accepts has no jsonschema error, and it decides most of them."""
    from cilint.facts import schema_view
    from cilint.facts.schema_reading import accepts
    from cilint.loading.load import load_project
    from cilint.models.settings import ProjectConfig

    decided = undecided = 0
    for root in sorted(p for p in CORPUS.iterdir() if p.is_dir()):
        errors = schema_view.SchemaErrors()
        for pipeline in load_project(root, None, ProjectConfig(), []).pipelines:
            list(errors.of(schema_view.view_of(pipeline.config)))
        for (pointer, node_id, _), _ in errors._seen.items():
            value = errors._plain.get(node_id)
            if value is None:
                continue
            verdict = accepts(schema_view._resolved(pointer), value)
            jsonschema_errors = list(schema_view._validator(pointer).iter_errors(value))
            if verdict is None:
                undecided += 1
            else:
                decided += 1
                assert verdict == (not jsonschema_errors), (root.name, pointer, value)
    assert decided > 10 * undecided, (decided, undecided)
