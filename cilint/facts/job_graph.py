"""What GitLab's logical validation of a pipeline reads (`Gitlab::Ci::YamlProcessor`, after the
schema): the declared stages, every job as defined (before `rules:` decide which are created), and
each job's stage. Only for pipelines cilint sees whole: a file another project includes gets its
stages and the rest of its jobs there, and an include that could not be read may define either."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from cilint.loading.project import Project
from cilint.models.pipeline import GLOBAL_KEYWORDS, Pipeline
from cilint.syntax.nodes import is_null
from cilint.syntax.tree import REFERENCE_TAG, MapNode, Node, ScalarNode, SeqNode

# docs: ci/yaml#stages "If stages is not defined in the .gitlab-ci.yml file, the default pipeline stages are"
DEFAULT_STAGES = ("build", "test", "deploy")
# docs: ci/yaml#stage "If stage is not defined, the job uses the test stage by default."
DEFAULT_STAGE = "test"


@dataclass(frozen=True, slots=True)
class DefinedJob:
    """A visible job of the merged configuration, as GitLab validates it."""

    name: str
    key: Node  # its name as written
    node: MapNode  # after `extends`, `!reference` and `default:`
    stage: str | None  # None: `stage:` is not a string (the schema's finding)
    stage_node: Node | None  # the `stage:` value as written; None: the default stage


@dataclass(frozen=True, slots=True)
class JobGraph:
    pipeline: Pipeline
    stages: tuple[str, ...] | None  # with `.pre` and `.post`; None: `stages:` is not a plain list of names
    declared: Node | None  # the `stages:` value, when written
    jobs: Mapping[str, DefinedJob]

    def stage_index(self, name: str) -> int | None:
        job = self.jobs.get(name)
        if job is None or job.stage is None or self.stages is None or job.stage not in self.stages:
            return None
        return self.stages.index(job.stage)

    def defines(self, name: str) -> bool:
        """Whether `name` is a job, or one instance of a `parallel:` job (`test 1/3`, `test: [a, b]`)."""
        if name in self.jobs:
            return True
        return any(name.startswith((f"{base} ", f"{base}: [")) for base, job in self.jobs.items()
                   if "parallel" in job.node)


def whole_pipelines(project: Project) -> Iterator[JobGraph]:
    """The project's pipelines cilint reads whole (its main file, and child pipelines, every include read)."""
    for pipeline in project.pipelines:
        if pipeline.partial or not (pipeline.path == project.config.ci_file or pipeline.trigger is not None):
            continue
        declared = pipeline.config.get("stages") or pipeline.config.get("types")
        yield JobGraph(pipeline, _stages(declared), declared, _defined_jobs(pipeline.config))


def _stages(node: Node | None) -> tuple[str, ...] | None:
    if node is None or is_null(node):
        return (".pre", *DEFAULT_STAGES, ".post")
    names: list[str] = []
    if not _flatten(node, names, 0) or not names:
        return None
    return (".pre", *(n for n in names if n not in (".pre", ".post")), ".post")


def _flatten(node: Node, names: list[str], depth: int) -> bool:
    if isinstance(node, ScalarNode):
        if not isinstance(node.value, str):
            return False
        names.append(node.value)
        return True
    if isinstance(node, SeqNode) and node.tag != REFERENCE_TAG and depth < 10:
        return all(_flatten(item, names, depth + 1) for item in node.items)
    return False


def _defined_jobs(config: MapNode) -> dict[str, DefinedJob]:
    jobs: dict[str, DefinedJob] = {}
    for name, (key, value) in config.entries.items():
        if name in GLOBAL_KEYWORDS or name.startswith(".") or not isinstance(value, MapNode):
            continue
        written = value.get("stage")
        if written is None or is_null(written):
            written = value.get("type")  # the old name of `stage:`
        if written is None or is_null(written):
            jobs[name] = DefinedJob(name, key, value, DEFAULT_STAGE, None)
        else:
            text = written.value if isinstance(written, ScalarNode) and isinstance(written.value, str) else None
            jobs[name] = DefinedJob(name, key, value, text, written)
    return jobs


@dataclass(frozen=True, slots=True)
class JobReference:
    """A job named by another job's `needs:`, `rules:needs:`, `dependencies:` or `trigger:include:job:`."""

    job: DefinedJob
    kind: str  # "need" or "dependency", GitLab's words
    name: str
    node: Node  # the name as written
    optional: bool = False
    # the list it is in (`needs`, `rules:2:needs`...): GitLab rejects a name twice in one `needs:` list;
    # an entry that picks `parallel:matrix` instances has a place of its own
    within: str = ""


def job_references(job: DefinedJob) -> Iterator[JobReference]:
    """What GitLab's logical validation checks of a job (cross-project and parent-pipeline needs aside)."""
    yield from _needs(job, job.node.get("needs"), "needs")
    rules = job.node.get("rules")
    for index, rule in enumerate(rules.items if isinstance(rules, SeqNode) else ()):
        if isinstance(rule, MapNode):
            yield from _needs(job, rule.get("needs"), f"rules:{index}:needs")
    dependencies = job.node.get("dependencies")
    for item in dependencies.items if isinstance(dependencies, SeqNode) else ():
        if isinstance(item, ScalarNode) and isinstance(item.value, str) and "$" not in item.value:
            yield JobReference(job, "dependency", item.value, item)
    trigger = job.node.get("trigger")
    includes = trigger.get("include") if isinstance(trigger, MapNode) else None
    for item in includes.items if isinstance(includes, SeqNode) else ():
        named = item.get("job") if isinstance(item, MapNode) else None
        if isinstance(named, ScalarNode) and isinstance(named.value, str) and "$" not in named.value:
            yield JobReference(job, "dependency", named.value, named)


def _needs(job: DefinedJob, needs: Node | None, within: str) -> Iterator[JobReference]:
    for index, item in enumerate(needs.items if isinstance(needs, SeqNode) else ()):
        optional, place = False, within
        if isinstance(item, MapNode):
            if "pipeline" in item or "project" in item:
                continue  # a job of another pipeline or project
            flag = item.get("optional")
            optional = isinstance(flag, ScalarNode) and flag.value is True
            place = f"{within}:{index}" if "parallel" in item else within
            item = item.get("job")
        if isinstance(item, ScalarNode) and isinstance(item.value, str) and "$" not in item.value:
            yield JobReference(job, "need", item.value, item, optional, place)
