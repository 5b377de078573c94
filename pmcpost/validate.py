"""`pmcpost validate`: check every announcement file (and config.yaml), in parallel when there are many."""

from __future__ import annotations

import gc
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from pmcpost.collector import collector_off
from pmcpost.config import Config
from pmcpost.content import Announcement, LoadResult, discover_names, load_announcements
from pmcpost.diagnostics import Diagnostic

if TYPE_CHECKING:
    from pmcpost.render import Renderer, TemplateErrors
    from pmcpost.timeliness import Timing

# Below this many files a worker pool costs more to start than it saves.
PARALLEL_THRESHOLD = 2000
_SMALLEST_SPAN = 100
_SMALLEST_MEETING_SPAN = 25  # a few milliseconds of checking: what one side may wait for the other at the end


@dataclass
class ValidationReport:
    files: int = 0
    diagnostics: list[Diagnostic] = field(default_factory=list)
    # Filled only when the files were checked in this process (small sets); large sets are checked in
    # worker processes, which send back problems and ids, not whole announcements.
    announcements: list[Announcement] = field(default_factory=list)


@dataclass
class _BatchResult:
    files: int
    diagnostics: list[Diagnostic]
    ids: list[tuple[str, str]]  # (id, path) of every announcement that loaded
    template_errors: TemplateErrors
    announcements: list[Announcement]
    past_due: list[Timing] = field(default_factory=list)  # only when asked to check times


def _check_batch(args: tuple[Config, Sequence[str | Path], bool, bool, datetime | None]) -> _BatchResult:
    config, paths, render, keep, now = args
    with collector_off():
        loaded = load_announcements(config, paths, digests=keep)  # a digest is for announcements kept
        template_errors: TemplateErrors = {}
        diagnostics = list(loaded.diagnostics)
        if render and loaded.announcements:
            from pmcpost.render import check_rendering

            problems, template_errors = check_rendering(config, loaded.announcements, _process_renderer(config))
            diagnostics.extend(problems)
        if template_errors:
            # The one garbage the check makes: a failing template leaves each of its errors in reference cycles
            # with Jinja's frames, which only the collector (off while checking) frees. Collected per slice, a
            # template failing for every announcement of 20,000 costs a slice's worth of memory, not a run's.
            gc.collect()
    return _BatchResult(
        loaded.files,
        diagnostics,
        [(a.id, a.path) for a in loaded.announcements],
        template_errors,
        loaded.announcements if keep else [],
        _past_due(loaded.announcements, now) if now is not None else [],
    )


def _past_due(announcements: list[Announcement], now: datetime) -> list[Timing]:
    from pmcpost.timeliness import past_due  # only when times are checked: it reads the audit log's records

    return past_due(announcements, now)


# A worker process checks slices of one list of files with one configuration: both are handed over once, when
# the pool starts (where processes fork they are inherited, not copied), and each task names only a slice.
_worker_job: tuple[Config, list[str], bool, datetime | None] | None = None
_worker_renderer: Renderer | None = None


def _start_worker(config: Config | None, files: list[str], render: bool, now: datetime | None) -> None:
    global _worker_job, _worker_renderer
    _worker_job = (config, files, render, now) if config is not None else None
    _worker_renderer = None


def _process_renderer(config: Config) -> Renderer | None:
    """The worker's one Renderer (templates compiled once per process, not once per slice); None outside a
    worker, where check_rendering makes its own."""
    global _worker_renderer
    if _worker_job is None or _worker_job[0] is not config:
        return None
    if _worker_renderer is None:
        from pmcpost.render import Renderer

        _worker_renderer = Renderer(config)
    return _worker_renderer


def _check_slice(span: tuple[int, int]) -> _BatchResult:
    assert _worker_job is not None, "a worker checks files only after _start_worker"
    config, files, render, now = _worker_job
    return _check_batch((config, files[span[0] : span[1]], render, False, now))


def _check_in_parallel(
    config: Config, files: list[str], render: bool, now: datetime | None, jobs: int
) -> list[_BatchResult]:
    """The slices of ``files`` checked by ``jobs - 1`` worker processes and by this one. The workers take slices
    from the front; this process, which needs no start-up, takes them from the back for as long as no worker has
    begun them. The results come in the order of the slices."""
    spans = _meeting_spans(len(files), jobs)
    results: list[_BatchResult | None] = [None] * len(spans)
    _start_worker(config, files, render, now)  # this process checks slices too (and the workers inherit it)
    try:
        with ProcessPoolExecutor(
            max_workers=jobs - 1, initializer=_start_worker, initargs=(config, files, render, now)
        ) as pool:
            futures = [pool.submit(_check_slice, span) for span in spans]
            for index in reversed(range(len(spans))):
                if not futures[index].cancel():  # a worker has it already: the rest are theirs too
                    break
                results[index] = _check_slice(spans[index])
            for index, future in enumerate(futures):
                if results[index] is None:
                    results[index] = future.result()
    finally:
        _start_worker(None, [], False, None)  # no later run in this process reuses this run's renderer
    return [result for result in results if result is not None]


def _load_batch(args: tuple[Config, list[str]]) -> LoadResult:
    config, paths = args
    with collector_off():
        return load_announcements(config, paths)


def _spans(count: int, jobs: int) -> list[tuple[int, int]]:
    """Slices of shrinking size (each a share of what is left): large ones while every worker is busy, small
    ones at the end, so no worker sits idle for long while another finishes a big last slice."""
    spans = []
    start = 0
    while start < count:
        size = max(_SMALLEST_SPAN, (count - start) // (2 * jobs))
        spans.append((start, min(start + size, count)))
        start += size
    return spans


def _meeting_spans(count: int, jobs: int) -> list[tuple[int, int]]:
    """Slices for ``jobs - 1`` workers taking them from the front and this process from the back: large far
    from where they will meet (about ``(jobs - 1) / jobs`` of the way), small near it, so that what a worker
    holds there (one slice and the next ones queued for it) keeps nobody waiting long."""
    meet = count * (jobs - 1) // jobs
    front: list[tuple[int, int]] = []
    start = 0
    while start < meet:
        size = max(_SMALLEST_MEETING_SPAN, (meet - start) // (2 * jobs))
        front.append((start, min(start + size, meet)))
        start += size
    back: list[tuple[int, int]] = []
    end = count
    while end > meet:
        size = max(_SMALLEST_MEETING_SPAN, (end - meet) // 4)
        back.append((max(end - size, meet), end))
        end -= size
    return front + back[::-1]


def _batches(files: list[str], jobs: int) -> list[list[str]]:
    return [files[start:stop] for start, stop in _spans(len(files), jobs)]


def _jobs(jobs: int | None, files: int) -> int:
    jobs = jobs if jobs is not None else (os.cpu_count() or 1)
    return 1 if files < PARALLEL_THRESHOLD else jobs


def _duplicate(announcement_id: str, path: str, other: str) -> Diagnostic:
    return Diagnostic(path, 0, 0, "error", f"duplicate id {announcement_id!r}: {other} has it too")


def load_all(config: Config, paths: Sequence[Path] = (), *, jobs: int | None = None) -> LoadResult:
    """Load every announcement under the given paths (all content by default), using several processes
    for large sets. Duplicate ids are found across the whole set."""
    files = discover_names(config, paths)  # strings: a Path per file costs more than the rest of finding them
    jobs = _jobs(jobs, len(files))
    if jobs <= 1:
        with collector_off():
            return load_announcements(config, files)
    merged = LoadResult()
    seen: dict[str, str] = {}
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        parts = list(pool.map(_load_batch, [(config, b) for b in _batches(files, jobs)]))
    for part in parts:
        merged.files += part.files
        merged.diagnostics.extend(part.diagnostics)
        for a in part.announcements:
            if a.id in seen:
                merged.diagnostics.append(_duplicate(a.id, a.path, seen[a.id]))
                continue
            seen[a.id] = a.path
            merged.announcements.append(a)
    return merged


def _duplicates_across(results: list[_BatchResult]) -> list[Diagnostic]:
    """An id that two slices' files both have (each slice found its own duplicates)."""
    if len(results) < 2:
        return []
    ids = [announcement_id for part in results for announcement_id, _ in part.ids]
    if len(set(ids)) == len(ids):  # the usual answer, found at C speed: no file by file look-ups
        return []
    seen: dict[str, str] = {}
    found = []
    for part in results:
        for announcement_id, path in part.ids:
            if announcement_id in seen:
                found.append(_duplicate(announcement_id, path, seen[announcement_id]))
            else:
                seen[announcement_id] = path
    return found


def validate(
    config: Config,
    paths: Sequence[Path] = (),
    *,
    jobs: int | None = None,
    render: bool = True,
    now: datetime | None = None,
) -> ValidationReport:
    """Check the files (and, with ``render``, that every announcement renders within each platform's
    limits); every problem is returned, sorted by file and position. With ``now``, also whether each file is
    still on time (pmcpost.timeliness): for the files someone names or changed, not for the whole archive."""
    from pmcpost.render import template_error_diagnostics

    files = discover_names(config, paths)
    jobs = _jobs(jobs, len(files))
    # Checking makes no garbage cycles to speak of (a few hundred objects for 20,000 files), and a worker forked
    # here inherits the collector switched off: a collection there would walk, and copy the memory pages of,
    # every object it shares with this process.
    with collector_off():
        if jobs <= 1:
            results = [_check_batch((config, files, render, True, now))]
        else:
            results = _check_in_parallel(config, files, render, now, jobs)
    report = ValidationReport()
    template_errors: TemplateErrors = {}
    report.diagnostics.extend(_duplicates_across(results))
    for part in results:
        report.files += part.files
        report.diagnostics.extend(part.diagnostics)
        report.announcements.extend(part.announcements)
        for key, (first, count) in part.template_errors.items():
            if key in template_errors:
                template_errors[key][1] += count
            else:
                template_errors[key] = [first, count]
    report.diagnostics.extend(template_error_diagnostics(template_errors))
    if now is not None:
        from pmcpost.timeliness import check

        report.diagnostics.extend(check(config, [t for part in results for t in part.past_due], now))
    report.diagnostics.sort()
    return report
