"""One project scanned without a clone: the files the analysis reads, fetched from GitLab (or the blob
cache) into a temporary directory and analysed by the engine as `cilint check` would.

Every YAML and TOML path of the project's tree is first written as a placeholder; the files `cilint check`
looks into to find runner configurations are fetched (see `_probed`); the engine is run, and each
placeholder it read is fetched before it runs again, until it reads none: the CI file, its local
includes (to any depth, wildcards included), settings, runner configurations and Helm values are
fetched; nothing else is."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from cilint.results import Options, ProjectResult
from cilint.scan.api import Project, ProjectError, ScanApi, TooLargeFile, TreeEntry

PLACEHOLDER = "# cilint scan: not fetched\n"
_READABLE = (".yml", ".yaml", ".toml")
MAX_ROUNDS = 120  # GitLab's include depth is 150 files; each round fetches at least one


@dataclass(frozen=True, slots=True)
class Scanned:
    project: Project
    commit: str
    result: ProjectResult
    fetched: int  # files read from GitLab (not from the cache)


class BlobCache:
    """Files by blob SHA, trees by commit, under one directory (`--cache-dir`); None: nothing kept."""

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory

    def _path(self, kind: str, key: str) -> Path | None:
        if self.directory is None:
            return None
        digest = hashlib.sha256(key.encode()).hexdigest()
        return self.directory / kind / digest[:2] / digest

    def get(self, kind: str, key: str) -> bytes | None:
        path = self._path(kind, key)
        try:
            return path.read_bytes() if path is not None else None
        except OSError:
            return None

    def put(self, kind: str, key: str, data: bytes) -> None:
        path = self._path(kind, key)
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
        partial.write_bytes(data)
        os.replace(partial, path)


def scan_project(api: ScanApi, project: Project, ref: str | None, cache: BlobCache,
                 select: tuple[str, ...] = (), ignore: tuple[str, ...] = (), probe_all_yaml: bool = False) -> Scanned:
    ref = ref or project.default_branch
    if ref is None:
        raise ProjectError("the project has no default branch (an empty repository)")
    commit = api.head(project, ref)
    if commit is None:
        raise ProjectError(f"`{ref}` is not a branch, tag or commit of the project")
    ci_file = _local_ci_file(project)
    tree = _tree(api, project, commit, cache)
    readable = {e.path: e for e in tree if e.path.endswith(_READABLE) and _safe(e.path)}
    with tempfile.TemporaryDirectory(prefix="cilint-scan-") as directory:
        root = Path(directory).resolve()
        for path in readable:
            target = root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(PLACEHOLDER, encoding="utf-8")
        fetched = 0
        done: set[str] = set()
        wanted = {p for p in (ci_file, ".cilint.toml", "pyproject.toml") if p in readable}
        wanted |= {p for p in readable if _probed(p, probe_all_yaml)}
        source = _gitlab_source(api, project, commit)
        for _ in range(MAX_ROUNDS):
            for path in sorted(wanted - done):
                data, from_api = _blob(api, project, readable[path], cache)
                (root / path).write_bytes(data)
                fetched += from_api
            done |= wanted
            # loading alone reads what the analysis reads: the checks run once, when nothing new is read
            wanted = {p for p in _loaded_files(root, ci_file, source) if p in readable and p not in done}
            if wanted:
                continue
            result = _analysed(root, ci_file, source, select, ignore)
            wanted = {p for p in result.files if p in readable and p not in done}
            if not wanted:
                return Scanned(project, commit, _as_shown(result, project), fetched)
    raise ProjectError(f"the analysis kept asking for more files after {MAX_ROUNDS} rounds")


def _probed(path: str, every_yaml: bool) -> bool:
    """Whether `cilint check` would look into the file to know whether it is a runner configuration: every
    TOML file, and YAML files that are not pipelines by name, for Helm values with a runner configuration.
    Of those, a scan reads only the ones whose name says `values` or `runner` (every one with
    `every_yaml`): a Helm values file named otherwise is not found by a scan."""
    from cilint.loading.discover import is_pipeline_name

    if path.endswith(".toml"):
        return True
    if is_pipeline_name(path):
        return False
    name = path.lower()
    return every_yaml or "values" in name or "runner" in name


def _local_ci_file(project: Project) -> str:
    declared = project.ci_config_path
    if not declared:
        return ".gitlab-ci.yml"
    if "@" in declared or "://" in declared:
        raise ProjectError(f"the CI configuration is `{declared}`, in another project or at a URL: not scanned")
    return declared.lstrip("/")


def _safe(path: str) -> bool:
    parts = PurePosixPath(path).parts
    return bool(parts) and not PurePosixPath(path).is_absolute() and ".." not in parts


def _tree(api: ScanApi, project: Project, commit: str, cache: BlobCache) -> list[TreeEntry]:
    key = f"{api.url}|{project.id}|{commit}"
    kept = cache.get("trees", key)
    if kept is not None:
        return [TreeEntry(path, blob) for path, blob in json.loads(kept)]
    tree = api.tree(project, commit)
    cache.put("trees", key, json.dumps([[e.path, e.blob] for e in tree]).encode())
    return tree


def _blob(api: ScanApi, project: Project, entry: TreeEntry, cache: BlobCache) -> tuple[bytes, bool]:
    kept = cache.get("blobs", entry.blob)
    if kept is not None:
        return kept, False
    data = api.blob(project, entry)
    cache.put("blobs", entry.blob, data)
    return data, True


def _gitlab_source(api: ScanApi, project: Project, commit: str) -> Any:
    """`project:` includes and templates through the API, as `cilint check --gitlab-url` reads them, but with
    the scan's requests: counted, under its rate-limit waits and retries."""
    from cilint.gitlab_api import GitLabSource, IncludeRefused

    class ThroughScanApi(GitLabSource):
        def _api(self, what: str, path: str, query: dict[str, str] | None = None) -> bytes | None:
            try:
                status, body, _ = api.get(what, path, query)
            except TooLargeFile as exc:
                raise IncludeRefused(str(exc)) from None
            return body if status == 200 else None

    return ThroughScanApi(api.url, project.path, ref=commit)


def _loaded_files(root: Path, ci_file: str, source: Any) -> set[str]:
    from cilint.loading.load import load_config, load_project
    from cilint.loading.workspace import Workspace

    ws = Workspace(root)
    config = dataclasses.replace(load_config(ws), ci_file=ci_file)
    load_project(root, None, config, [], ws, source)
    return set(ws.files())


def _analysed(root: Path, ci_file: str, source: Any, select: tuple[str, ...], ignore: tuple[str, ...]) -> ProjectResult:
    from cilint.engine import run

    options = Options(paths=(root,), gitlab=source, ci_file=ci_file, select=select, ignore=ignore)
    (result,) = run(options).projects
    return result


def _as_shown(result: ProjectResult, project: Project) -> ProjectResult:
    """Paths under the project's path, as Code Quality, SARIF and the summaries show them."""
    return dataclasses.replace(result, prefix=f"{project.path}/", repo_prefix=f"{project.path}/")
