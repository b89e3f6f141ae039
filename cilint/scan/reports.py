"""What a scan writes from its records (a scan's own, or shards' merged): the JSON lines, a Markdown
summary, an HTML page with a bar per rule, Code Quality and SARIF with paths under each project's path."""

from __future__ import annotations

import html
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cilint.scan.records import ProjectRecord

TOP_FINDINGS = 5  # per project in the summaries


@dataclass(frozen=True, slots=True)
class RuleRow:
    rule: str
    projects: int
    findings: int


def rule_rows(records: Sequence[ProjectRecord]) -> list[RuleRow]:
    findings: Counter[str] = Counter()
    projects: Counter[str] = Counter()
    for record in records:
        rules = [f["rule"] for f in record.findings]
        findings.update(rules)
        projects.update(set(rules))
    return sorted((RuleRow(r, projects[r], findings[r]) for r in findings), key=lambda r: (-r.projects, -r.findings, r.rule))


def markdown(records: Sequence[ProjectRecord]) -> str:
    statuses = Counter(r.project["status"] for r in records)
    total = sum(len(r.findings) for r in records)
    lines = ["# cilint scan", "",
             f"{len(records)} projects: {statuses['scanned']} scanned, {statuses['skipped']} skipped, "
             f"{statuses['failed']} failed; {total} findings in "
             f"{sum(1 for r in records if r.findings)} projects.", ""]
    rows = rule_rows(records)
    if rows:
        lines += ["## Per rule", "", "| rule | projects | findings |", "|---|---:|---:|"]
        lines += [f"| {row.rule} | {row.projects} | {row.findings} |" for row in rows]
        lines.append("")
    affected = sorted((r for r in records if r.findings), key=lambda r: (-len(r.findings), r.path))
    if affected:
        lines += ["## Per project", ""]
        for record in affected:
            lines.append(f"### {record.path} ({len(record.findings)} findings)")
            lines.append("")
            for finding in record.findings[:TOP_FINDINGS]:
                where = f"{finding['path']}:{finding['start']['line']}"
                shown = f"[{where}]({finding['url']})" if finding.get("url") else where
                lines.append(f"- {shown} **{finding['rule']}** {_one_line(finding['message'])}")
            if len(record.findings) > TOP_FINDINGS:
                lines.append(f"- and {len(record.findings) - TOP_FINDINGS} more")
            lines.append("")
    problems = [r for r in records if r.project["status"] != "scanned"]
    if problems:
        lines += ["## Not scanned", ""]
        lines += [f"- {r.path}: {r.project['status']}, {r.project.get('reason', '')}" for r in problems]
        lines.append("")
    return "\n".join(lines)


def html_page(records: Sequence[ProjectRecord]) -> str:
    rows = rule_rows(records)
    widest = max((row.projects for row in rows), default=1)
    bars = "".join(
        f'<tr><td><code>{html.escape(row.rule)}</code></td><td class="bar"><span style="width:'
        f'{100 * row.projects / widest:.1f}%"></span></td><td>{row.projects}</td><td>{row.findings}</td></tr>'
        for row in rows)
    projects = "".join(
        f"<h3>{html.escape(r.path)} ({len(r.findings)})</h3><ul>" + "".join(
            f'<li><a href="{html.escape(f.get("url") or "")}">{html.escape(f["path"])}:{f["start"]["line"]}</a> '
            f'<b>{html.escape(f["rule"])}</b> {html.escape(_one_line(f["message"]))}</li>'
            for f in r.findings[:TOP_FINDINGS]) + "</ul>"
        for r in sorted((r for r in records if r.findings), key=lambda r: (-len(r.findings), r.path)))
    summary = html.escape(markdown(records).split("\n")[2])
    return ("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>cilint scan</title><style>"
            "body{font-family:sans-serif;max-width:60em;margin:auto}td.bar{width:60%}"
            "td.bar span{display:block;height:1em;background:#6b4fbb}</style></head><body>"
            f"<h1>cilint scan</h1><p>{summary}</p><h2>Projects affected per rule</h2>"
            f"<table><tr><th>rule</th><th></th><th>projects</th><th>findings</th></tr>{bars}</table>"
            f"<h2>Per project</h2>{projects}</body></html>\n")


def codequality(records: Sequence[ProjectRecord]) -> str:
    return json.dumps([entry for r in records for entry in r.project.get("codequality", [])], indent=2,
                      ensure_ascii=False) + "\n"


def sarif(records: Sequence[ProjectRecord]) -> str:
    from cilint.report import sarif as sarif_report

    document = json.loads(sarif_report.render([]))
    document["runs"][0]["results"] = [result for r in records for result in r.project.get("sarif", [])]
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def write_reports(records: Sequence[ProjectRecord], directory: Path) -> list[Path]:
    """summary.md, summary.html, codequality.json and sarif.json in `directory` (scan.jsonl is written as
    the scan goes)."""
    from cilint.filesystem import write_report

    written = []
    for name, text in (("summary.md", markdown(records)), ("summary.html", html_page(records)),
                       ("codequality.json", codequality(records)), ("sarif.json", sarif(records))):
        write_report(directory / name, text)
        written.append(directory / name)
    return written


def _one_line(message: str) -> str:
    return message.splitlines()[0] if message else ""
