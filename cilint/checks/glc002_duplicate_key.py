"""GLC002 duplicate-key: A key written twice in one YAML mapping; GitLab keeps the last."""

from __future__ import annotations

from collections.abc import Iterator

from cilint.checks.base import Check, CheckContext
from cilint.findings import Finding, Related, Severity
from cilint.syntax.nodes import location
from cilint.syntax.tree import Node
from cilint.syntax.yaml import text_of_key


class DuplicateKey(Check):
    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        seen: set[str] = set()
        for pipeline in ctx.project.pipelines:
            for path in pipeline.files:
                if path in seen:
                    continue
                seen.add(path)
                parsed = ctx.parsed_yaml(path)
                for first, winner in parsed.duplicates if parsed is not None else ():
                    yield self._finding(ctx, first, winner)

    def _finding(self, ctx: CheckContext, first: Node, winner: Node) -> Finding:
        name = text_of_key(winner)
        source = ctx.source_of(first)
        line = source.position(first.span.start).line if source is not None else 0
        return Finding(
            self.rule_id, f"`{name}` is written twice in this mapping; GitLab uses this one and ignores line {line}",
            location(winner), Severity.MAJOR, route=("duplicate-key", name),
            related=(Related(location(first), f"the first `{name}`, which GitLab ignores"),),
            why=("YAML keys must be unique; GitLab's parser (Psych) keeps the last value of a repeated key without a "
                 "word, so the first one has no effect"),
            remedy="delete one of the two, or merge them into one")
