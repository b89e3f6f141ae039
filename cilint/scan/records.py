"""The scan's JSON lines: for each project, one object per finding (the `cilint check` JSON finding with the
project's path, id and a link to the line in GitLab), then one object for the project itself (status, the
commit, counts, its Code Quality entries and SARIF results). A project counts as scanned once its own line
is written: `--resume` and `scan merge` read only complete projects."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cilint.scan.api import Project


@dataclass(slots=True)
class ProjectRecord:
    """A scanned project as the JSON lines hold it."""

    project: dict[str, Any]
    findings: list[dict[str, Any]] = field(default_factory=list)

    @property
    def id(self) -> int:
        return int(self.project["project_id"])

    @property
    def path(self) -> str:
        return str(self.project["project"])

    def lines(self) -> str:
        return "".join(json.dumps(item, ensure_ascii=False, sort_keys=True) + "\n" for item in (*self.findings, self.project))


def scanned_record(scanned: Any) -> ProjectRecord:
    """The record of a `checkout.Scanned`."""
    from cilint.report import codequality, json_report, sarif

    project: Project = scanned.project
    result = scanned.result
    blob = f"{project.web_url}/-/blob/{scanned.commit}/"
    findings = []
    for item in json.loads(json_report.render([result]))["findings"]:
        inside = item["path"][len(project.path) + 1:]
        fetched = inside.startswith(("gitlab:", "remote:"))  # a file of another project or a URL: no link here
        findings.append({"type": "finding", "project": project.path, "project_id": project.id, **item,
                         "url": f"{blob}{inside}#L{item['start']['line']}" if project.web_url and not fetched else None})
    document = json.loads(sarif.render([result]))
    head = {"type": "project", "project": project.path, "project_id": project.id, "web_url": project.web_url,
            "status": "scanned", "commit": scanned.commit, "findings": len(findings), "fetched": scanned.fetched,
            "codequality": json.loads(codequality.render([result])), "sarif": document["runs"][0]["results"]}
    return ProjectRecord(head, findings)


def failed_record(project: Project, status: str, reason: str) -> ProjectRecord:
    """`status`: failed (an error while scanning) or skipped (nothing to scan: archived, empty...)."""
    return ProjectRecord({"type": "project", "project": project.path, "project_id": project.id,
                          "web_url": project.web_url, "status": status, "reason": reason, "findings": 0,
                          "codequality": [], "sarif": []})


def read_records(paths: Iterable[Path]) -> Iterator[ProjectRecord]:
    """Complete projects of JSON lines files (findings of a project whose own line is missing, cut by an
    interruption, are left out); a project in several files counts once, as last seen."""
    seen: dict[int, ProjectRecord] = {}
    for path in paths:
        pending: dict[int, list[dict[str, Any]]] = {}
        with path.open(encoding="utf-8") as lines:
            for number, line in enumerate(lines, start=1):
                if not line.strip():
                    continue
                try:
                    item = json.loads(line)
                except ValueError:
                    raise ValueError(f"{path}:{number}: not a JSON line of a cilint scan") from None
                if not isinstance(item, dict) or item.get("type") not in ("finding", "project"):
                    raise ValueError(f"{path}:{number}: not a JSON line of a cilint scan")
                key = int(item["project_id"])
                if item["type"] == "finding":
                    pending.setdefault(key, []).append(item)
                else:
                    seen.pop(key, None)
                    seen[key] = ProjectRecord(item, pending.pop(key, []))
    yield from sorted(seen.values(), key=lambda r: r.path)
