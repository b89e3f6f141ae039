"""Which project roots the paths on a command line belong to, and which files of each to lint."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from cilint.loading.discover import shown_name
from cilint.results import UsageError


def group_by_root(paths: Iterable[Path]) -> dict[Path, list[Path] | None]:
    """Project root -> files to lint there (None: the whole project)."""
    groups: dict[Path, list[Path] | None] = {}
    for raw in paths:
        if shown_name(str(raw)) != str(raw):
            raise UsageError(f"{shown_name(str(raw))}: the path is not valid UTF-8; rename it")
        if not raw.exists():
            raise UsageError(f"{raw}: no such file or directory")
        path = raw.resolve()
        if path.is_dir():
            groups[path] = None
            continue
        root = _root_of(path)
        existing = groups.get(root, [])
        if existing is not None:
            existing.append(path)
            groups[root] = existing
    return groups


def _root_of(file: Path) -> Path:
    """The project a single file belongs to: its git work tree, else its directory."""
    for parent in file.parents:
        if (parent / ".git").exists():
            return parent
    import subprocess  # ~7 ms of cold start, needed only for a single file inside a git work tree

    try:
        top = subprocess.run(
            ["git", "-C", str(file.parent), "rev-parse", "--show-toplevel"],
            capture_output=True, text=True, timeout=10, check=False,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        top = ""
    return Path(top).resolve() if top else file.parent


def under(path: Path, root: Path) -> bool:
    return path == root or root in path.parents
