"""`cilint scan`: the projects of a group, a list or the instance, each fetched and analysed on a bounded pool
of workers, written to `scan.jsonl` as each ends (so an interrupted scan resumes), then the summaries."""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

from cilint.scan.api import Project, ProjectError, ScanApi
from cilint.scan.checkout import BlobCache, scan_project
from cilint.scan.progress import Progress
from cilint.scan.records import ProjectRecord, failed_record, read_records, scanned_record
from cilint.scan.reports import write_reports

JSONL = "scan.jsonl"


@dataclass(frozen=True, slots=True)
class ScanRequest:
    gitlab_url: str
    output: Path
    group: str | None = None
    include_subgroups: bool = False
    projects_file: Path | None = None
    all_projects: bool = False
    ref: str | None = None
    concurrency: int = 8
    cache_dir: Path | None = None
    resume: bool = False
    shard: tuple[int, int] = (1, 1)  # I of N, 1-based
    include_archived: bool = False
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    timeout: float = 30.0
    probe_all_yaml: bool = False  # look into every YAML file for Helm values, as `cilint check` does


@dataclass(slots=True)
class ScanOutcome:
    records: list[ProjectRecord] = field(default_factory=list)
    requests: int = 0
    reports: list[Path] = field(default_factory=list)


def in_shard(project_id: int, shard: tuple[int, int]) -> bool:
    """A stable share of the projects: the same in every run and on every machine (not Python's hash)."""
    index, total = shard
    digest = int.from_bytes(hashlib.sha256(str(project_id).encode()).digest()[:8], "big")
    return digest % total == index - 1


def listed(api: ScanApi, request: ScanRequest) -> Iterator[Project]:
    if request.group is not None:
        yield from api.group_projects(request.group, request.include_subgroups)
    elif request.projects_file is not None:
        for line in request.projects_file.read_text(encoding="utf-8").splitlines():
            name = line.split("#", 1)[0].strip()
            if name:
                yield api.project(name) or _missing(name)
    else:
        yield from api.all_projects()


def _missing(name: str) -> Project:
    """A listed project GitLab does not show: reported as failed under a stable negative id."""
    digest = int.from_bytes(hashlib.sha256(name.encode()).digest()[:6], "big")
    return Project(-1 - digest, name, "", None, None, False, False)


def scan(request: ScanRequest, token: str, progress: Progress, api: ScanApi | None = None) -> ScanOutcome:
    api = api or ScanApi(request.gitlab_url, token, request.timeout)
    request.output.mkdir(parents=True, exist_ok=True)
    jsonl = request.output / JSONL
    done = _resumed(jsonl) if request.resume else _fresh(jsonl)
    projects = [p for p in listed(api, request) if in_shard(p.id, request.shard)]
    todo = [p for p in projects if p.id not in done]
    progress.start(len(projects), len(projects) - len(todo), sum(len(r.findings) for r in done.values()))
    cache = BlobCache(request.cache_dir)
    lock = threading.Lock()
    with jsonl.open("a", encoding="utf-8") as out, ThreadPoolExecutor(max(1, request.concurrency)) as pool:
        running: set[Future[ProjectRecord]] = set()
        queue = iter(todo)
        while True:
            while len(running) < 2 * max(1, request.concurrency) and (project := next(queue, None)) is not None:
                running.add(pool.submit(_one, api, project, request, cache))
            if not running:
                break
            finished, running = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                record = future.result()
                with lock:
                    out.write(record.lines())
                    out.flush()
                done[record.id] = record
                progress.advance(record)
    records = list(read_records([jsonl]))
    from cilint.filesystem import write_report

    write_report(jsonl, "".join(r.lines() for r in records))  # in project order: the same for any timing
    outcome = ScanOutcome(records, api.requests, [jsonl, *write_reports(records, request.output)])
    progress.finish(outcome.requests)
    return outcome


def _one(api: ScanApi, project: Project, request: ScanRequest, cache: BlobCache) -> ProjectRecord:
    if project.id < 0:
        return failed_record(project, "failed", "no such project, or the token cannot read it")
    if project.archived and not request.include_archived:
        return failed_record(project, "skipped", "archived (--include-archived scans it)")
    if project.empty:
        return failed_record(project, "skipped", "empty repository")
    try:
        scanned = scan_project(api, project, request.ref, cache, request.select, request.ignore,
                               request.probe_all_yaml)
    except ProjectError as exc:
        return failed_record(project, "failed", str(exc))
    except Exception as exc:  # noqa: BLE001 - ApiError (the token) stops the scan; anything else: this project
        from cilint.gitlab_api import ApiError

        if isinstance(exc, ApiError):
            raise
        return failed_record(project, "failed", f"internal error: {type(exc).__name__}")
    return scanned_record(scanned)


def _fresh(jsonl: Path) -> dict[int, ProjectRecord]:
    jsonl.write_text("", encoding="utf-8")
    return {}


def _resumed(jsonl: Path) -> dict[int, ProjectRecord]:
    """The projects an earlier run finished; their lines alone are kept (a cut project is scanned again)."""
    if not jsonl.exists():
        return _fresh(jsonl)
    records = list(read_records([jsonl]))
    partial = jsonl.with_name(f"{jsonl.name}.{os.getpid()}.partial")
    partial.write_text("".join(r.lines() for r in records), encoding="utf-8")
    os.replace(partial, jsonl)
    return {r.id: r for r in records}


def merge(reports: list[Path], output: Path) -> list[ProjectRecord]:
    """`cilint scan merge`: shards' JSON lines as one scan's records and summaries."""
    records = list(read_records(reports))
    output.mkdir(parents=True, exist_ok=True)
    from cilint.filesystem import write_report

    write_report(output / JSONL, "".join(r.lines() for r in records))
    write_reports(records, output)
    return records
