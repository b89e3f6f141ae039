"""SARIF 2.1.0 with the rule catalog as `tool.driver.rules`."""

from __future__ import annotations

import json
from collections.abc import Sequence

from cilint import __version__
from cilint.catalog import load_catalog
from cilint.engine import ProjectResult
from cilint.report.common import placed

_LEVEL = {"info": "note", "minor": "warning", "major": "warning", "critical": "error", "blocker": "error"}


def render(projects: Sequence[ProjectResult]) -> str:
    catalog = load_catalog()
    rule_ids = list(catalog)
    results = []
    for item in placed(projects):
        finding = item.finding
        result = {
            "ruleId": finding.rule_id,
            "level": _LEVEL[finding.severity.label],
            "message": {"text": finding.message},
            "partialFingerprints": {"cilint/v1": item.fingerprint},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": finding.path},
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
        if finding.rule_id in catalog:
            result["ruleIndex"] = rule_ids.index(finding.rule_id)
        results.append(result)
    driver = {
        "name": "cilint",
        "version": __version__,
        "informationUri": "https://pypi.org/project/cilint/",
        "rules": [
            {
                "id": meta.id,
                "name": meta.name,
                "shortDescription": {"text": meta.title},
                "fullDescription": {"text": meta.summary.strip()},
                "helpUri": meta.references[0] if meta.references else None,
                "defaultConfiguration": {"level": _LEVEL[meta.severity.label]},
            }
            for meta in catalog.values()
        ],
    }
    for rule in driver["rules"]:
        if rule["helpUri"] is None:
            del rule["helpUri"]
    document = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{"tool": {"driver": driver}, "results": results}],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
