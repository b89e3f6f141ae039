"""Alternative pipelines: what `include: rules:`, `workflow: rules:` and job `rules:` with `variables:`
make of one configuration, each a pipeline GitLab could create.

docs: ci/yaml/includes#use-rules-with-include, ci/yaml#workflowrules, ci/yaml#rulesvariables. Each
assignment of the unknown variables the rules read (models/conditions) decides every conditional
include, the workflow rule that applies (none: no pipeline) and, for each job whose rules set
variables, the rule that applies (none: no such job). Assignments with the same decisions are one
variant (a job no rule creates in one is analysed there with its first rule that can apply: a
finding about a job holds where the job runs); at most MAX_VARIANTS are analysed, beyond that the pipeline is analysed as one where
every include may apply and the first rule setting variables does (an info finding says so).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from cilint.syntax.nodes import scalar_text
from cilint.syntax.tree import MapNode, Node, ScalarNode, SeqNode

if TYPE_CHECKING:  # the expression grammar loads only for a configuration with rules (cold start)
    from cilint.models.conditions import Expr

MAX_VARIANTS = 8
_MATCHING_CLAUSES = ("if", "changes", "exists")


@dataclass(frozen=True, slots=True, eq=False)
class Rule:
    """One entry of a `rules:` list, read for matching."""

    node: MapNode
    conditions: tuple[Expr, ...]  # all must hold
    never: bool


@dataclass(frozen=True, eq=False)
class Choice:
    """The decisions of one variant."""

    includes: Mapping[tuple[str, int], bool] = field(default_factory=dict)  # entry_key -> included
    workflow: MapNode | None = None  # the workflow rule that applies
    jobs: Mapping[str, MapNode | None] = field(default_factory=dict)  # job -> its rule (None: no job)
    label: str | None = None  # the condition, as the user would write it; None for the only variant
    created: bool = True  # False: every workflow rule excludes, GitLab creates no pipeline


def entry_key(node: Node) -> tuple[str, int]:
    """An include entry by where it is written: the same in every resolution of the files."""
    return node.path, node.start


def read_rules(node: Node | None) -> list[Rule] | None:
    """A `rules:` list; None when there is none (or it is not a list)."""
    if not isinstance(node, SeqNode):
        return None
    from cilint.models.conditions import Opaque, parse_if

    rules = []
    for item in node.items:
        if not isinstance(item, MapNode):
            continue
        conditions: list[Expr] = []
        for clause in _MATCHING_CLAUSES:
            value = item.get(clause)
            if value is None:
                continue
            if clause == "if":
                text = scalar_text(value)
                conditions.append(parse_if(text) if text is not None else Opaque("if"))
            else:
                conditions.append(Opaque(f"{clause}: {_shown(value)}"))
        when = scalar_text(item.get("when"))
        rules.append(Rule(item, tuple(conditions), when == "never"))
    return rules


def first_match(
    rules: Sequence[Rule], assignment: Mapping[str, object], known: Mapping[str, str],
    evaluate: Callable[[Expr, Mapping[str, object], Mapping[str, str]], bool],
) -> MapNode | None:
    """The rule that decides, or None when it excludes (`when: never`, or no rule holds);
    `evaluate` is `conditions.evaluate`, passed in so that the grammar loads only when needed."""
    for rule in rules:
        if all(evaluate(c, assignment, known) for c in rule.conditions):
            return None if rule.never else rule.node
    return None


@dataclass(frozen=True, eq=False)
class Variants:
    choices: tuple[Choice, ...]  # one or more; one without label when nothing varies
    too_many: int = 0  # the variants there were, when over MAX_VARIANTS (choices then holds one)


def variants(
    includes: Sequence[tuple[Node, list[Rule]]],
    workflow: list[Rule] | None,
    jobs: Mapping[str, list[Rule]],
    known: Mapping[str, str],
) -> Variants:
    """The variants of a configuration given its conditional include entries, workflow rules and the
    rules of jobs that set variables in them; `known`: variables the configuration sets. When the
    jobs' rules give too many, the includes and workflow alone decide the variants and each job
    takes its first rule that can apply; then the includes alone, with the first workflow rule."""
    found = _variants(includes, workflow, jobs, known)
    first = {name: _first_possible(rules) for name, rules in jobs.items()}
    if found.too_many and jobs:
        fewer = _variants(includes, workflow, {}, known)
        if not fewer.too_many:
            return Variants(tuple(Choice(c.includes, c.workflow, first, c.label, c.created) for c in fewer.choices))
    if found.too_many and workflow is not None and includes:
        fewest = _variants(includes, None, {}, known)
        if not fewest.too_many:
            rule = _first_possible(workflow)
            return Variants(tuple(Choice(c.includes, rule, first, c.label) for c in fewest.choices))
    return found


def _variants(
    includes: Sequence[tuple[Node, list[Rule]]],
    workflow: list[Rule] | None,
    jobs: Mapping[str, list[Rule]],
    known: Mapping[str, str],
) -> Variants:
    from cilint.models.conditions import assignments, describe, evaluate

    exprs = [c for _, rules in includes for r in rules for c in r.conditions]
    exprs += [c for r in workflow or () for c in r.conditions]
    exprs += [c for rules in jobs.values() for r in rules for c in r.conditions]
    every = assignments(exprs, known)
    if every is None:
        return Variants((_may_apply(includes, workflow, jobs),), too_many=-1)
    groups: dict[tuple[object, ...], list[dict[str, object]]] = {}
    decided: dict[tuple[object, ...], Choice] = {}
    for assignment in every:
        included = {entry_key(node): first_match(rules, assignment, known, evaluate) is not None for node, rules in includes}
        rule = first_match(workflow, assignment, known, evaluate) if workflow is not None else None
        if workflow is not None and rule is None:
            continue  # no pipeline
        # a job no rule creates here is still analysed, with its first rule that can apply: a
        # finding about a job holds where the job runs, and saying so would only repeat its rules
        chosen = {name: first_match(rules, assignment, known, evaluate) or _first_possible(rules) for name, rules in jobs.items()}
        # only what a rule sets changes the pipeline: rules without `variables:` are one outcome
        signature = (tuple(included.values()), _effect(rule), tuple(_effect(r) for r in chosen.values()))
        groups.setdefault(signature, []).append(assignment)
        decided.setdefault(signature, Choice(included, rule, chosen))
    if not groups:  # every workflow rule excludes: a pipeline with no jobs
        return Variants((Choice(created=False, label="no pipeline: every workflow rule excludes"),))
    if len(groups) > MAX_VARIANTS:
        return Variants((_may_apply(includes, workflow, jobs),), too_many=len(groups))
    if len(groups) == 1:
        return Variants(tuple(decided.values()))
    kept = [a for group in groups.values() for a in group]
    choices = []
    for signature, group in groups.items():
        choice = decided[signature]
        label = describe(group, kept) or _by_decisions(choice, includes, jobs)
        choices.append(Choice(choice.includes, choice.workflow, choice.jobs, label))
    # the fullest pipeline first: it is the one findings are worded from and the one shown by default
    choices.sort(key=lambda c: (sum(r is None for r in c.jobs.values()), sum(not i for i in c.includes.values())))
    return Variants(tuple(choices))


def _first_possible(rules: Sequence[Rule]) -> MapNode | None:
    return next((r.node for r in rules if not r.never), None)


def _effect(rule: MapNode | None) -> object:
    if rule is None:
        return None
    variables = rule.get("variables")
    return id(variables) if isinstance(variables, MapNode) else 0


def _may_apply(
    includes: Sequence[tuple[Node, list[Rule]]], workflow: list[Rule] | None, jobs: Mapping[str, list[Rule]]
) -> Choice:
    """Every include that some rule can include; the first rule that can apply."""
    return Choice(
        {entry_key(node): any(not r.never for r in rules) for node, rules in includes},
        _first_possible(workflow) if workflow else None,
        {name: _first_possible(rules) for name, rules in jobs.items()},
    )


def _by_decisions(choice: Choice, includes: Sequence[tuple[Node, list[Rule]]], jobs: Mapping[str, list[Rule]]) -> str:
    """A variant by what its rules decide, when no condition on variables describes it exactly."""
    parts = [f"`{_shown(node)}` is {'included' if choice.includes.get(entry_key(node)) else 'not included'}"
             for node, _ in includes]
    for name, rules in jobs.items():
        rule = choice.jobs.get(name)
        index = next((i for i, r in enumerate(rules) if r.node is rule), None)
        parts.append(f"job `{name}` is not created" if index is None else f"rule {index + 1} of job `{name}` applies")
    return " and ".join(parts) or "the workflow rules apply this way"


def _shown(node: Node) -> str:
    if isinstance(node, ScalarNode):
        return scalar_text(node) or ""
    if isinstance(node, MapNode):
        for key in ("local", "component", "project", "remote", "template"):
            if key in node.entries:
                return scalar_text(node.get(key)) or key
    if isinstance(node, SeqNode):
        return ", ".join(scalar_text(i) or "" for i in node.items[:3])
    return "?"


def jobs_with_rule_variables(config: MapNode, keywords: frozenset[str]) -> dict[str, list[Rule]]:
    """The jobs whose `rules:` set `variables:` in some rule (the others need no variant);
    `keywords`: the top-level keys that are not jobs."""
    found: dict[str, list[Rule]] = {}
    for name, (_, job) in config.entries.items():
        if name in keywords or name.startswith(".") or not isinstance(job, MapNode):
            continue
        rules_node = job.get("rules")
        if isinstance(rules_node, SeqNode) and any(
                isinstance(r, MapNode) and isinstance(r.get("variables"), MapNode) for r in rules_node.items):
            found[name] = read_rules(rules_node) or []
    return found


def never_created(job: MapNode) -> bool:
    """A job whose every rule is `when: never` does not exist (docs: ci/yaml#rules)."""
    rules = job.get("rules")
    if not isinstance(rules, SeqNode) or not rules.items:
        return False
    return all(isinstance(r, MapNode) and scalar_text(r.get("when")) == "never" for r in rules.items)
