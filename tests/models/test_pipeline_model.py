"""The pipeline model: includes, default/inherit, extends, !reference, variables, services, limits."""

from __future__ import annotations

import os

import pytest

from cilint.models.images import derived_aliases, parse_image, split_aliases
from cilint.models.variables import expand
from tests.helpers import findings_of, pipeline, rows


def codes(root):
    return sorted((f.rule_id, f.severity.label, f.location.path) for f in findings_of(root))


# -- includes ---------------------------------------------------------------------------------


def test_include_forms_are_merged_in_order(project):
    root = project({
        ".gitlab-ci.yml": """
            include:
              - ci/a.yml
              - local: /ci/b.yml
            job:
              script: main
        """,
        "ci/a.yml": "job:\n  image: a\n  script: a\nvar_a:\n  script: x\n",
        "ci/b.yml": "include: ci/c.yml\njob:\n  image: b\n",
        "ci/c.yml": "from_c:\n  script: c\n",
    })
    p = pipeline(root)
    assert p.jobs["job"].image.name == "b"  # later include wins
    assert [l.text for l in p.jobs["job"].script] == ["main"]  # the main file wins
    assert set(p.jobs) == {"job", "var_a", "from_c"}
    assert p.files == (".gitlab-ci.yml", "ci/a.yml", "ci/b.yml", "ci/c.yml")
    assert codes(root) == []


def test_included_value_keeps_its_file_and_line(project):
    root = project({
        ".gitlab-ci.yml": "include: ci/defaults.yml\njob:\n  script: make\n",
        "ci/defaults.yml": "default:\n  image: registry.example.com/tools:1\n",
    })
    image = pipeline(root).jobs["job"].image
    assert image.node.path == "ci/defaults.yml"
    assert image.name == "registry.example.com/tools:1"


def test_include_glob(project):
    root = project({
        ".gitlab-ci.yml": "include:\n  - local: 'ci/*.yml'\n  - local: 'deep/**.yml'\n",
        "ci/one.yml": "one:\n  script: 1\n",
        "ci/two.yml": "two:\n  script: 2\n",
        "ci/sub/no.yml": "no:\n  script: 0\n",
        "deep/a/b/three.yml": "three:\n  script: 3\n",
    })
    assert set(pipeline(root).jobs) == {"one", "two", "three"}


def test_include_glob_follows_gitlabs_wildcard_grammar(project):
    """docs.gitlab.com/ci/yaml/includes/#use-includelocal-with-wildcard-file-paths: `configs/**/*.yml`
    includes the files of the subfolders of `configs` only, `**.yml` all of them. GitLab's
    Repository#search_files_by_wildcard_path: `**` is `.*?`, `*` is `[^/]*?`, anchored; `?` and `[`
    are literal."""
    root = project({
        ".gitlab-ci.yml": "include:\n  - local: 'ci/**/*.yml'\n  - local: 'lit/[ab].yml'\nmain:\n  script: m\n",
        "ci/top.yml": "top:\n  script: t\n",
        "ci/sub/nested.yml": "nested:\n  script: n\n",
        "ci/sub/deeper/deepest.yml": "deepest:\n  script: d\n",
        "lit/a.yml": "a:\n  script: a\n",
        "lit/[ab].yml": "bracket:\n  script: b\n",
    })
    assert set(pipeline(root).jobs) == {"main", "nested", "deepest", "bracket"}
    assert codes(root) == []


def test_double_star_glob_does_not_include_the_root_file_itself(project):
    """`**/*.yml` needs a `/`, so it never names `.gitlab-ci.yml` at the root: no include cycle."""
    root = project({
        ".gitlab-ci.yml": "include:\n  - local: '**/*.yml'\nmain:\n  script: m\n",
        "ci/one.yml": "one:\n  script: 1\n",
    })
    assert set(pipeline(root).jobs) == {"main", "one"}
    assert codes(root) == []


def test_wildcard_match_is_linear_in_the_path():
    """GitLab matches with RE2 (linear); a backtracking regex would take hours on this pair."""
    from cilint.loading.includes import WildcardPath

    assert not WildcardPath.parse("*a" * 40 + "b").matches("a" * 3000)
    assert WildcardPath.parse("***.yml").matches("a/b.yml")  # `***` is `**` then `*`
    assert not WildcardPath.parse("*/**.yml").matches("a.yml")


def test_a_file_included_again_is_merged_again(project):
    """GitLab merges every include entry in order, duplicates too (MR 78297 allowed them; since 15.10
    they count towards the 150 limit; docs.gitlab.com/ci/yaml/includes/, "Use nested includes with
    duplicate includes entries"). Merged again, the file's values win over what came in between."""
    root = project({
        ".gitlab-ci.yml": "include:\n  - ci/base.yml\n  - ci/override.yml\n  - ci/base.yml\n",
        "ci/base.yml": "job:\n  image: base\n  script: b\n",
        "ci/override.yml": "job:\n  image: override\n",
    })
    p = pipeline(root)
    assert p.jobs["job"].image.name == "base"
    assert p.files == (".gitlab-ci.yml", "ci/base.yml", "ci/override.yml")
    assert codes(root) == []


def test_a_diamond_include_is_merged_under_each_file(project):
    """a.yml and b.yml both include common.yml: merged as a (common, a), then b (common, b), so
    common's image comes back in b's turn and wins over a's."""
    root = project({
        ".gitlab-ci.yml": "include:\n  - ci/a.yml\n  - ci/b.yml\n",
        "ci/a.yml": "include: ci/common.yml\njob:\n  image: from-a\n",
        "ci/b.yml": "include: ci/common.yml\nother:\n  script: o\n",
        "ci/common.yml": "job:\n  image: from-common\n  script: c\n",
    })
    assert pipeline(root).jobs["job"].image.name == "from-common"


def test_include_with_rules_is_taken_as_may_apply(project):
    root = project({
        ".gitlab-ci.yml": "include:\n  - local: ci/a.yml\n    rules:\n      - if: $CI_COMMIT_TAG\n",
        "ci/a.yml": "a:\n  script: a\n",
    })
    assert "a" in pipeline(root).jobs


@pytest.mark.parametrize("target", ["../outside.yml", "/../../etc/x.yml", "ci/../../x.yml"])
def test_include_escaping_the_root_is_refused(project, target):
    root = project({".gitlab-ci.yml": f"include: '{target}'\njob:\n  script: x\n"})
    found = findings_of(root)
    assert [(f.rule_id, f.severity.label) for f in found] == [("CIL002", "blocker")]
    assert "outside the project root" in found[0].message


def test_include_symlink_escaping_the_root_is_refused(project, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside") / "evil.yml"
    outside.write_text("evil:\n  script: x\n")
    root = project({".gitlab-ci.yml": "include: ci/link.yml\njob:\n  script: x\n"})
    (root / "ci").mkdir()
    os.symlink(outside, root / "ci" / "link.yml")
    found = findings_of(root)
    assert [f.rule_id for f in found] == ["CIL002"]
    assert "evil" not in pipeline(root).jobs


def test_include_through_a_directory_symlink_escaping_the_root_is_refused(project, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside")
    (outside / "evil.yml").write_text("evil:\n  script: x\n")
    root = project({".gitlab-ci.yml": "include: ci/evil.yml\njob:\n  script: x\n", "ok/inside.yml": "x: 1\n"})
    os.symlink(outside, root / "ci")
    found = findings_of(root)
    assert [f.rule_id for f in found] == ["CIL002"]
    assert "evil" not in pipeline(root).jobs


def test_missing_include_and_cycle(project):
    root = project({
        ".gitlab-ci.yml": "include:\n  - ci/a.yml\n  - ci/missing.yml\njob:\n  script: x\n",
        "ci/a.yml": "include: ci/b.yml\n",
        "ci/b.yml": "include: ci/a.yml\nb:\n  script: b\n",
    })
    messages = sorted(f.message for f in findings_of(root))
    assert any("include cycle: ci/a.yml -> ci/b.yml -> ci/a.yml" in m for m in messages)
    assert any("`ci/missing.yml` does not exist" in m for m in messages)
    assert "b" in pipeline(root).jobs  # analysis goes on


def test_include_limit(project):
    files = {".gitlab-ci.yml": "include:\n" + "".join(f"  - ci/f{i}.yml\n" for i in range(160))}
    for i in range(160):
        files[f"ci/f{i}.yml"] = f"j{i}:\n  script: x\n"
    root = project(files)
    limit = [f for f in findings_of(root) if "150" in f.message]
    assert len(limit) == 1 and limit[0].rule_id == "CIL002"
    assert len(pipeline(root).jobs) == 150


def test_remote_project_template_component_are_info(project):
    root = project({
        ".gitlab-ci.yml": """
            include:
              - remote: https://example.com/ci.yml
              - https://example.com/other.yml
              - project: group/ci
                file: /templates/a.yml
              - template: Security/SAST.gitlab-ci.yml
              - component: gitlab.com/components/sast/sast@2
            job:
              script: x
        """,
    })
    found = findings_of(root)
    assert [(f.rule_id, f.severity.label) for f in found] == [("CIL002", "info")] * 5
    assert pipeline(root).partial is True


def test_own_component_resolves_to_templates(project):
    root = project({
        ".gitlab-ci.yml": """
            include:
              - component: $CI_SERVER_FQDN/$CI_PROJECT_PATH/lint@$CI_COMMIT_SHA
                inputs:
                  stage: verify
        """,
        "templates/lint.yml": """
            spec:
              inputs:
                stage:
                  default: test
                image:
                  default: python:3.12
            ---
            lint-job:
              stage: $[[ inputs.stage ]]
              image: $[[ inputs.image ]]
              script: echo "running in $[[ inputs.stage ]]"
        """,
    })
    job = pipeline(root).jobs["lint-job"]
    assert job.stage == "verify"
    assert job.image.name == "python:3.12"
    assert job.image.node.path == "templates/lint.yml"  # the default is written there
    assert job.script[0].text == 'echo "running in verify"'
    assert codes(root) == []


def test_input_functions_are_applied(project):
    """docs.gitlab.com/ci/inputs/#predefined-interpolation-functions: `truncate(offset,length)`,
    `posix_escape`, `expand_vars`, chained left to right (GitLab's Interpolation::Functions:
    truncate is Ruby's `value[offset, length].to_s`, posix_escape is `Shellwords.shellescape`)."""
    root = project({
        ".gitlab-ci.yml": """
            include:
              - local: ci/t.yml
                inputs:
                  name: my-very-long-service-name
                  message: "it's $HOME; rm -rf"
                  image: registry.example.com/$IMAGE_TAG
        """,
        "ci/t.yml": """
            spec:
              inputs:
                name:
                message:
                image:
            ---
            job:
              image: $[[ inputs.image | expand_vars ]]
              variables:
                SHORT: $[[ inputs.name | truncate(3,4) ]]
                PAST_END: x$[[ inputs.name | truncate(99,4) ]]
                CHAINED: $[[ inputs.name | truncate(0, 10) | truncate(3,4) ]]
              script:
                - echo $[[ inputs.message | posix_escape ]]
        """,
    })
    job = pipeline(root).jobs["job"]
    assert job.variables["SHORT"].value == "very"
    assert job.variables["PAST_END"].value == "x"
    assert job.variables["CHAINED"].value == "very"
    assert job.script[0].text == "echo it\\'s\\ \\$HOME\\;\\ rm\\ -rf"
    # expand_vars expands what GitLab's include context knows (project, group, instance, pipeline
    # variables): nothing offline, so the reference stays for the runner to expand
    assert job.image.name == "registry.example.com/$IMAGE_TAG"
    assert codes(root) == []


def test_input_functions_gitlab_rejects_are_reported(project):
    """GitLab: 'no function matching', 'too many functions in interpolation block' (at most 3), and
    functions take string inputs only."""
    root = project({
        ".gitlab-ci.yml": "include:\n  - local: ci/t.yml\n    inputs:\n      n: abc\n      list: [a]\n",
        "ci/t.yml": "spec:\n  inputs:\n    n:\n    list:\n      type: array\n---\njob:\n  script:\n"
                    "    - echo $[[ inputs.n | upcase ]]\n"
                    "    - echo $[[ inputs.n | posix_escape | posix_escape | posix_escape | posix_escape ]]\n"
                    "    - echo $[[ inputs.list | truncate(0,1) ]]\n",
    })
    found = findings_of(root)
    assert [(f.rule_id, f.severity.label, f.location.path) for f in found] == [("CIL002", "blocker", "ci/t.yml")] * 3
    assert "no function matching `upcase`" in found[0].message
    assert "too many functions" in found[1].message
    assert "string inputs only" in found[2].message


def test_non_yaml_extension_and_file_too_large(project):
    root = project({
        ".gitlab-ci.yml": "include:\n  - ci/a.txt\n  - ci/big.yml\njob:\n  script: x\n",
        "ci/a.txt": "x: 1\n",
        "ci/big.yml": "a: " + "x" * (2 * 1024 * 1024 + 10) + "\n",
    })
    messages = [f.message for f in findings_of(root)]
    assert any("extension" in m for m in messages)
    assert any("at most 2,097,152 bytes" in m for m in messages)


# -- parallel:matrix ---------------------------------------------------------------------------


def test_matrix_expands_into_named_instances_with_their_variables(project):
    """docs.gitlab.com/ci/yaml/#parallelmatrix: each entry is the product of its lists, entries are
    concatenated, an instance is named `job: [value, value]`, and its values are job variables."""
    root = project({
        ".gitlab-ci.yml": """
            variables:
              PY: "3.9"
            .base:
              script: pytest
            test:
              extends: .base
              image: python:$PY
              parallel:
                matrix:
                  - PY: ["3.11", "3.12"]
                    OS: [alpine, slim]
                  - PY: "3.13"
        """,
    })
    jobs = pipeline(root).jobs
    assert list(jobs) == ["test: [3.11, alpine]", "test: [3.11, slim]", "test: [3.12, alpine]",
                          "test: [3.12, slim]", "test: [3.13]"]
    job = jobs["test: [3.12, slim]"]
    assert job.expand(job.image.name).text == "python:3.12"
    assert (job.variables["OS"].value, job.variables["OS"].origin) == ("slim", "matrix")
    text = (root / ".gitlab-ci.yml").read_text()
    node = job.variables["PY"].node
    assert text[node.start:node.end] == '"3.12"'  # the value as written, where a fix would go
    last = jobs["test: [3.13]"]
    assert last.expand(last.image.name).text == "python:3.13"
    assert codes(root) == []


def test_matrix_over_200_jobs_is_rejected_as_gitlab_rejects_it(project):
    values = ", ".join(f'"{i}"' for i in range(15))
    root = project({
        ".gitlab-ci.yml": f"big:\n  script: x\n  parallel:\n    matrix:\n      - A: [{values}]\n        B: [{values}]\n",
    })
    found = findings_of(root)
    assert [(f.rule_id, f.severity.label) for f in found] == [("CIL001", "blocker")]
    assert "more than 200 jobs" in found[0].message
    assert list(pipeline(root).jobs) == ["big"]  # analysed once, as written


# -- child pipelines ---------------------------------------------------------------------------


def _pipelines(root):
    from cilint.loading.load import load_project
    from cilint.models.settings import ProjectConfig

    return load_project(root, None, ProjectConfig(), []).pipelines


def test_a_child_pipeline_of_any_name_gets_what_its_trigger_job_passes(project):
    """docs.gitlab.com/ci/pipelines/downstream_pipelines/#pass-yaml-defined-cicd-variables: the trigger
    job's variables, global ones included, reach the child as pipeline variables, which win over the
    child's own `variables:` (docs.gitlab.com/ci/variables/#cicd-variable-precedence)."""
    root = project({
        ".gitlab-ci.yml": """
            variables:
              DOCKER_HOST: tcp://docker:2375
            deploy:
              variables:
                TARGET: prod
              trigger:
                include: ci/deploy.yml
        """,
        "ci/deploy.yml": """
            variables:
              TARGET: dev
            push:
              variables:
                TARGET: job-level
              script: docker push
        """,
    })
    pipelines = {p.path: p for p in _pipelines(root)}
    child = pipelines["ci/deploy.yml"]
    assert child.trigger is not None and child.trigger.name == "deploy"
    push = child.jobs["push"]
    assert push.variables["TARGET"].value == "prod"
    assert push.variables["DOCKER_HOST"].value == "tcp://docker:2375"
    assert push.variables["DOCKER_HOST"].node.path == ".gitlab-ci.yml"  # where the value is written
    assert codes(root) == []


def test_forward_yaml_variables_false_passes_nothing(project):
    """docs.gitlab.com/ci/yaml/#triggerforward: `yaml_variables: false` keeps the trigger job's
    variables from the downstream pipeline."""
    root = project({
        ".gitlab-ci.yml": "variables:\n  A: parent\nkid:\n  trigger:\n    include:\n      - local: /ci/kid.yml\n"
                          "    forward:\n      yaml_variables: false\n",
        "ci/kid.yml": "job:\n  script: echo $A\n",
    })
    child = next(p for p in _pipelines(root) if p.path == "ci/kid.yml")
    assert "A" not in child.jobs["job"].variables


def test_child_pipeline_forms_and_limits(project):
    """The same-project component form with inputs; a pipeline that starts itself is analysed once;
    a grandchild is the deepest level (docs: nest child pipelines up to two levels deep)."""
    root = project({
        ".gitlab-ci.yml": """
            again:
              trigger:
                include: .gitlab-ci.yml
            comp:
              trigger:
                include:
                  - component: $CI_SERVER_FQDN/$CI_PROJECT_PATH/child@main
                    inputs:
                      image: alpine:3.20
        """,
        "templates/child.yml": "spec:\n  inputs:\n    image:\n---\nc:\n  image: $[[ inputs.image ]]\n  script: x\n"
                               "g:\n  trigger:\n    include: ci/grandchild.yml\n",
        "ci/grandchild.yml": "gc:\n  script: x\ngg:\n  trigger:\n    include: ci/too-deep.yml\n",
        "ci/too-deep.yml": "deep:\n  script: x\n",
    })
    paths = [p.path for p in _pipelines(root)]
    assert paths == [".gitlab-ci.yml", "templates/child.yml", "ci/grandchild.yml"]
    child = next(p for p in _pipelines(root) if p.path == "templates/child.yml")
    assert child.jobs["c"].image.name == "alpine:3.20"


def test_a_missing_child_file_fails_the_trigger_job(project):
    root = project({".gitlab-ci.yml": "kid:\n  trigger:\n    include: ci/nowhere.yml\n"})
    found = findings_of(root)
    assert [(f.rule_id, f.severity.label, f.location.path) for f in found] == [("CIL002", "major", ".gitlab-ci.yml")]
    assert "cannot create the child pipeline" in found[0].message


def test_a_child_pipeline_is_checked(project):
    """Before, only files named *.gitlab-ci.yml were analysed: a child `ci/e2e.yml` was never read."""
    root = project({
        ".gitlab-ci.yml": "e2e:\n  trigger:\n    include: ci/e2e.yml\n",
        "ci/e2e.yml": "test:\n  image: curlimages/curl\n  script: curl http://host.docker.internal:8080/health\n",
    })
    from tests.helpers import lint

    assert [(path, rule) for path, _, _, rule in rows(lint(root))] == [("ci/e2e.yml", "DNS001")]


# -- configurations GitLab rejects -------------------------------------------------------------


def _messages(root):
    return [(f.rule_id, f.severity.label, f.message) for f in findings_of(root)]


def test_top_level_keyword_also_in_default_is_rejected(project):
    """GitLab's Entry::Default: '<key> is defined in top-level and `default:` entry' for the legacy
    global keywords (docs.gitlab.com/ci/yaml/#globally-defined-image-services-cache-before_script-after_script)."""
    root = project({
        ".gitlab-ci.yml": "include: ci/d.yml\nimage: alpine\ncache: {}\njob:\n  script: x\n",
        "ci/d.yml": "default:\n  image: debian\n  tags: [a]\n",
    })
    found = findings_of(root)
    assert [(f.rule_id, f.severity.label, f.location.path, f.location.span.start) for f in found] == [
        ("CIL001", "blocker", ".gitlab-ci.yml", len("include: ci/d.yml\n"))]
    assert found[0].message.startswith("image is defined in top-level and `default:` entry")


def test_unknown_key_in_default_is_rejected(project):
    """docs.gitlab.com/ci/yaml/#default lists the keywords `default:` may set; GitLab: 'default config
    contains unknown keys: variables'."""
    root = project({".gitlab-ci.yml": "default:\n  variables:\n    A: b\n  image: alpine\njob:\n  script: x\n"})
    assert [m[:2] for m in _messages(root)] == [("CIL001", "blocker")]
    assert _messages(root)[0][2].startswith("default config contains unknown keys: variables")


def test_services_must_be_a_list(project):
    """docs.gitlab.com/ci/yaml/#services: an array of images (strings or hashes)."""
    root = project({
        ".gitlab-ci.yml": ".t:\n  services: {name: x}\njob:\n  services:\n    name: docker:dind\n  script: x\n"
                          "ok:\n  services: [redis]\n  script: x\n",
    })
    found = findings_of(root)
    assert [(f.rule_id, f.severity.label) for f in found] == [("CIL001", "blocker")]  # not for the hidden .t
    assert "`services` of `job` must be a list" in found[0].message


def test_inputs_gitlab_rejects(project):
    """docs.gitlab.com/ci/inputs/: inputs for a file with no `spec:`, an input the spec does not
    declare, a mandatory input (no `default:`) not given, a value outside `options:`."""
    root = project({
        ".gitlab-ci.yml": """
            include:
              - local: ci/plain.yml
                inputs:
                  a: 1
              - local: ci/spec.yml
                inputs:
                  stage: nowhere
                  extra: 1
        """,
        "ci/plain.yml": "p:\n  script: x\n",
        "ci/spec.yml": "spec:\n  inputs:\n    stage:\n      options: [build, test]\n    name:\n    opt:\n"
                       "      default: x\n---\ns:\n  stage: $[[ inputs.stage ]]\n  script: x\n",
    })
    messages = [m for rule, severity, m in _messages(root) if (rule, severity) == ("CIL002", "blocker")]
    assert len(messages) == 4 and len(_messages(root)) == 4
    expected = ["include `ci/plain.yml`: Given inputs not defined in the `spec` section",
                "include `ci/spec.yml`: unknown input arguments: extra",
                "include `ci/spec.yml`: `stage` input: `nowhere` cannot be used because it is not in the list of allowed options",
                "include `ci/spec.yml`: `name` input: required value has not been provided"]
    for text in expected:
        assert sum(m.startswith(text) for m in messages) == 1, text


def test_local_include_starting_with_dot_slash_is_rejected(project):
    """GitLab looks a local include up as written from the project root; `./` is not resolved."""
    root = project({".gitlab-ci.yml": "include:\n  - local: ./ci/a.yml\njob:\n  script: x\n", "ci/a.yml": "a:\n  script: a\n"})
    assert [m[:2] for m in _messages(root)] == [("CIL002", "blocker")]
    assert "write `ci/a.yml`" in _messages(root)[0][2]


def test_spec_is_a_header_only_in_a_document_of_its_own(project):
    """docs.gitlab.com/ci/yaml/#header-keywords: the header is a YAML document of its own before
    `---`; GitLab (lib/gitlab/ci/config/yaml/documents.rb, `has_header?`) reads `spec` as a header only
    when the file has a second document. In a one-document file `spec:` is a job, as in GitLab's own
    Crystal template (lib/gitlab/ci/templates/Crystal.gitlab-ci.yml runs `crystal spec` in a job
    named `spec`)."""
    root = project({
        ".gitlab-ci.yml": "include: ci/t.yml\nspec:\n  script: crystal spec\n",
        "ci/t.yml": "spec:\n  inputs:\n    n:\n      default: x\n---\nt:\n  script: $[[ inputs.n ]]\n",
    })
    jobs = pipeline(root).jobs
    assert set(jobs) == {"spec", "t"}
    assert [line.text for line in jobs["spec"].script] == ["crystal spec"]


# -- default, inherit, extends, !reference ----------------------------------------------------


def test_default_and_legacy_globals_and_inherit(project):
    root = project({
        ".gitlab-ci.yml": """
            image: legacy:1
            before_script: [echo legacy]
            default:
              image: alpine:3.20
              services: [postgres:15]
              tags: [docker]
            variables:
              A: "1"
              B: "2"
            plain:
              script: x
            own_image:
              image: node:20
              script: x
            no_defaults:
              inherit:
                default: false
                variables: [B]
              script: x
            some_defaults:
              inherit:
                default: [tags]
              script: x
        """,
    })
    jobs = pipeline(root).jobs
    assert jobs["plain"].image.name == "alpine:3.20"  # default: beats the legacy global
    assert [l.text for l in jobs["plain"].before_script] == ["echo legacy"]
    assert [s.name for s in jobs["plain"].services] == ["postgres:15"]
    assert jobs["plain"].tags == ("docker",)
    assert jobs["own_image"].image.name == "node:20"
    assert jobs["no_defaults"].image is None and jobs["no_defaults"].services == ()
    assert set(jobs["no_defaults"].variables) == {"B"}
    assert jobs["some_defaults"].tags == ("docker",) and jobs["some_defaults"].image is None


def test_extends_merges_hashes_and_replaces_arrays(project):
    root = project({
        ".gitlab-ci.yml": """
            .base:
              image: alpine
              variables: {A: a, B: b}
              script: [base]
              tags: [one, two]
            .other:
              variables: {B: other, C: c}
              tags: [three]
            job:
              extends: [.base, .other]
              variables: {C: job}
              script: [mine]
        """,
    })
    job = pipeline(root).jobs["job"]
    assert {k: v.value for k, v in job.variables.items()} == {"A": "a", "B": "other", "C": "job"}
    assert job.tags == ("three",)
    assert [l.text for l in job.script] == ["mine"]
    assert job.image.name == "alpine"
    assert ".base" not in pipeline(root).jobs  # hidden


def test_extends_null_removes_inherited_key(project):
    root = project({".gitlab-ci.yml": ".b:\n  image: x\n  script: s\nj:\n  extends: .b\n  image: null\n"})
    assert pipeline(root).jobs["j"].image is None


def test_extends_depth_cycle_unknown(project):
    chain = "".join(f".l{i}:\n  extends: .l{i + 1}\n" for i in range(12)) + ".l12:\n  script: x\n"
    root = project({
        ".gitlab-ci.yml": chain + "deep:\n  extends: .l0\n"
        "a:\n  extends: b\n  script: x\nb:\n  extends: a\n  script: y\n"
        "c:\n  extends: .nope\n  script: z\n",
    })
    messages = [f.message for f in findings_of(root) if f.rule_id == "CIL003"]
    assert any("nesting too deep" in m for m in messages)
    assert any("circular dependency" in m for m in messages)
    assert any("`c` extends `.nope`, which is not defined" == m for m in messages)


def test_unknown_extends_is_info_when_includes_are_unresolved(project):
    root = project({
        ".gitlab-ci.yml": "include:\n  - template: Jobs/Build.gitlab-ci.yml\nj:\n  extends: .from_template\n",
    })
    found = [f for f in findings_of(root) if f.rule_id == "CIL003"]
    assert [f.severity.label for f in found] == ["info"]


def test_reference_nested_and_across_files(project):
    root = project({
        ".gitlab-ci.yml": """
            include: ci/setup.yml
            .inner:
              script: [inner]
            job:
              before_script:
                - !reference [.setup, script]
                - echo own
              script:
                - !reference [.setup, nested]
        """,
        "ci/setup.yml": """
            .setup:
              script: [one, two]
              nested:
                - !reference [.inner, script]
                - after
        """,
    })
    job = pipeline(root).jobs["job"]
    assert [l.text for l in job.before_script] == ["one", "two", "echo own"]
    assert [l.text for l in job.script] == ["inner", "after"]
    assert job.before_script[0].node.path == "ci/setup.yml"
    assert codes(root) == []


def test_reference_sees_extended_job(project):
    root = project({
        ".gitlab-ci.yml": ".a:\n  script: [a]\n.b:\n  extends: .a\nj:\n  script: !reference [.b, script]\n",
    })
    assert [l.text for l in pipeline(root).jobs["j"].script] == ["a"]


def test_reference_cycle_and_unknown(project):
    root = project({
        ".gitlab-ci.yml": ".a:\n  script: !reference [.a, script]\nj:\n  script: !reference [.x, script]\n"
        "k:\n  script: !reference [.a, script]\n",
    })
    messages = [f.message for f in findings_of(root)]
    assert any("could not be found" in m for m in messages)
    assert any("refers to itself" in m for m in messages)


def test_anchor_value_keeps_anchor_position(project):
    root = project({".gitlab-ci.yml": ".img: &img\n  name: alpine:3\nj:\n  image: *img\n  script: x\n"})
    job = pipeline(root).jobs["j"]
    assert job.image.name == "alpine:3"
    assert (root / ".gitlab-ci.yml").read_text()[job.image.node.span.start:].startswith("alpine:3")


def test_keywords_and_hidden_jobs_are_not_jobs(project):
    root = project({
        ".gitlab-ci.yml": """
            stages: [build, test]
            workflow: {rules: [{when: always}]}
            variables: {A: "1"}
            cache: {paths: [x]}
            .hidden: {script: x}
            build: {stage: build, script: x}
            trigger_child: {trigger: {include: child.yml}}
        """,
    })
    p = pipeline(root)
    assert set(p.jobs) == {"build", "trigger_child"}
    assert p.jobs["trigger_child"].is_trigger
    assert p.stages == (".pre", "build", "test", ".post")
    assert p.jobs["build"].stage == "build"


# -- variables, services, scripts -------------------------------------------------------------


def test_variable_forms_and_expansion(project):
    root = project({
        ".gitlab-ci.yml": """
            variables:
              HOST: kubernetes.docker.internal
              URL: "https://${HOST}:6443"
              RAW: {value: "$HOST", expand: false}
              PORT: 010
              FLAG: true
              DESCRIBED: {value: x, description: d}
            job:
              variables:
                OWN: "$URL/api"
              script: x
        """,
    })
    job = pipeline(root).jobs["job"]
    v = job.variables
    assert v["PORT"].value == "8" and v["DESCRIBED"].value == "x"
    # GitLab 16.11+ stores any scalar as its Ruby to_s (MR 146503: https://gitlab.com/gitlab-org/gitlab/-/merge_requests/146503)
    assert v["FLAG"].value == "true" and v["FLAG"].problem is None
    assert v["RAW"].expand is False
    assert job.expand("$OWN").text == "https://kubernetes.docker.internal:6443/api"
    assert job.expand("$RAW").text == "$HOST"
    assert job.expand("$CI_PROJECT_DIR/x").unresolved == ("CI_PROJECT_DIR",)


def test_expansion_cycle_terminates():
    from cilint.models.variables import Variable

    def var(name, value):
        return Variable(name, value, True, None, None, "job")  # type: ignore[arg-type]

    result = expand("$A", {"A": var("A", "$B"), "B": var("B", "$A")})
    assert result.text in ("$A", "$B")


@pytest.mark.parametrize(
    ("image", "aliases"),
    [
        ("postgres:15", ("postgres",)),
        ("docker:24.0.5-dind", ("docker",)),
        ("tutum/wordpress:latest", ("tutum__wordpress", "tutum-wordpress")),
        ("registry.example.com:4999/valkey/valkey", ("registry.example.com__valkey__valkey", "registry.example.com-valkey-valkey")),
        ("mysql@sha256:abcdef", ("mysql",)),
        ("localhost:5000/docker:dind", ("localhost__docker", "localhost-docker")),
    ],
)
def test_service_alias_derivation_follows_the_runner(image, aliases):
    assert derived_aliases(image) == aliases


def test_image_reference_parts():
    ref = parse_image("registry:5000/group/docker:24-dind")
    assert (ref.repository, ref.tag, ref.short_name, ref.path) == (
        "registry:5000/group/docker", "24-dind", "docker", "registry/group/docker")


def test_alias_lists():
    assert split_aliases("db, cache other") == ("db", "cache", "other")


def test_services_and_scripts(project):
    root = project({
        ".gitlab-ci.yml": """
            .cmds: &cmds [one, [two, three]]
            job:
              image: {name: bitnami/kubectl, entrypoint: [""]}
              services:
                - docker:dind
                - name: $CI_REGISTRY/mirror/postgres:15
                  alias: db,pg
                  command: ["--dns=8.8.8.8"]
                  variables: {POSTGRES_DB: x}
              script:
                - *cmds
                - |
                  multi
                  line
        """,
    })
    job = pipeline(root).jobs["job"]
    assert job.image.entrypoint == ("",)
    dind, pg = job.services
    assert dind.derived_aliases(job.variables) == ("docker",)
    assert pg.aliases == ("db", "pg") and pg.command == ("--dns=8.8.8.8",)
    assert pg.derived_aliases(job.variables) is None  # $CI_REGISTRY unknown statically
    assert pg.variables["POSTGRES_DB"].value == "x"
    assert [l.text for l in job.script] == ["one", "two", "three", "multi\nline\n"]


# -- errors as findings -----------------------------------------------------------------------


def test_broken_included_file_is_cil001_and_rest_is_analysed(project):
    root = project({
        ".gitlab-ci.yml": "include: [ci/bad.yml, ci/good.yml]\n",
        "ci/bad.yml": "a: [1,\n",
        "ci/good.yml": "good:\n  script: x\n",
    })
    found = findings_of(root)
    assert [(f.rule_id, f.location.path) for f in found] == [("CIL001", "ci/bad.yml")]
    assert "good" in pipeline(root).jobs


def test_top_level_list_is_reported(project):
    root = project({".gitlab-ci.yml": "- a\n- b\n"})
    assert [f.rule_id for f in findings_of(root)] == ["CIL001"]


def test_files_without_reference_tags_need_no_resolution(corpus):
    """build_pipeline skips `!reference` resolution when no file read has the tag: on every corpus
    file without one, resolving returns the very same tree and reports nothing."""
    from cilint.models.extends import Completeness, resolve_references
    from cilint.source import SourceFile
    from cilint.syntax.yaml import parse_yaml
    from cilint.syntax.tree import MapNode

    without = with_tag = 0
    for path in sorted(corpus.rglob("*.y*ml")):
        try:
            parsed = parse_yaml(SourceFile.from_bytes(path.name, path.read_bytes()))
        except Exception:  # noqa: BLE001 - undecodable files are another test's subject
            continue
        for document in parsed.documents:
            if not isinstance(document.root, MapNode):
                continue
            findings: list = []
            resolved = resolve_references(document.root, findings, Completeness(complete=True, standalone=False))
            if parsed.has_references:
                with_tag += 1
            else:
                without += 1
                assert resolved is document.root and not findings, path
    assert without > 300 and with_tag > 20


def test_workspace_confinement_follows_symlinks_at_any_depth(tmp_path_factory):
    """Directories are resolved from their parent's resolution: a link deep in the tree, a `..`
    and a sibling whose name starts like the root's are all judged as `realpath` would."""
    from cilint.loading.workspace import Workspace

    base = tmp_path_factory.mktemp("ws")
    root, sibling = base / "proj", base / "proj-other"
    (root / "a" / "b").mkdir(parents=True)
    sibling.mkdir()
    for directory in (root / "a" / "b", sibling):
        (directory / "f.yml").write_text("x: 1\n", encoding="utf-8")
    os.symlink(sibling, root / "a" / "b" / "out")
    os.symlink(root / "a", root / "a" / "b" / "in")
    ws = Workspace(root)
    assert ws._inside(str(root / "a" / "b" / "f.yml"))
    assert ws._inside(str(root / "a" / "b" / "in" / "b" / "f.yml"))
    assert not ws._inside(str(root / "a" / "b" / "out" / "f.yml"))
    assert not ws._inside(str(root / ".." / "proj-other" / "f.yml"))
    assert not ws._inside(str(sibling / "f.yml"))


@pytest.mark.parametrize(("written", "value"), [
    ("true", "true"), ("false", "false"), ("yes", "true"), ("off", "false"),  # YAML 1.1 booleans, as Psych reads them
    # `1e3` has no dot: a string in YAML 1.1; `1.5e+3` is the float 1500.0
    ("1.26", "1.26"), ("1.0", "1.0"), ("1e3", "1e3"), ("1.5e+3", "1500.0"), ("0x1A", "26"), ("~", ""), ("'1.26'", "1.26"),
])
def test_scalar_variable_values_are_their_ruby_to_s(project, written: str, value: str):
    """GitLab 16.11+ accepts any scalar as a variable value and stores `.to_s` of it
    (https://gitlab.com/gitlab-org/gitlab/-/merge_requests/146503; docs: https://docs.gitlab.com/ci/yaml/#variables)."""
    root = project({".gitlab-ci.yml": f"variables:\n  V: {written}\njob:\n  script: x\n"})
    variable = pipeline(root).jobs["job"].variables["V"]
    assert (variable.value, variable.problem) == (value, None)
