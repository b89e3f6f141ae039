"""SARIF 2.1.0 with the rule catalog as `tool.driver.rules`."""

from __future__ import annotations

import os
from collections.abc import Sequence

from cilint import __version__
from cilint.catalog import load_catalog
from cilint.redact import Redactor
from cilint.report.common import Placed, placed
from cilint.results import ProjectResult
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
            results.append(_result(item, files, rule_index, redactor, project.prefix))
    driver = _driver(catalog)
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


def _result(item: Placed, files: dict[str, SourceFile], rule_index: dict[str, int], redactor: Redactor,
            prefix: str) -> dict:  # type: ignore[type-arg]
    finding = item.finding
    result = {
        "ruleId": finding.rule_id,
        "level": _LEVEL[finding.severity.label],
        "message": {"text": redactor.text(finding.message)},
        "partialFingerprints": {"cilint/v1": item.fingerprint},
        "properties": {"confidence": finding.confidence.label},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": prefix + finding.path},
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
                "artifactLocation": {"uri": prefix + r.location.path},
                "region": _region(files.get(r.location.path), r.location.span.start, r.location.span.end)}}
            for index, r in enumerate(finding.related)
        ]
    if finding.fix is not None:
        result["fixes"] = [{
            "description": {"text": f"{redactor.text(finding.fix.title)} ({finding.fix.applicability.value})"},
            "artifactChanges": [
                {"artifactLocation": {"uri": prefix + edit.path}, "replacements": [{
                    "deletedRegion": _region(files.get(edit.path), edit.span.start, edit.span.end),
                    "insertedContent": {"text": redactor.text(edit.content)}}]}
                for edit in finding.fix.edits
            ],
        }]
    return result


def _driver(catalog) -> dict:  # type: ignore[no-untyped-def]
    rules = []
    for meta in catalog.values():
        rule = {
            "id": meta.id,
            "name": meta.name,
            "shortDescription": {"text": meta.title},
            "fullDescription": {"text": meta.summary.strip()},
            "defaultConfiguration": {"level": _LEVEL[meta.severity.label]},
        }
        if meta.references:
            rule["helpUri"] = meta.references[0]
        rules.append(rule)
    return {"name": "cilint", "version": __version__, "informationUri": "https://pypi.org/project/cilint/", "rules": rules}
