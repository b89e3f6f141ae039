"""What a project root holds: pipelines, component templates and runner configurations.

The walk skips `.git/` and whatever `.gitignore` files exclude (root and nested ones, read with
pathspec's git-compatible matcher) plus `exclude` patterns from the settings.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cilint.filesystem import read_regular

# Lines that mark a runner configuration, as (what precedes the word on its line, the word, what
# follows it): `[[runners]]` in TOML; `runners:` (indented at most 4) and an indented `config:` in
# Helm values.
_RUNNERS_TABLE = (re.compile(r"[ \t]*\[\[[ \t]*"), "runners", re.compile(r"[ \t]*\]\]"))
_HELM_RUNNERS = (re.compile(r"[ \t]{0,4}"), "runners", re.compile(r"[ \t]*:"))
_HELM_CONFIG = (re.compile(r"[ \t]+"), "config", re.compile(r"[ \t]*:"))
_PROBE_BYTES = 2 * 1024 * 1024
_SKIP_DIRS = {".git", ".hg", ".svn"}
SETTINGS_FILES = (".cilint.toml", "pyproject.toml")  # cilint's own settings, never runner configs


@dataclass(frozen=True, slots=True, eq=False)
class Inventory:
    """The files of a project cilint reads, by kind."""

    files: tuple[str, ...]  # every file not ignored, project-relative, sorted
    pipelines: tuple[str, ...]  # .gitlab-ci.yml and *.gitlab-ci.yml files (any depth)
    components: tuple[str, ...]  # templates/<name>.yml and templates/<name>/template.yml
    runner_tomls: tuple[str, ...]  # *.toml files with a [[runners]] table
    helm_candidates: tuple[str, ...]  # YAML files with a top-level `runners:` and a `config:`
    # TOML and YAML files that could not be probed, with the reason (a runner configuration among
    # them would go unchecked without a word)
    unreadable: tuple[tuple[str, str], ...] = ()
    bad_names: tuple[str, ...] = ()  # YAML and TOML files whose names are not valid UTF-8 (shown escaped)


def is_pipeline_name(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    return name in (".gitlab-ci.yml", ".gitlab-ci.yaml") or name.endswith(
        (".gitlab-ci.yml", ".gitlab-ci.yaml")
    )


def is_component_path(path: str) -> bool:
    parts = path.split("/")
    if len(parts) == 2 and parts[0] == "templates":
        return parts[1].endswith((".yml", ".yaml"))
    return len(parts) == 3 and parts[0] == "templates" and parts[2] in ("template.yml", "template.yaml")


def looks_like_runner_toml(text: str) -> bool:
    return _has_line(text, *_RUNNERS_TABLE)


def looks_like_helm_values(text: str) -> bool:
    return _has_line(text, *_HELM_RUNNERS) and _has_line(text, *_HELM_CONFIG)


def _has_line(text: str, before: re.Pattern[str], word: str, after: re.Pattern[str]) -> bool:
    """Whether a line of `text` is `before`, `word`, `after` (and anything). Searched from the word
    outwards: a multi-line regex tries every line start of the file, ten times the cost."""
    at = text.find(word)
    while at != -1:
        line_start = text.rfind("\n", 0, at) + 1
        if before.fullmatch(text, line_start, at) and after.match(text, at + len(word)):
            return True
        at = text.find(word, at + 1)
    return False


def inventory(root: Path, exclude: tuple[str, ...] = ()) -> Inventory:
    bad_names: list[str] = []
    files = _walk(root, exclude, bad_names)
    pipelines = [f for f in files if is_pipeline_name(f)]
    components = [f for f in files if is_component_path(f)]
    tomls: list[str] = []
    helm: list[str] = []
    unreadable: list[tuple[str, str]] = []
    for rel in files:
        if rel in SETTINGS_FILES:
            continue
        if rel.endswith(".toml"):
            text = _probe(root, rel, unreadable)
            if text is not None and looks_like_runner_toml(text):
                tomls.append(rel)
        elif rel.endswith((".yml", ".yaml")) and not is_pipeline_name(rel):
            text = _probe(root, rel, unreadable)
            if text is not None and looks_like_helm_values(text):
                helm.append(rel)
    return Inventory(tuple(files), tuple(pipelines), tuple(components), tuple(tomls), tuple(helm), tuple(unreadable),
                     tuple(sorted(bad_names)))


def _probe(root: Path, rel: str, unreadable: list[tuple[str, str]]) -> str | None:
    """The start of a file the walk found (a regular file inside the root), or None with the reason
    recorded. A BOM is dropped, as the TOML and YAML readers drop it."""
    try:
        data = read_regular(os.path.join(root, rel), _PROBE_BYTES, truncate=True)
    except OSError as exc:
        unreadable.append((rel, f"it cannot be read ({exc.strerror or type(exc).__name__})"))
        return None
    text = data.decode("utf-8", errors="replace")
    return text[1:] if text.startswith("\ufeff") else text


def _spec(lines: list[str]) -> Any:
    import pathspec  # imported only when there is something to ignore (it costs ~50 ms to import)

    return pathspec.GitIgnoreSpec.from_lines(lines)


def _walk(root: Path, exclude: tuple[str, ...], bad_names: list[str]) -> list[str]:
    specs: list[tuple[str, Any]] = []
    if exclude:
        specs.append(("", _spec(list(exclude))))
    out: list[str] = []
    _visit(str(root), "", specs, out, os.path.realpath(root).rstrip(os.sep) + os.sep, bad_names)
    return sorted(out)


def _ignored(specs: list[tuple[str, Any]], rel: str, is_dir: bool) -> bool:
    candidate = rel + "/" if is_dir else rel
    for base, spec in specs:
        if base and not candidate.startswith(base):
            continue
        if spec.match_file(candidate[len(base):]):
            return True
    return False


def _regular_inside(link: str, root_prefix: str) -> bool:
    real = os.path.realpath(link)
    if not real.startswith(root_prefix):
        return False
    try:
        return stat.S_ISREG(os.stat(real).st_mode)
    except OSError:
        return False


def _utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def shown_name(path: str) -> str:
    """A path that is not valid UTF-8, as text: its undecodable bytes as \\xNN."""
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _is_candidate(rel: str) -> bool:
    """A name cilint would read: a pipeline, a component, a TOML or a YAML file."""
    return rel.endswith((".toml", ".yml", ".yaml"))


def _visit(
    directory: str, rel_dir: str, specs: list[tuple[str, Any]], out: list[str], root_prefix: str,
    bad_names: list[str],
) -> None:
    """Append the files under `directory` to `out`; `specs` holds the ignore rules in force."""
    try:
        with os.scandir(directory) as scan:
            entries = sorted(scan, key=lambda e: e.name)
    except OSError:
        entries = []
    pushed = False
    for entry in entries:  # a directory's .gitignore applies to its entries, so it is read first
        if entry.name == ".gitignore" and entry.is_file():
            try:
                with open(entry.path, encoding="utf-8", errors="replace") as handle:
                    specs.append((rel_dir, _spec(handle.read().splitlines())))
                pushed = True
            except OSError:
                pass
            break
    for entry in entries:
        rel = f"{rel_dir}{entry.name}"
        if not _utf8(entry.name):  # os.scandir hands undecodable bytes over as lone surrogates
            if _is_candidate(rel) and not entry.is_dir(follow_symlinks=False):
                bad_names.append(shown_name(rel))
            continue
        try:
            is_dir = entry.is_dir(follow_symlinks=False)
            is_file = not is_dir and entry.is_file(follow_symlinks=False)
            if not is_dir and not is_file and entry.is_symlink():
                # a link counts as the regular file it names when that file is inside the root;
                # nothing is opened before that is known
                is_file = _regular_inside(entry.path, root_prefix)
        except OSError:
            continue
        if is_dir:
            if entry.name in _SKIP_DIRS or (specs and _ignored(specs, rel, True)):
                continue
            _visit(entry.path, rel + "/", specs, out, root_prefix, bad_names)
        elif is_file and not (specs and _ignored(specs, rel, False)):
            out.append(rel)
    if pushed:
        specs.pop()
