"""`cilint mr-comment`: findings on lines a merge request changes, posted as diff discussions.

Each discussion carries the finding's fingerprint in an HTML comment, so a second run recognises
what it posted before and posts nothing twice. A fix confined to the finding's lines becomes a GitLab
suggestion block (docs: user/project/merge_requests/reviews/suggestions); other fixes are shown as a
diff. Positions follow the discussions API (docs: api/discussions, "Create a new thread in the merge
request diff"): the latest diff version's SHAs, `old_path`/`new_path`, and `new_line` of an added line.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from cilint.findings import Applicability
from cilint.gitlab_api import ApiError
from cilint.redact import Redactor
from cilint.report.common import Placed, docs_link, placed
from cilint.results import ProjectResult
from cilint.source import SourceFile

_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@")
MARKER = "<!-- cilint:fingerprint:{} -->"
_MARKER_RE = re.compile(r"<!-- cilint:fingerprint:([0-9a-f]{64}) -->")


def added_lines(diff: str) -> set[int]:
    """New-file line numbers of the lines a unified diff adds."""
    lines: set[int] = set()
    number = 0
    for line in diff.splitlines():
        match = _HUNK.match(line)
        if match:
            number = int(match.group(1))
            continue
        if line.startswith("+") and not line.startswith("+++"):
            lines.add(number)
            number += 1
        elif line.startswith("-") and not line.startswith("---"):
            continue
        elif line.startswith("\\"):
            continue
        else:
            number += 1
    return lines


@dataclass(frozen=True, slots=True, eq=False)
class Comment:
    """A merge-request discussion to post for a finding."""

    path: str
    line: int
    body: str
    fingerprint: str


def comments(projects: Sequence[ProjectResult], changed: dict[str, set[int]], unsafe: bool) -> list[Comment]:
    redactor = Redactor.from_environment(os.environ)
    out: list[Comment] = []
    for project in projects:
        files = project.files
        for item in placed([project]):
            path = project.shown(item.finding.path, repository=True)  # as the merge request's diff names it
            lines = changed.get(path)
            if not lines or item.start.line not in lines:
                continue
            body = _body(item, files, unsafe, redactor, project.docs_url, project.traces.get(id(item.finding), []))
            out.append(Comment(path, item.start.line, body, item.fingerprint))
    return out


def _body(item: Placed, files: dict[str, SourceFile], unsafe: bool, redactor: Redactor, docs_url: str,
          trace: Sequence[str] = ()) -> str:
    finding = item.finding
    parts = [f"**{finding.rule_id}** [{finding.severity.label}] {redactor.text(finding.message)}"]
    if finding.why:
        parts += ["", f"**Why:** {redactor.text(finding.why)}"]
    if finding.remedy:
        parts += ["", f"**Fix:** {redactor.text(finding.remedy)}"]
    fix = finding.fix
    suggestion = _suggestion(item, files) if fix and (fix.applicability is Applicability.SAFE or unsafe) else None
    if suggestion is not None and redactor.line(suggestion) != suggestion:
        suggestion = None  # a suggestion with the secret masked would write the mask into the file
    if suggestion is not None:
        fence = "````" if "```" in suggestion else "```"
        parts += ["", f"Suggested fix ({fix.applicability.value}): {redactor.text(fix.title)}",  # type: ignore[union-attr]
                  f"{fence}suggestion:-0+0", *([suggestion] if suggestion else []), fence]  # empty: delete the line
    elif fix is not None:
        parts += ["", f"Suggested change ({fix.applicability.value}): {redactor.text(fix.title)}"]
    if trace:  # `cilint trace` of the names it is about: a Mermaid diagram GitLab draws
        names = ", ".join(f"`{s.name}`" for s in finding.subjects)
        parts += ["", f"<details><summary>How the job resolves {redactor.text(names)}</summary>", "",
                  *(redactor.text(line) for line in trace), "", "</details>"]
    link = docs_link(docs_url, finding.rule_id)
    more = f"[{finding.rule_id} documentation]({link})" if link else f"`cilint explain {finding.rule_id}` tells more."
    parts += ["", more, MARKER.format(item.fingerprint)]
    return "\n".join(parts)


def _suggestion(item: Placed, files: dict[str, SourceFile]) -> str | None:
    """The finding's line as the fix rewrites it, when the fix touches that line only ("" when it
    deletes the line)."""
    fix = item.finding.fix
    if fix is None or any(e.path != item.finding.path for e in fix.edits):
        return None
    source = files.get(item.finding.path)
    if source is None:
        return None
    line = item.start.line
    whole = (source.offset(line, 1), source.offset(line + 1, 1) if line < source.line_count else len(source.text))
    if len(fix.edits) == 1 and fix.edits[0].content == "" and (fix.edits[0].span.start, fix.edits[0].span.end) == whole:
        return ""
    if any(source.position(e.span.start).line != line or source.position(e.span.end).line != line for e in fix.edits):
        return None
    start = source.offset(line, 1)
    end = source.offset(line, 1) + len(source.line_text(line))
    new_line = source.text[start:end]
    for edit in sorted(fix.edits, key=lambda e: e.span.start, reverse=True):  # the line only, not the file
        new_line = new_line[: edit.span.start - start] + edit.content + new_line[edit.span.end - start:]
    return new_line if "\n" not in new_line else None


def posted_fingerprints(bodies: Iterable[str]) -> set[str]:
    found: set[str] = set()
    for body in bodies:
        found.update(_MARKER_RE.findall(body or ""))
    return found


def post(gitlab_source, iid: int, projects: Sequence[ProjectResult], unsafe: bool) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """Post the comments; returns (posted, already there)."""
    client = gitlab_source._client
    mr = client.projects.get(gitlab_source.project, lazy=True).mergerequests.get(iid, lazy=True)
    versions = gitlab_source._call(f"merge request !{iid} versions", lambda: mr.diffs.list(get_all=False))
    if versions is None:
        raise ApiError(f"merge request !{iid} of project `{gitlab_source.project}` not found (404)")
    if not versions:
        return 0, 0
    version = gitlab_source._call(f"merge request !{iid} diff", lambda: mr.diffs.get(versions[0].id))
    changed: dict[str, set[int]] = {}
    paths: dict[str, str] = {}
    for diff in version.diffs:
        if diff.get("deleted_file"):
            continue
        changed[diff["new_path"]] = added_lines(diff.get("diff", ""))
        paths[diff["new_path"]] = diff.get("old_path") or diff["new_path"]
    existing = gitlab_source._call(f"merge request !{iid} discussions", lambda: mr.discussions.list(get_all=True))
    seen = posted_fingerprints(note.get("body", "") for d in existing or [] for note in d.attributes.get("notes", []))
    posted = skipped = 0
    for comment in comments(projects, changed, unsafe):
        if comment.fingerprint in seen:
            skipped += 1
            continue
        position = {
            "position_type": "text", "base_sha": version.base_commit_sha, "start_sha": version.start_commit_sha,
            "head_sha": version.head_commit_sha, "old_path": paths[comment.path], "new_path": comment.path,
            "new_line": comment.line,
        }
        gitlab_source._call(f"a discussion on {comment.path}:{comment.line}",
                            lambda c=comment, p=position: mr.discussions.create({"body": c.body, "position": p}),
                            posting=True)
        seen.add(comment.fingerprint)
        posted += 1
    return posted, skipped


def merge_request_target(gitlab_url: str, project: str, iid: int, environ: Mapping[str, str]
                         ) -> tuple[str, str, int] | str:
    """(GitLab URL, project, merge request IID) from the options, else from GitLab's predefined CI/CD
    variables of a merge request pipeline (`CI_SERVER_URL`, `CI_PROJECT_PATH` or `CI_PROJECT_ID`,
    `CI_MERGE_REQUEST_IID`); a message saying what is missing when neither gives one."""
    url = gitlab_url or environ.get("CI_SERVER_URL", "")
    target = project or environ.get("CI_PROJECT_PATH", "") or environ.get("CI_PROJECT_ID", "")
    written = str(iid) if iid else environ.get("CI_MERGE_REQUEST_IID", "")
    missing = [name for name, value in (("--gitlab-url (CI_SERVER_URL)", url),
                                        ("--project (CI_PROJECT_PATH)", target),
                                        ("--mr (CI_MERGE_REQUEST_IID, set in merge request pipelines)", written))
               if not value]
    if missing:
        return "mr-comment needs " + ", ".join(missing)
    if not written.isdigit():
        return f"--mr / CI_MERGE_REQUEST_IID must be a number, not {written!r}"
    return url, target, int(written)
