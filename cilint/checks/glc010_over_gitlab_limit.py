"""GLC010 over-gitlab-limit: A job past one of GitLab's default limits."""

from __future__ import annotations

from collections.abc import Iterator

from cilint.checks.base import Check, CheckContext
from cilint.findings import Finding, Severity
from cilint.models.pipeline import GLOBAL_KEYWORDS
from cilint.syntax.nodes import location
from cilint.syntax.tree import MapNode, SeqNode

# docs: ci/yaml#needs "The maximum number of jobs that a single job can have in the needs array is limited:
# for GitLab.com, the limit is 50"; self-managed: the `ci_needs_size_limit` plan limit, 50 by default.
MAX_NEEDS = 50
# docs: ci/jobs "Job names must be 255 characters or fewer."
MAX_JOB_NAME = 255


class OverGitlabLimit(Check):
    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        said: set[int] = set()
        for pipeline in ctx.project.pipelines:
            for name, (key, value) in pipeline.config.entries.items():
                if id(key) in said or name in GLOBAL_KEYWORDS or name.startswith(".") or not isinstance(value, MapNode):
                    continue
                said.add(id(key))
                if len(name) > MAX_JOB_NAME:
                    yield Finding(
                        self.rule_id, f"job name is {len(name)} characters; GitLab allows {MAX_JOB_NAME}", location(key),
                        Severity.MAJOR, route=("name-length", name[:40]),
                        why=f"GitLab rejects the pipeline: job names are at most {MAX_JOB_NAME} characters",
                        remedy="shorten the name")
                needs = value.get("needs")
                if isinstance(needs, SeqNode) and len(needs.items) > MAX_NEEDS:
                    yield Finding(
                        self.rule_id, f"job `{name}` needs {len(needs.items)} jobs; GitLab allows {MAX_NEEDS} by default",
                        location(needs), Severity.MAJOR, route=("needs-count", name),
                        why=(f"GitLab fails the pipeline: '{name}: one job can only need {MAX_NEEDS} others, but you have "
                             f"listed {len(needs.items)}' (GitLab.com; a self-managed instance may raise `ci_needs_size_limit`)"),
                        remedy="need fewer jobs: a job that needs the others, or stage order")
