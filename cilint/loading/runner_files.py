"""Reading runner configuration files: config.toml, and gitlab-runner Helm values (runners.config)."""

from __future__ import annotations

import re

from cilint.findings import Finding, Location, Severity, Span
from cilint.input_rules import include_problem
from cilint.loading.workspace import Workspace, syntax_finding, unreadable_finding
from cilint.models.runner import HELM_TEMPLATE_TAG, RunnerConfig, build_runner_config
from cilint.source import SourceFile
from cilint.syntax.embedded import neutralise_templates, scalar_offsets
from cilint.syntax.nodes import scalar_text
from cilint.syntax.toml import parse_toml
from cilint.syntax.tree import MapNode, Node, ScalarNode, SeqNode

# The gitlab-runner chart registers its runner with the kubernetes executor unless told otherwise.
HELM_DEFAULT_EXECUTOR = "kubernetes"


def helm_runner_sections(values: Node | None) -> list[MapNode]:
    """The chart's `runners:` maps holding a `config` string: top level, or under a subchart key
    (an umbrella chart that depends on gitlab-runner, e.g. `gitlab-runner: {runners: {config: ...}}`)."""
    if not isinstance(values, MapNode):
        return []
    candidates = [values.get("runners")]
    candidates += [v.get("runners") for _, v in values.items() if isinstance(v, MapNode)]
    return [
        c for c in candidates
        if isinstance(c, MapNode) and isinstance(c.get("config"), ScalarNode) and scalar_text(c.get("config"))
    ]


def load_runner_configs(ws: Workspace, path: str, findings: list[Finding]) -> list[RunnerConfig]:
    source = ws.source(path)
    if not isinstance(source, SourceFile):
        findings.append(unreadable_finding(path, source, None))
        return []
    if path.endswith((".yml", ".yaml")):
        parsed = ws.yaml(source)
        if parsed.problem is not None:
            findings.append(
                syntax_finding(source, parsed.problem.headline, parsed.problem.offset)
            )
            return []
        values = parsed.documents[0].root if parsed.documents else None
        loaded = [_helm(source, values, runners, findings) for runners in helm_runner_sections(values)]
        return [c for c in loaded if c is not None]
    if _runner_count(source.text) > MAX_RUNNERS:
        findings.append(_not_read(path, f"it defines more than {MAX_RUNNERS:,} runners", 0))
        return []
    parsed = parse_toml(source.text, path)
    if parsed.problem is not None and parsed.problem.over_limit:
        findings.append(_not_read(path, parsed.problem.message, parsed.problem.offset))
        return []
    if parsed.problem is not None or parsed.root is None:
        problem = parsed.problem
        findings.append(
            syntax_finding(source, f"TOML syntax error: {problem.message if problem else 'unreadable'}",
                           problem.offset if problem else 0)
        )
        return []
    return [build_runner_config(path, "toml", parsed.root)]


# Checking a runner costs about 0.2 ms (its settings against every job); a configuration rarely
# holds more than a few dozen. Past this many, the file is reported as not checked.
MAX_RUNNERS = 2_000


_RUNNERS_ELEMENT = re.compile(r"\[\[[ \t]*runners[ \t]*\]\]")


def _runner_count(text: str) -> int:
    return len(_RUNNERS_ELEMENT.findall(text)) if "runners" in text else 0


def _not_read(path: str, reason: str, offset: int) -> Finding:
    return include_problem(f"`{path}` was not checked: {reason}", Location(path, Span(offset, offset)),
                   Severity.MAJOR, route=("not-read", path))


def _helm(source: SourceFile, values: Node | None, runners: MapNode, findings: list[Finding]) -> RunnerConfig | None:
    config = runners.get("config")
    assert isinstance(config, ScalarNode) and isinstance(values, MapNode)
    offsets, _exact = scalar_offsets(source, config)
    neutral = neutralise_templates(config.text)
    if _runner_count(neutral.text) > MAX_RUNNERS:
        findings.append(_not_read(source.path, f"`runners.config` defines more than {MAX_RUNNERS:,} runners",
                                  config.span.start))
        return None
    toml = parse_toml(neutral.text, source.path, offsets)
    if toml.problem is not None and toml.problem.over_limit:
        findings.append(_not_read(source.path, f"`runners.config` has {toml.problem.message}", config.span.start))
        return None
    if toml.problem is not None or toml.root is None:
        problem = toml.problem
        findings.append(
            syntax_finding(
                source,
                f"TOML syntax error in `runners.config`: {problem.message if problem else 'unreadable'}",
                problem.offset if problem else config.span.start,
            )
        )
        return None
    template_spans = [_file_span(span, offsets, config) for span in neutral.templates]
    if template_spans:
        _mark_templates(toml.root, template_spans, source.text)
    executor = scalar_text(runners.get("executor")) or HELM_DEFAULT_EXECUTOR
    return build_runner_config(
        source.path, "helm", toml.root, helm_values=values, config_node=config,
        templated=bool(template_spans), default_executor=executor,
    )


def _file_span(span: Span, offsets: list[int], config: ScalarNode) -> Span:
    if not offsets:
        return config.span
    start = offsets[min(span.start, len(offsets) - 1)]
    end = offsets[min(max(span.end - 1, span.start), len(offsets) - 1)] + 1
    return Span(start, end)


def _mark_templates(node: Node, spans: list[Span], text: str) -> None:
    """Scalars written with Helm template expressions are tagged as opaque and keep their text."""
    if isinstance(node, ScalarNode):
        if any(s.start < node.span.end and node.span.start < s.end for s in spans):
            node.tag = HELM_TEMPLATE_TAG
            written = text[node.span.start : node.span.end]
            node.value = written[1:-1] if written[:1] in ("'", '"') and written[-1:] == written[:1] else written
    elif isinstance(node, SeqNode):
        for item in node.items:
            _mark_templates(item, spans, text)
    elif isinstance(node, MapNode):
        for _, value in node.items():
            _mark_templates(value, spans, text)
