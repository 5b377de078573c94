"""`pmcpost validate`: check every announcement file (and config.yaml), in parallel when there are many."""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from pmcpost.config import Config
from pmcpost.content import Announcement, LoadResult, discover, load_announcements
from pmcpost.diagnostics import Diagnostic

# Below this many files a worker pool costs more to start than it saves.
PARALLEL_THRESHOLD = 2000


@dataclass
class ValidationReport:
    files: int = 0
    diagnostics: list[Diagnostic] = field(default_factory=list)
    announcements: list[Announcement] = field(default_factory=list)


def _worker_load(args: tuple[Config, list[Path]]) -> LoadResult:
    config, paths = args
    return load_announcements(config, paths)


def load_all(config: Config, paths: Sequence[Path] = (), *, jobs: int | None = None) -> LoadResult:
    """Load every announcement under the given paths (all content by default), using several processes
    for large sets. Duplicate ids are found across the whole set."""
    files = discover(config, paths)
    jobs = jobs if jobs is not None else (os.cpu_count() or 1)
    if jobs <= 1 or len(files) < PARALLEL_THRESHOLD:
        return load_announcements(config, files)
    chunk = max(200, len(files) // (jobs * 4))
    batches = [files[i : i + chunk] for i in range(0, len(files), chunk)]
    merged = LoadResult()
    seen: dict[str, str] = {}
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        for part in pool.map(_worker_load, [(config, b) for b in batches]):
            merged.files += part.files
            merged.diagnostics.extend(part.diagnostics)
            for a in part.announcements:
                if a.id in seen:
                    merged.diagnostics.append(
                        Diagnostic(a.path, 0, 0, "error", f"duplicate id {a.id!r}: {seen[a.id]} has it too")
                    )
                    continue
                seen[a.id] = a.path
                merged.announcements.append(a)
    return merged


def validate(
    config: Config, paths: Sequence[Path] = (), *, jobs: int | None = None, render: bool = True
) -> ValidationReport:
    """Check the files (and, with ``render``, that every announcement renders within each platform's
    limits); every problem is returned, sorted by file and position."""
    loaded = load_all(config, paths, jobs=jobs)
    report = ValidationReport(loaded.files, list(loaded.diagnostics), loaded.announcements)
    if render and loaded.announcements:
        from pmcpost.render import render_problems

        report.diagnostics.extend(render_problems(config, loaded.announcements))
    report.diagnostics.sort()
    return report
