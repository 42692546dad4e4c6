"""The one place that decides which local files the bot may read for a source, and reads them.

Policy: a source may only ever give the bot *regular files inside its own archive folder*.
- A remote feed (and a local feed file) names no local file at all: its pictures are web URLs.
- An archive source's files (article pages and their photos) are read only when, after every
  symlink is resolved, they are regular files below the source's folder. A symlink that points
  out of the folder, a device (/dev/zero), a FIFO, a socket, a directory, anything under /proc,
  /sys or /dev is refused, whatever the folder says.

`safe_local_file` answers the question; `read_local_file` also *reads* without a race: the path is
opened one component at a time from the folder's own descriptor with ``O_NOFOLLOW`` (a directory
swapped for a symlink between the check and the read cannot lead out of the folder), the final
descriptor must be a regular file (``fstat``), it is opened non-blocking (a FIFO swapped in cannot
hang a thread) and read up to a size cap.

At send time the stored article only carries its photo's path. The archive folders of the
configured sources are registered here by the ingestion (`register_archive_folders`, called when
the `Ingestor` is built, before anything is sent), and `read_photo` uploads a file only if it lies
in one of them. Why a registry rather than a parameter: the two places that upload photos (the
push worker's sender and the command replies) receive a path from channel-neutral data and have
no source configuration at hand; the registry keeps each of them to a single call. The ingestion
guarantees that an article's local photo lies in *its own* source's folder (and the Ingestor
clears local photos stored for feed sources by older versions), so "inside a registered archive
folder" at send time is "inside the article's source's folder".
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePosixPath

# Virtual file systems: their "regular files" are the kernel's view of processes and devices
# (/proc/self/environ holds the bot token), never an article.
_FORBIDDEN_TREES = (Path("/proc"), Path("/sys"), Path("/dev"))
# Telegram takes photo uploads up to 10 MB (https://core.telegram.org/bots/api#sending-files).
PHOTO_MAX_BYTES = 10 * 1024 * 1024

_folders: dict[str, Path] = {}


class LocalFileRefused(OSError):
    """A local file the policy does not allow (an OSError: callers already handle those)."""


def _under(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def _forbidden_tree(path: Path) -> bool:
    return any(_under(path, tree) for tree in _FORBIDDEN_TREES)


def _resolved_root(root: Path) -> Path | None:
    try:
        resolved = Path(root).resolve(strict=True)
    except (OSError, RuntimeError, ValueError):
        return None
    if not resolved.is_dir() or _forbidden_tree(resolved):
        return None
    return resolved


def safe_local_file(root: Path, path: str | Path) -> Path | None:
    """`path` resolved, if it is a regular file inside `root` after resolving symlinks; else None.

    A relative `path` is taken relative to `root`. None for anything outside `root` (also by a
    symlink, "../", or an absolute path elsewhere), for a missing file, a directory, a device,
    a FIFO or a socket, and for anything under /proc, /sys or /dev.
    """
    base = _resolved_root(root)
    if base is None:
        return None
    try:
        candidate = Path(path)
        if not candidate.is_absolute():
            candidate = Path(root) / candidate
        resolved = candidate.resolve(strict=True)
        if not _under(resolved, base) or resolved == base or _forbidden_tree(resolved):
            return None
        mode = resolved.stat().st_mode
    except (OSError, RuntimeError, ValueError):  # missing, loop, NUL in the name...
        return None
    return resolved if stat.S_ISREG(mode) else None


def _open_beneath(base: Path, resolved: Path) -> int:
    """Open `resolved` (below `base`, both symlink-free) component by component, no symlinks."""
    parts = PurePosixPath(resolved.relative_to(base)).parts
    directory = os.open(base, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for name in parts[:-1]:
            inner = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC,
                            dir_fd=directory)
            os.close(directory)
            directory = inner
        return os.open(parts[-1], os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC,
                       dir_fd=directory)
    finally:
        os.close(directory)


def read_local_file(root: Path, path: str | Path, *, max_bytes: int) -> bytes:
    """The content of `path` if the policy allows it (see `safe_local_file`).

    Raises `LocalFileRefused` when it does not, or when the file is over `max_bytes`; other
    OSErrors (permissions, I/O) propagate.
    """
    candidate = Path(path) if Path(path).is_absolute() else Path(root) / path
    if not os.path.lexists(candidate):
        raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), str(candidate))
    resolved = safe_local_file(root, path)
    base = _resolved_root(root)
    if resolved is None or base is None:
        raise LocalFileRefused(f"not a regular file inside the folder {root}")
    try:
        fd = _open_beneath(base, resolved)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR):  # a symlink swapped in meanwhile
            raise LocalFileRefused("the path changed into a symlink while being read") from None
        raise
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise LocalFileRefused("not a regular file")
        if info.st_size > max_bytes:
            raise LocalFileRefused(f"too large ({info.st_size} bytes, limit {max_bytes})")
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:  # grew while being read
        raise LocalFileRefused(f"too large (over {max_bytes} bytes)")
    return data


# -- the archive folders of the configured sources (send time) --------------------------------


def register_archive_folders(folders: Mapping[str, Path]) -> None:
    """Remember the archive folder of each archive source (by source name)."""
    for name, folder in folders.items():
        _folders[name] = Path(folder)


def archive_folder(source: str) -> Path | None:
    """The archive folder of `source`, or None (a feed source has none)."""
    return _folders.get(source)


def archive_folders() -> Iterable[Path]:
    return tuple(_folders.values())


def read_photo(path: str, *, max_bytes: int = PHOTO_MAX_BYTES) -> bytes:
    """The bytes of an article's local photo, for uploading; `LocalFileRefused` when not allowed.

    Allowed: a regular file inside the archive folder of a configured archive source (see the
    module docstring), at most `max_bytes`.
    """
    if Path(path).is_absolute():  # stored archive photos are absolute paths
        for folder in tuple(_folders.values()):
            if safe_local_file(folder, path) is not None:
                return read_local_file(folder, path, max_bytes=max_bytes)
    raise LocalFileRefused("not a photo of an archive folder")
