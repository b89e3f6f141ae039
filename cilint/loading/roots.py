"""Which project roots the paths on a command line belong to, and what of each was asked for.

A directory named on the command line is a project root. The working directory (`cilint check` or
`cilint check .`) and a single file belong, like in ruff and git, to the project they are in: the
nearest directory up the tree with `.cilint.toml`, a `pyproject.toml` with `[tool.cilint]`, a
`.gitlab-ci.yml` or a `.git`. The whole project is analysed with its settings; for a file, what is
reported is that file's findings (an included file is analysed as part of the pipeline that
includes it).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cilint.loading.discover import shown_name
from cilint.results import UsageError


@dataclass(frozen=True, slots=True)
class Scope:
    """What was asked for in one project: everything, or some of its files."""

    whole: bool = False
    files: tuple[Path, ...] = ()

    def joined(self, other: Scope) -> Scope:
        return Scope(self.whole or other.whole, (*self.files, *other.files))


def group_by_root(paths: Iterable[Path], cwd: Path | None = None, virtual: frozenset[str] = frozenset()
                  ) -> dict[Path, Scope]:
    """Project root -> what of it the paths ask for. A path of `virtual` (a file read from stdin) need
    not exist on disk."""
    here = (cwd or Path.cwd()).resolve()
    groups: dict[Path, Scope] = {}
    for raw in paths:
        if shown_name(str(raw)) != str(raw):
            raise UsageError(f"{shown_name(str(raw))}: the path is not valid UTF-8; rename it")
        if not raw.exists() and str(raw.resolve()) not in virtual:
            raise UsageError(f"{raw}: no such file or directory")
        path = raw.resolve()
        if path.is_dir():
            root, scope = (project_root(path) if path == here else path), Scope(whole=True)
        else:
            root, scope = project_root(path), Scope(files=(path,))
        groups[root] = groups[root].joined(scope) if root in groups else scope
    return groups


def project_root(path: Path) -> Path:
    """The project `path` (a file or directory) belongs to: the nearest directory up the tree with
    cilint settings or a `.git`; else, for a file, its git work tree (asked of git) or directory;
    else the directory itself."""
    start = path if path.is_dir() else path.parent
    for directory in (start, *start.parents):
        if _has_settings(directory) or (directory / ".git").exists() or (directory / ".gitlab-ci.yml").is_file():
            return directory
    if path.is_dir():
        return path
    import subprocess  # ~7 ms of cold start, needed only for a single file outside a `.git` we can see

    try:
        top = subprocess.run(
            ["git", "-C", str(start), "rev-parse", "--show-toplevel"],
            capture_output=True, text=True, timeout=10, check=False,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        top = ""
    return Path(top).resolve() if top else start


def _has_settings(directory: Path) -> bool:
    if (directory / ".cilint.toml").is_file():
        return True
    pyproject = directory / "pyproject.toml"
    try:
        if not pyproject.is_file():
            return False
        with pyproject.open("rb") as handle:  # bounded: a hostile file up the tree costs nothing more
            return b"[tool.cilint" in handle.read(1 << 20)
    except OSError:
        return False


def under(path: Path, root: Path) -> bool:
    return path == root or root in path.parents
