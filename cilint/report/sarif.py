"""SARIF 2.1.0 with the rule catalog as `tool.driver.rules`."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence

from cilint import __version__
from cilint.catalog import load_catalog
from cilint.redact import Redactor
from cilint.report.common import Placed, docs_link, placed
from cilint.results import DOCS_URL, ProjectResult
from cilint.source import SourceFile

_LEVEL = {"info": "note", "minor": "warning", "major": "warning", "critical": "error", "blocker": "error"}


def render(projects: Sequence[ProjectResult], redactor: Redactor | None = None) -> str:
    redactor = redactor or Redactor.from_environment(os.environ)
    catalog = load_catalog()
    rule_index = {rule_id: index for index, rule_id in enumerate(catalog)}
    results = []
    for project in projects:
        files = project.files
        for item in placed([project]):
            results.append(_result(item, project, rule_index, redactor))
    driver = _driver(catalog, projects[0].docs_url if projects else DOCS_URL)
    document = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{"tool": {"driver": driver}, "results": results}],
    }
    import json  # stdlib, a few ms of cold start: only when this format is written
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _region(source: SourceFile | None, start: int, end: int) -> dict[str, int]:
    if source is None:
        return {"startLine": 1, "startColumn": 1}
    first, last = source.position(start), source.position(max(start, end))
    return {"startLine": first.line, "startColumn": first.column, "endLine": last.line, "endColumn": last.column}


def _result(item: Placed, project: ProjectResult, rule_index: dict[str, int],
            redactor: Redactor) -> dict:  # type: ignore[type-arg]
    finding, files, docs_url = item.finding, project.files, project.docs_url

    def uri(path: str) -> str:
        return project.shown(path, repository=True)

    statement, why, remedy = (redactor.text(t) for t in (finding.message, finding.why, finding.remedy))
    properties = {"confidence": finding.confidence.label, "why": why, "remedy": remedy}
    link = docs_link(docs_url, finding.rule_id)
    if link:
        properties["docs"] = link
    result = {
        "ruleId": finding.rule_id,
        "level": _LEVEL[finding.severity.label],
        # Viewers show the text; the markdown (GitHub, VS Code) carries the why and the fix as well.
        "message": {"text": statement, "markdown": _markdown(statement, why, remedy, link)},
        "partialFingerprints": {"cilint/v1": item.fingerprint},
        "properties": properties,
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": uri(finding.path)},
                    "region": {
                        "startLine": item.start.line,
                        "startColumn": item.start.column,
                        "endLine": item.end.line,
                        "endColumn": item.end.column,
                    },
                }
            }
        ],
    }
    if finding.rule_id in rule_index:
        result["ruleIndex"] = rule_index[finding.rule_id]
    if finding.related:
        result["relatedLocations"] = [
            {"id": index, "message": {"text": redactor.text(r.message)}, "physicalLocation": {
                "artifactLocation": {"uri": uri(r.location.path)},
                "region": _region(files.get(r.location.path), r.location.span.start, r.location.span.end)}}
            for index, r in enumerate(finding.related)
        ]
    if finding.fix is not None:
        result["fixes"] = [{
            "description": {"text": f"{redactor.text(finding.fix.title)} ({finding.fix.applicability.value})"},
            "artifactChanges": [
                {"artifactLocation": {"uri": uri(edit.path)}, "replacements": [{
                    "deletedRegion": _region(files.get(edit.path), edit.span.start, edit.span.end),
                    "insertedContent": {"text": redactor.text(edit.content)}}]}
                for edit in finding.fix.edits
            ],
        }]
    return result


def _markdown(statement: str, why: str, remedy: str, link: str | None) -> str:
    parts = [_escaped(statement)]
    if why:
        parts.append(f"**Why:** {_escaped(why)}")
    if remedy:
        parts.append(f"**Fix:** {_escaped(remedy)}")
    if link:
        parts.append(f"[Rule documentation]({link})")
    return "\n\n".join(parts)


def _escaped(text: str) -> str:
    """Text as markdown that shows as written: outside the backtick-quoted names (code spans, where
    a backslash would show) markdown's special characters are escaped."""
    pieces = text.split("`")
    if len(pieces) % 2 == 0:  # an unpaired backtick: no code spans
        return _MARKDOWN_SPECIAL.sub(r"\\\g<0>", text).replace("`", "\\`")
    return "`".join(piece if odd % 2 else _MARKDOWN_SPECIAL.sub(r"\\\g<0>", piece) for odd, piece in enumerate(pieces))


_MARKDOWN_SPECIAL = re.compile(r"[\\*_\[\]<>#|~]")


def _driver(catalog, docs_url: str) -> dict:  # type: ignore[no-untyped-def]
    rules = []
    for meta in catalog.values():
        rule = {
            "id": meta.id,
            "name": meta.name,
            "shortDescription": {"text": meta.title},
            "fullDescription": {"text": meta.summary.strip()},
            "defaultConfiguration": {"level": _LEVEL[meta.severity.label]},
        }
        link = docs_link(docs_url, meta.id)
        if link or meta.references:
            rule["helpUri"] = link or meta.references[0]
        rules.append(rule)
    return {"name": "cilint", "version": __version__, "informationUri": "https://pypi.org/project/cilint/", "rules": rules}
