"""bot/localfiles.py: the one policy on local files (issue 17, finding 1). Symlinks, FIFOs and
the secret files are made at test time in tmp dirs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.localfiles import (
    LocalFileRefused,
    read_local_file,
    read_photo,
    register_archive_folders,
    safe_local_file,
)

SECRET = b"SECRET-MARKER-localfiles"


@pytest.fixture
def tree(tmp_path: Path) -> tuple[Path, Path]:
    """An archive folder with good files and hostile entries, and a secret file beside it."""
    root = tmp_path / "archive"
    (root / "sub").mkdir(parents=True)
    secret = tmp_path / "secret.txt"
    secret.write_bytes(SECRET)
    (root / "photo.png").write_bytes(b"\x89PNG good photo")
    (root / "sub" / "page.txt").write_text("Tiêu đề\n\nNội dung.", encoding="utf-8")
    (root / "inside-link.png").symlink_to(root / "photo.png")
    (root / "outside-link.png").symlink_to(secret)
    (root / "relative-escape.png").symlink_to(Path("..") / "secret.txt")
    (root / "proc-link.txt").symlink_to("/proc/self/environ")
    (root / "dev-link.png").symlink_to("/dev/zero")
    (root / "dangling.png").symlink_to(root / "nothing-here.png")
    (root / "linked-dir").symlink_to(tmp_path, target_is_directory=True)
    os.mkfifo(root / "fifo.txt")
    return root, secret


@pytest.mark.parametrize(
    ("name", "allowed"),
    [
        ("photo.png", True),
        ("sub/page.txt", True),
        ("inside-link.png", True),  # a symlink that stays inside is fine
        ("outside-link.png", False),
        ("relative-escape.png", False),
        ("proc-link.txt", False),
        ("dev-link.png", False),
        ("dangling.png", False),
        ("linked-dir/secret.txt", False),  # through a symlinked folder out of the root
        ("fifo.txt", False),
        ("sub", False),  # a folder
        ("../secret.txt", False),
        ("sub/../../secret.txt", False),
        ("missing.png", False),
        ("/etc/hostname", False),
        ("/proc/self/environ", False),
        ("/dev/zero", False),
        ("file:///etc/hostname", False),
        ("photo.png\x00.txt", False),
    ],
)
def test_safe_local_file(tree: tuple[Path, Path], name: str, allowed: bool) -> None:
    root, _ = tree
    found = safe_local_file(root, name)
    assert (found is not None) is allowed
    if found is not None:
        assert found.is_relative_to(root.resolve())
        assert found == found.resolve()


def test_absolute_paths_inside_are_allowed(tree: tuple[Path, Path]) -> None:
    root, secret = tree
    assert safe_local_file(root, root / "photo.png") == (root / "photo.png").resolve()
    assert safe_local_file(root, secret) is None
    assert safe_local_file(root, root) is None


def test_a_root_in_a_virtual_file_system_allows_nothing() -> None:
    assert safe_local_file(Path("/proc/self"), "environ") is None
    assert safe_local_file(Path("/proc"), "/proc/self/environ") is None
    assert safe_local_file(Path("/dev"), "zero") is None


def test_read_local_file(tree: tuple[Path, Path]) -> None:
    root, _ = tree
    assert read_local_file(root, "inside-link.png", max_bytes=1000) == b"\x89PNG good photo"
    for name in ("outside-link.png", "fifo.txt", "dev-link.png", "proc-link.txt"):
        with pytest.raises(LocalFileRefused):
            read_local_file(root, name, max_bytes=1000)
    with pytest.raises(LocalFileRefused, match="too large"):
        read_local_file(root, "photo.png", max_bytes=4)
    with pytest.raises(FileNotFoundError):
        read_local_file(root, "missing.png", max_bytes=10)


def test_read_photo_only_from_registered_archive_folders(tree: tuple[Path, Path],
                                                         tmp_path: Path) -> None:
    root, secret = tree
    register_archive_folders({"test-localfiles": root})
    assert read_photo(str(root / "photo.png")) == b"\x89PNG good photo"
    for path in (str(secret), str(root / "outside-link.png"), "/etc/hostname",
                 "/proc/self/environ", "/dev/zero", "photo.png", "file://" + str(secret)):
        with pytest.raises(LocalFileRefused):
            read_photo(path)
    # Not an archive folder: nothing in it may be sent.
    other = tmp_path / "other"
    other.mkdir()
    (other / "x.png").write_bytes(b"x")
    with pytest.raises(LocalFileRefused):
        read_photo(str(other / "x.png"))
