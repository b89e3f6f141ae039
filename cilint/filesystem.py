"""The user's files, read and written safely.

Reading: only regular files are read (a FIFO, a device or a socket is refused at once instead of
blocking the run), and never more than a limit, whatever the file's size claims to be.

Writing: a report is written to a temporary file beside its destination and renamed over it, so a
crash leaves the previous report whole and a symlink at the destination is replaced, never followed.
A fixed file is written only when it still holds the bytes cilint read; its owner, mode and hard
links are kept, and a symlink inside the project is followed to the file it names.
"""

from __future__ import annotations

import os
import sys
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

# GitLab's `max_yaml_size_bytes` (2 MB since 17.3; docs: administration/instance_limits).
MAX_FILE_BYTES = 2 * 1024 * 1024
_READ_FLAGS = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
_CHUNK = 1024 * 1024


class NotRegular(OSError):
    """The path names a FIFO, a device, a socket or a directory."""


class TooLarge(OSError):
    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"{size:,} bytes (more than {limit:,})")
        self.size = size
        self.limit = limit


def read_regular(path: str, limit: int, truncate: bool = False) -> bytes:
    """The bytes of the regular file at `path`: at most `limit` of them, or TooLarge (with
    `truncate`, its first `limit` bytes). Raises NotRegular or OSError too. Opening does not block:
    a FIFO without a writer opens at once and is then refused."""
    fd = os.open(path, _READ_FLAGS)
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(path)
        if not stat.S_ISREG(info.st_mode):
            raise NotRegular(f"{path} is not a regular file")
        if info.st_size > limit and not truncate:
            raise TooLarge(info.st_size, limit)
        chunks: list[bytes] = []
        total = 0
        while True:
            chunk = os.read(fd, min(_CHUNK, limit + 1 - total))
            if not chunk:
                break
            total += len(chunk)
            if total > limit:  # the size it stated was not the size it has (procfs, a growing file)
                if truncate:
                    chunks.append(chunk[: len(chunk) - (total - limit)])
                    break
                raise TooLarge(total, limit)
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def kind_of(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


# -- writing -----------------------------------------------------------------------------------


def write_report(path: Path, text: str) -> None:
    """Write a report atomically. A symlink at `path` is replaced by the report, not followed (the
    CI component writes a fixed name that a repository could commit as a link)."""
    directory = path.parent if str(path.parent) else Path(".")
    mode = 0o666 & ~_umask()
    try:
        existing = os.lstat(path)
    except FileNotFoundError:
        existing = None
    if existing is not None and stat.S_ISDIR(existing.st_mode):
        raise IsADirectoryError(f"{path} is a directory")
    if existing is not None and stat.S_ISREG(existing.st_mode):
        mode = stat.S_IMODE(existing.st_mode)
    _replace(directory, path, text.encode("utf-8"), mode, None)


@dataclass(frozen=True, slots=True)
class Written:
    """What became of one file a fix changes."""

    path: Path
    written: bool
    reason: str = ""  # why it was not written


def write_fixed(path: Path, original: bytes, data: bytes, root: Path, allowed_outside: frozenset[str]) -> Written:
    """Replace the file at `path` (which held `original` when it was read) with `data`.

    A symlink is followed to its target when the target is inside `root` (or a file the user named,
    `allowed_outside`); the target is what gets fixed. The file is written only if it still holds
    `original`; owner, group and mode are kept, and a file with several hard links is rewritten in
    place so that every link sees the fix.
    """
    real = Path(os.path.realpath(path))
    root_real = Path(os.path.realpath(root))
    if real != root_real and root_real not in real.parents and str(path) not in allowed_outside:
        return Written(path, False, f"it is a symlink to {real}, outside the project; not changed")
    try:
        info = os.stat(real)
        current = read_regular(str(real), max(len(original), len(data)) + 1)
    except OSError as exc:
        return Written(path, False, f"it cannot be read again ({exc.strerror or exc}); not changed")
    if current != original:
        return Written(path, False, "it changed while cilint ran; not changed (run cilint again)")
    if info.st_nlink > 1:
        with open(real, "r+b") as handle:  # in place: a rename would cut the other links off
            handle.write(data)
            handle.truncate()
            handle.flush()
            os.fsync(handle.fileno())
        return Written(path, True)
    _replace(real.parent, real, data, stat.S_IMODE(info.st_mode), (info.st_uid, info.st_gid))
    return Written(path, True)


def _replace(directory: Path, path: Path, data: bytes, mode: int, owner: tuple[int, int] | None) -> None:
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".cilint")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        if owner is not None and hasattr(os, "chown"):
            try:
                os.chown(temporary, *owner)
            except PermissionError:  # not root: the file stays ours, as an editor would leave it
                pass
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_stdout(output: str) -> None:
    """Write to stdout; a reader that went away (`cilint check | head -1`) ends the output, not the run:
    the exit code stays the run's, and nothing more is written there."""
    try:
        sys.stdout.write(output)
        sys.stdout.flush()
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # the interpreter's last flush must not fail again
        os.close(devnull)
