"""The announcement files a command works on (validate, preview, publish, status), chosen one way."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pmcpost.config import Config
from pmcpost.errors import UsageError


def select_files(config: Config, targets: Sequence[str] = (), changed_since: str | None = None) -> list[Path] | None:
    """None for every announcement, [] for none (nothing changed since the ref), else the files.

    ``targets`` are files, folders or announcement ids; config.yaml among them (pre-commit passes it) means
    every announcement, since they all depend on it. ``changed_since`` is a git ref instead of targets."""
    from pmcpost.content import resolve_targets

    if changed_since:
        if targets:
            raise UsageError("give either PATH|ID arguments or --changed-since, not both")
        from pmcpost.gitutil import files_affected_by_change

        return files_affected_by_change(config, changed_since)
    files = resolve_targets(config, targets)
    if not files or any(p.resolve() == config.path.resolve() for p in files):
        return None
    return files
