"""The pipeline GitLab would run: jobs with effective image, services, scripts, variables, tags.

Built from the merged configuration (includes done) in GitLab's order: `extends`, then `!reference`,
then `default:` (and the deprecated top-level `image`, `services`, `before_script`, `after_script`,
`cache`) copied per keyword into jobs that do not set it, filtered by `inherit:` (facts 3.1-3.4).
Every value keeps the node it was written as, so findings land where the fix belongs.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from cilint.findings import Finding, Severity
from cilint.input_rules import syntax_error
from cilint.models.extends import Completeness, expand_extends, resolve_references
from cilint.models.images import derived_aliases, split_aliases
from cilint.models.variables import Expansion, Variable, expand, read_variables
from cilint.models.variants import Choice, never_created
from cilint.syntax.nodes import is_null, location, scalar_text, string_list
from cilint.syntax.tree import MapNode, Node, ScalarNode, SeqNode

# Top-level keys that are keywords, not jobs (docs: ci/yaml, facts 3.4).
GLOBAL_KEYWORDS = frozenset(
    {
        "image", "services", "stages", "types", "before_script", "after_script", "variables",
        "cache", "include", "default", "workflow",
    }
)
# Keywords `default:` may set (docs: ci/yaml#default).
DEFAULT_KEYWORDS = (
    "after_script", "artifacts", "before_script", "cache", "hooks", "id_tokens", "identity",
    "image", "interruptible", "retry", "services", "tags", "timeout",
)
# Deprecated top-level forms that still act as defaults.
LEGACY_GLOBAL_DEFAULTS = ("image", "services", "before_script", "after_script", "cache")
DEFAULT_STAGES = (".pre", "build", "test", "deploy", ".post")
MAX_SCRIPT_NESTING = 10
# docs: ci/yaml#parallelmatrix "The total number of jobs ... cannot exceed 200"
MAX_MATRIX_JOBS = 200


@dataclass(frozen=True, slots=True, eq=False)
class ScriptLine:
    """One line of a job's `script`-like section."""

    text: str
    node: ScalarNode
    section: str  # "before_script", "script", "after_script", or a hook name


@dataclass(frozen=True, slots=True, eq=False)
class Image:
    """A job's `image:`."""

    name: str
    node: Node  # the name scalar
    entrypoint: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True, eq=False)
class Service:
    """A job's service entry, with its aliases, command and variables."""

    name: str
    node: Node  # the service entry (string or mapping)
    name_node: Node
    aliases: tuple[str, ...] = ()  # explicit `alias:` names
    alias_node: Node | None = None
    command: tuple[str, ...] = ()
    command_node: Node | None = None
    entrypoint: tuple[str, ...] | None = None
    variables: Mapping[str, Variable] = field(default_factory=dict)

    def derived_aliases(self, variables: Mapping[str, Variable]) -> tuple[str, ...] | None:
        """The runner's derived hostnames; None while the name has unknown `$VARS`."""
        expansion = expand(self.name, variables)
        if expansion.unresolved:
            return None
        return derived_aliases(expansion.text)


@dataclass(frozen=True, slots=True, eq=False)
class Job:
    """A job GitLab would create, after extends, !reference and defaults."""

    name: str
    key: Node  # the job's name as written (its file is where the job is defined)
    node: MapNode  # the job after extends, !reference and defaults
    stage: str
    image: Image | None
    services: tuple[Service, ...]
    before_script: tuple[ScriptLine, ...]
    script: tuple[ScriptLine, ...]
    after_script: tuple[ScriptLine, ...]
    variables: Mapping[str, Variable]  # effective: global (as inherited) + job
    tags: tuple[str, ...]
    is_trigger: bool = False
    hooks: tuple[ScriptLine, ...] = ()  # hooks:pre_get_sources_script (runs before the clone)

    @property
    def path(self) -> str:
        return self.key.path

    def expand(self, text: str) -> Expansion:
        return expand(text, self.variables)

    def script_lines(self) -> Iterator[ScriptLine]:
        yield from self.before_script
        yield from self.script
        yield from self.after_script


@dataclass(frozen=True, eq=False)
class Pipeline:
    """One pipeline file with its includes merged and its jobs built."""

    path: str  # the main file
    files: tuple[str, ...]  # every local file read for it, in merge order
    config: MapNode  # merged, extended, references resolved
    jobs: Mapping[str, Job]  # jobs GitLab would create (hidden jobs excluded)
    variables: Mapping[str, Variable]
    stages: tuple[str, ...]
    header: MapNode | None = None  # `spec:` of a component or template
    partial: bool = False  # some includes could not be read
    trigger: Job | None = None  # for a child pipeline, the parent's job whose `trigger:include` names it
    variant: str | None = None  # the condition this variant of the configuration holds under
    alternatives: tuple[Pipeline, ...] = ()  # the other variants (models/variants), on the first one


def build_pipeline(
    path: str,
    files: tuple[str, ...],
    merged: MapNode,
    findings: list[Finding],
    header: MapNode | None = None,
    partial: bool = False,
    standalone: bool = False,
    has_references: bool = True,
    trigger: Job | None = None,
    choice: Choice | None = None,
    extended: bool = False,
    reuse: Pipeline | None = None,
) -> Pipeline:
    """`has_references`: whether any of the files uses `!reference` (resolving walks every node).
    `trigger`: the parent's job that starts this child pipeline; the variables it forwards are
    pipeline variables of the child, above the child's own `variables:` (docs: ci/variables, "CI/CD
    variable precedence"; ci/pipelines/downstream_pipelines, "Pass YAML-defined CI/CD variables").
    `choice`: a variant's workflow rule (its `variables:` above the global ones) and each job's rule
    (its `variables:` above the job's; none: the job is not created) (models/variants). `reuse`: a
    variant built from the same extended configuration, whose jobs the choice does not change are
    taken as they are (the same objects, so what a run works out about them serves every run)."""
    config = merged if extended else extended_config(merged, findings, partial, standalone, has_references)
    upstream = forwarded_variables(trigger) if trigger is not None else {}
    workflow = read_variables(choice.workflow.get("variables"), "workflow") if choice and choice.workflow else {}
    global_variables = {**read_variables(config.get("variables"), "global"), **workflow, **upstream}
    findings.extend(_rejected_shapes(config))
    if reuse is not None and not workflow:
        reused = {}
        for name, job in reuse.jobs.items():
            reused.setdefault(id(job.key), {})[name] = job
    else:
        reused = None
    jobs = _jobs(config, findings, _defaults(config), global_variables, upstream, choice, reused)
    return Pipeline(
        path=path,
        files=files,
        config=config,
        jobs=jobs,
        variables=global_variables,
        stages=_stages(config.get("stages") or config.get("types")),
        header=header,
        partial=partial,
        trigger=trigger,
        variant=choice.label if choice is not None else None,
    )


def extended_config(merged: MapNode, findings: list[Finding], partial: bool, standalone: bool,
                    has_references: bool) -> MapNode:
    """The merged configuration with `extends` and `!reference` applied: the `config` of the
    pipelines built from it."""
    completeness = Completeness(complete=not partial, standalone=standalone)
    config = expand_extends(merged, findings, completeness)
    return resolve_references(config, findings, completeness) if has_references else config


def pipeline_variables(config: MapNode, trigger: Job | None) -> dict[str, Variable]:
    """The variables every variant's jobs start from: the global ones, and what the trigger job of a
    child pipeline forwards, above them (no workflow rule's)."""
    upstream = forwarded_variables(trigger) if trigger is not None else {}
    return {**read_variables(config.get("variables"), "global"), **upstream}


def _jobs(
    config: MapNode,
    findings: list[Finding],
    defaults: Mapping[str, Node],
    global_variables: Mapping[str, Variable],
    upstream: Mapping[str, Variable],
    choice: Choice | None,
    reused: Mapping[int, Mapping[str, Job]] | None = None,  # id of a job's key -> its built instances
) -> dict[str, Job]:
    jobs: dict[str, Job] = {}
    if choice is not None and not choice.created:
        return jobs
    scripts = _ScriptReader()
    for name, (key, value) in config.entries.items():
        if name in GLOBAL_KEYWORDS or name.startswith(".") or not isinstance(value, MapNode) or never_created(value):
            continue
        if reused is not None and id(key) in reused and not (choice is not None and name in choice.jobs):
            jobs.update(reused[id(key)])
            continue
        above = upstream
        if choice is not None and name in choice.jobs:
            rule = choice.jobs[name]
            if rule is None:
                continue  # no rule of the job applies in this variant
            above = {**read_variables(rule.get("variables"), "rules"), **upstream}
        vectors = matrix_vectors(value, findings)
        if vectors is None:
            jobs[name] = _job(name, key, value, defaults, global_variables, scripts, (), above)
            continue
        for vector in vectors:
            instance = f"{name}: [{', '.join(v.value or '' for v in vector)}]"
            jobs[instance] = _job(instance, key, value, defaults, global_variables, scripts, vector, above)
    return jobs


def forwarded_variables(job: Job) -> dict[str, Variable]:
    """What a trigger job passes to its downstream pipeline: its variables (the global ones it
    inherits and its own) unless `trigger:forward:yaml_variables: false` (docs: ci/yaml#triggerforward)."""
    trigger = job.node.get("trigger")
    forward = trigger.get("forward") if isinstance(trigger, MapNode) else None
    setting = forward.get("yaml_variables") if isinstance(forward, MapNode) else None
    if isinstance(setting, ScalarNode) and setting.value is False:
        return {}
    return dict(job.variables)


def _rejected_shapes(config: MapNode) -> Iterator[Finding]:
    """Shapes GitLab's validation rejects the whole pipeline for (Gitlab::Ci::Config::Entry::Default,
    ::Services), written in its words."""
    default = config.get("default")
    if isinstance(default, MapNode):
        for name, (key, _) in default.entries.items():
            if name not in DEFAULT_KEYWORDS:
                yield syntax_error(
                    f"default config contains unknown keys: {name}; `default:` may set only "
                    f"{', '.join(DEFAULT_KEYWORDS)}", location(key), Severity.BLOCKER,
                    route=("default-unknown-key", name))
            elif name in LEGACY_GLOBAL_DEFAULTS and name in config:
                top_key = config.entries[name][0]
                yield syntax_error(
                    f"{name} is defined in top-level and `default:` entry; GitLab rejects the pipeline: "
                    f"keep only the one in `default:`", location(top_key), Severity.BLOCKER,
                    route=("top-level-and-default", name))
    places = [("the top level", config), ("default", default)] + [
        (n, v) for n, (_, v) in config.entries.items()
        if n not in GLOBAL_KEYWORDS and not n.startswith(".") and isinstance(v, MapNode)]
    for owner, node in places:
        services = node.get("services") if isinstance(node, MapNode) else None
        if services is not None and not isinstance(services, SeqNode) and not is_null(services):
            yield syntax_error(
                f"`services` of {owner if owner == 'the top level' else f'`{owner}`'} must be a list; GitLab rejects the pipeline (write each service "
                "as a list item: `- name: ...`)", location(services), Severity.BLOCKER,
                route=("services-not-a-list", owner))


def _defaults(config: MapNode) -> dict[str, Node]:
    defaults: dict[str, Node] = {}
    for key in LEGACY_GLOBAL_DEFAULTS:
        node = config.get(key)
        if not is_null(node):
            assert node is not None
            defaults[key] = node
    default = config.get("default")
    if isinstance(default, MapNode):
        for key, node in default.items():
            if key in DEFAULT_KEYWORDS and not is_null(node):
                defaults[key] = node
    return defaults


def _inherit(job: MapNode, kind: str) -> tuple[bool, frozenset[str]]:
    """(inherit everything?, names when a list) for `inherit:default` / `inherit:variables`."""
    inherit = job.get("inherit")
    setting = inherit.get(kind) if isinstance(inherit, MapNode) else None
    if isinstance(setting, ScalarNode) and setting.value is False:
        return False, frozenset()
    if isinstance(setting, SeqNode):
        return False, frozenset(t for t in (scalar_text(i) for i in setting.items) if t)
    return True, frozenset()


def _job(
    name: str,
    key: Node,
    node: MapNode,
    defaults: Mapping[str, Node],
    global_variables: Mapping[str, Variable],
    scripts: _ScriptReader,
    matrix: tuple[Variable, ...] = (),
    upstream: Mapping[str, Variable] | None = None,  # the rule's variables, then the forwarded ones
) -> Job:
    is_trigger = "trigger" in node
    all_defaults, default_names = _inherit(node, "default")
    effective = dict(node.entries)
    if not is_trigger:
        for keyword, value in defaults.items():
            if is_null(node.get(keyword)) and (all_defaults or keyword in default_names):
                effective[keyword] = (key, value)
    all_variables, variable_names = _inherit(node, "variables")
    variables = dict(global_variables) if all_variables else {
        n: v for n, v in global_variables.items() if n in variable_names
    }
    variables.update(read_variables(node.get("variables"), "job"))
    variables.update((v.name, v) for v in matrix)  # a matrix value is a job variable of its instance
    if upstream:
        variables.update(upstream)  # rules:variables, then a child pipeline's pipeline variables, win
    resolved = MapNode(node.path, node.start, node.end, node.tag, node.anchor, node.flow)
    resolved.entries = effective

    def get(keyword: str) -> Node | None:
        entry = effective.get(keyword)
        return entry[1] if entry else None

    stage_node = get("stage")
    return Job(
        name=name,
        key=key,
        node=resolved,
        stage=scalar_text(stage_node) or "test",
        image=_image(get("image")),
        services=tuple(_services(get("services"))),
        before_script=scripts.lines(get("before_script"), "before_script"),
        script=scripts.lines(get("script"), "script"),
        after_script=scripts.lines(get("after_script"), "after_script"),
        variables=variables,
        tags=tuple(t for t in (scalar_text(n) for n in string_list(get("tags"))) if t is not None),
        is_trigger=is_trigger,
        hooks=tuple(_hooks(get("hooks"), scripts)),
    )


def matrix_vectors(job: MapNode, findings: list[Finding]) -> list[tuple[Variable, ...]] | None:
    """The instances `parallel: matrix:` makes of a job, each as its variables in the order written
    (docs: ci/yaml#parallelmatrix: every entry is the product of its lists, the entries are
    concatenated; GitLab names an instance `job: [value, value]`). None without a usable matrix."""
    parallel = job.get("parallel")
    matrix = parallel.get("matrix") if isinstance(parallel, MapNode) else None
    if not isinstance(matrix, SeqNode):
        return None
    vectors: list[tuple[Variable, ...]] = []
    for entry in matrix.items:
        if not isinstance(entry, MapNode):
            continue
        product: list[tuple[Variable, ...]] = [()]
        for name, (key, values) in entry.entries.items():
            items = values.items if isinstance(values, SeqNode) else [values]
            choices = [Variable(name, text, True, key, item, "matrix")
                       for item in items if (text := scalar_text(item)) is not None]
            product = [(*vector, choice) for vector in product for choice in choices]
            if len(vectors) + len(product) > MAX_MATRIX_JOBS:
                findings.append(syntax_error(
                    f"`parallel: matrix:` generates more than {MAX_MATRIX_JOBS} jobs; GitLab rejects the "
                    f"pipeline ('generates too many jobs (maximum is {MAX_MATRIX_JOBS})')",
                    location(matrix), Severity.BLOCKER, route=("matrix-too-many-jobs",)))
                return None
        vectors.extend(vector for vector in product if vector)
    return vectors or None


def _hooks(node: Node | None, scripts: _ScriptReader) -> Iterator[ScriptLine]:
    if isinstance(node, MapNode):
        for name, value in node.items():
            yield from scripts.lines(value, f"hooks:{name}")


def _image(node: Node | None) -> Image | None:
    if isinstance(node, ScalarNode):
        text = scalar_text(node)
        return Image(text, node) if text else None
    if isinstance(node, MapNode):
        name_node = node.get("name")
        text = scalar_text(name_node)
        if text is None or name_node is None:
            return None
        return Image(text, name_node, _strings(node.get("entrypoint")))
    return None


def _services(node: Node | None) -> Iterator[Service]:
    items = node.items if isinstance(node, SeqNode) else ([node] if node is not None else [])
    for item in items:
        if isinstance(item, ScalarNode):
            text = scalar_text(item)
            if text:
                yield Service(text, item, item)
        elif isinstance(item, MapNode):
            name_node = item.get("name")
            text = scalar_text(name_node)
            if not text or name_node is None:
                continue
            alias_node = item.get("alias")
            alias_text = scalar_text(alias_node)
            command_node = item.get("command")
            yield Service(
                name=text,
                node=item,
                name_node=name_node,
                aliases=split_aliases(alias_text) if alias_text else (),
                alias_node=alias_node,
                command=_strings(command_node) or (),
                command_node=command_node,
                entrypoint=_strings(item.get("entrypoint")),
                variables=read_variables(item.get("variables"), "service"),
            )


def _strings(node: Node | None) -> tuple[str, ...] | None:
    if node is None or is_null(node):
        return None
    if isinstance(node, ScalarNode):
        text = scalar_text(node)
        return (text,) if text is not None else None
    if isinstance(node, SeqNode):
        return tuple(t for t in (scalar_text(i) for i in node.items) if t is not None)
    return None


class _ScriptReader:
    """The lines of a script section. Jobs share most section nodes (`default:`, `extends`, anchors),
    so each node is read once per pipeline and its lines shared."""

    def __init__(self) -> None:
        self.memo: dict[tuple[int, str], tuple[ScriptLine, ...]] = {}  # (id of node, section) -> lines

    def lines(self, node: Node | None, section: str) -> tuple[ScriptLine, ...]:
        if node is None:
            return ()
        key = (id(node), section)
        found = self.memo.get(key)
        if found is None:
            found = self.memo[key] = tuple(_flatten(node, section, 0))
        return found


def _flatten(node: Node | None, section: str, depth: int) -> Iterator[ScriptLine]:
    if isinstance(node, ScalarNode):
        text = scalar_text(node)
        if text is not None:
            yield ScriptLine(text, node, section)
    elif isinstance(node, SeqNode) and depth <= MAX_SCRIPT_NESTING:
        for item in node.items:
            yield from _flatten(item, section, depth + 1)


def _stages(node: Node | None) -> tuple[str, ...]:
    declared = [t for t in (scalar_text(n) for n in string_list(node)) if t]
    if not declared:
        return DEFAULT_STAGES
    middle = [s for s in declared if s not in (".pre", ".post")]
    return (".pre", *middle, ".post")
