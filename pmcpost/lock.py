"""One publish at a time per repository: a file lock next to git's own files."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pmcpost.errors import LockBusy

LOCK_NAME = "pmcpost.lock"


def lock_path(root: Path) -> Path:
    """Inside .git when there is one (never committed, shared by every worktree's run), else in the root."""
    git_dir = root / ".git"
    return git_dir / LOCK_NAME if git_dir.is_dir() else root / f".{LOCK_NAME}"


@contextmanager
def publish_lock(root: Path, wait: float = 0.0) -> Iterator[None]:
    """Hold the repository's publish lock, waiting up to ``wait`` seconds for another run to finish."""
    from filelock import FileLock, Timeout

    lock = FileLock(str(lock_path(root)))
    try:
        lock.acquire(timeout=wait)
    except Timeout:
        waited = f" after waiting {wait:g} s" if wait else ""
        raise LockBusy(
            f"another pmcpost publish is running in this repository{waited}; let it finish, "
            "or pass --wait SECONDS to wait for it"
        ) from None
    try:
        yield
    finally:
        lock.release()
