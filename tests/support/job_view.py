"""A plain-data view of a pipeline's jobs: the fields the gitlab-ci-local conformance test compares."""

from __future__ import annotations

from typing import Any

from cilint.models.pipeline import Job, Pipeline


def job_view(job: Job) -> dict[str, Any]:
    return {
        "stage": job.stage,
        "image": None
        if job.image is None
        else {"name": job.image.name, "entrypoint": list(job.image.entrypoint) if job.image.entrypoint is not None else None},
        "services": [
            {
                "name": s.name,
                "alias": ",".join(s.aliases) if s.aliases else None,
                "command": list(s.command) if s.command else None,
                "entrypoint": list(s.entrypoint) if s.entrypoint is not None else None,
            }
            for s in job.services
        ],
        "variables": {name: v.value for name, v in job.variables.items()},
        "before_script": [line.text for line in job.before_script],
        "script": [line.text for line in job.script],
        "after_script": [line.text for line in job.after_script],
        "tags": list(job.tags),
    }


def pipeline_view(pipeline: Pipeline) -> dict[str, dict[str, Any]]:
    return {name: job_view(job) for name, job in pipeline.jobs.items() if not job.is_trigger}
