"""Local files a source may give: only regular files inside the source's own folder.

PROVISIONAL (issue 11): issue 17 owns this module and its version replaces this one at merge;
the signature is the agreed one.
"""

from __future__ import annotations

from pathlib import Path


def safe_local_file(root: Path, path: str | Path) -> Path | None:
    """The resolved `path` (relative paths are taken from `root`) when it is a regular file
    inside `root`, else None. Symbolic links are resolved first, so one pointing out of `root`
    is refused; ``..`` cannot climb out either."""
    try:
        base = Path(root).resolve(strict=True)
        candidate = Path(path)
        if not candidate.is_absolute():
            candidate = base / candidate
        resolved = candidate.resolve(strict=True)
    except (OSError, RuntimeError, ValueError):  # missing, a link loop, a NUL byte
        return None
    if not resolved.is_relative_to(base) or not resolved.is_file():
        return None
    return resolved
