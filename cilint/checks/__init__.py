"""Checks: the behaviour behind each rule of the catalog. `ALL_CHECKS` is the explicit registry."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from cilint.findings import Finding
from cilint.models.project import Project


class Check(Protocol):
    rule_id: str

    def run(self, project: Project) -> Iterator[Finding]: ...


def _registry() -> tuple[Check, ...]:
    from cilint.checks.local_hosts import DesktopOnlyHostname

    return (DesktopOnlyHostname(),)


ALL_CHECKS: tuple[Check, ...] = _registry()
