"""GitLab Code Quality (CodeClimate subset) report: one JSON array GitLab's parser accepts whole.

facts 1.1-1.2: every entry needs `description`, `check_name`, `fingerprint`, `severity` (one of five
lowercase values) and `location.path` with an integer `location.lines.begin`; no BOM.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from cilint.engine import ProjectResult
from cilint.report.common import placed

_CATEGORY = {"CIL": "Bug Risk"}


def render(projects: Sequence[ProjectResult]) -> str:
    entries = []
    for item in placed(projects):
        finding = item.finding
        entries.append(
            {
                "type": "issue",
                "check_name": finding.rule_id,
                "description": f"{finding.rule_id}: {finding.message}",
                "categories": [_CATEGORY.get(finding.rule_id[:3], "Bug Risk")],
                "severity": finding.severity.label,
                "fingerprint": item.fingerprint,
                "location": {
                    "path": finding.path,
                    "lines": {"begin": item.start.line, "end": item.end.line},
                },
            }
        )
    return json.dumps(entries, indent=2, ensure_ascii=False) + "\n"
