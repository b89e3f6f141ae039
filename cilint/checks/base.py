"""What every check is given: the project of the run and the facts shared by the rules."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from cilint.facts.project_facts import Facts
from cilint.findings import Finding
from cilint.loading.project import Project
from cilint.models.pipeline import Job
from cilint.source import SourceFile
from cilint.syntax.tree import Node


@dataclass(frozen=True, slots=True)
class CheckContext:
    """One project's run: its model and the facts several rules derive from it."""

    project: Project
    facts: Facts

    def jobs(self) -> Iterator[Job]:
        """Every job of every pipeline of the project."""
        return self.project.jobs()

    def source(self, path: str) -> SourceFile | None:
        """The text of a file of the project; None when it could not be read."""
        source = self.project.workspace.source(path)
        return source if isinstance(source, SourceFile) else None

    def source_of(self, node: Node) -> SourceFile | None:
        """The text of the file `node` is written in; None when it could not be read."""
        return self.source(node.path)

    @classmethod
    def of(cls, project: Project) -> CheckContext:
        return cls(project, Facts(project))


class Check(Protocol):
    rule_id: str

    def run(self, ctx: CheckContext) -> Iterator[Finding]: ...
