"""What every check is given: the project of the run and the facts shared by the rules."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from cilint.facts.jobs import JobFacts
from cilint.facts.project_facts import Facts
from cilint.findings import Finding
from cilint.loading.project import Project
from cilint.models.pipeline import Job
from cilint.source import SourceFile
from cilint.syntax.tree import Node
from cilint.syntax.yaml import YamlParse


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

    def parsed_yaml(self, path: str) -> YamlParse | None:
        """The YAML reading of a file of the project (parsed once per run); None when it could not be read."""
        source = self.source(path)
        return self.project.workspace.yaml(source) if source is not None else None

    def source_of(self, node: Node) -> SourceFile | None:
        """The text of the file `node` is written in; None when it could not be read."""
        return self.source(node.path)

    @classmethod
    def of(cls, project: Project, jobs: JobFacts | None = None) -> CheckContext:
        return cls(project, Facts(project, jobs))


class Check:
    """A rule's check. Its id is the start of its module's name (`net001_dind_tls_port_mismatch`:
    NET001), so it is written once; `run` yields the rule's findings for one project."""

    rule_id: ClassVar[str]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.rule_id = cls.__module__.rsplit(".", 1)[-1].split("_", 1)[0].upper()

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        raise NotImplementedError
