"""`pmcpost audit show`: who posted what, where and when, streamed from the ledger in constant memory.

Fast on a million entries: month files outside the period are skipped by name, and a line is parsed only
when the bytes every match must contain (``"department":"roads"``, written canonically) are in it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from pmcpost.audit import FILE_RE, format_time, log_files, person_id
from pmcpost.moments import parse_bound as parse_bound  # --since/--until, read where every typed time is

DEFAULT_EVENTS = ("posted", "reconciled", "retracted", "failed", "missed")


@dataclass(frozen=True)
class Query:
    """What to show; an empty tuple means any. ``since`` is inclusive, ``until`` exclusive (both aware)."""

    departments: tuple[str, ...] = ()
    coordinators: tuple[str, ...] = ()
    platforms: tuple[str, ...] = ()
    announcements: tuple[str, ...] = ()
    events: tuple[str, ...] = DEFAULT_EVENTS
    since: datetime | None = None
    until: datetime | None = None


def _month_span(name: str) -> tuple[datetime, datetime] | None:
    m = FILE_RE.match(name)
    if m is None:
        return None
    year, month = int(m.group(1)), int(m.group(2))
    if not 1 <= month <= 12:
        return None
    start = datetime(year, month, 1, tzinfo=timezone.utc)
    end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=timezone.utc)
    return start, end


def files_in_period(directory: Path, since: datetime | None, until: datetime | None) -> list[Path]:
    """The month files that can hold entries in [since, until); a misnamed file is kept (never hide data)."""
    out = []
    for path in log_files(directory):
        span = _month_span(path.name)
        if span is not None:
            if since is not None and span[1] <= since:
                continue
            if until is not None and span[0] >= until:
                continue
        out.append(path)
    return out


def _needles(key: str, values: Sequence[str]) -> tuple[bytes, ...]:
    # Canonical lines have no spaces and sorted keys, so a field reads exactly like this wherever it is.
    return tuple(f'"{key}":{json.dumps(v, ensure_ascii=False)}'.encode() for v in values)


def _coordinator_needles(values: Sequence[str]) -> tuple[bytes, ...]:
    # {"id", "name"} with sorted keys: the id comes first.
    return tuple(f'"coordinator":{{"id":{json.dumps(v, ensure_ascii=False)}'.encode() for v in values)


def iter_matches(directory: Path, query: Query) -> Iterator[tuple[bytes, dict[str, Any]]]:
    """Each matching entry as (its line's bytes, the entry), in ledger order, streaming."""
    groups = [
        g
        for g in (
            _needles("event", query.events),
            _needles("department", query.departments),
            _needles("platform", query.platforms),
            _needles("announcement", query.announcements),
            _coordinator_needles(query.coordinators),
        )
        if g
    ]
    since_s = format_time(query.since) if query.since else None
    until_s = format_time(query.until) if query.until else None
    events, departments = set(query.events), set(query.departments)
    platforms, announcements = set(query.platforms), set(query.announcements)
    coordinators = set(query.coordinators)
    for path in files_in_period(directory, query.since, query.until):
        with path.open("rb") as fh:
            for raw in fh:
                if not all(any(n in raw for n in group) for group in groups):
                    continue
                line = raw.rstrip(b"\n")
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue  # audit verify reports it
                if not isinstance(entry, dict):
                    continue
                t = entry.get("time")
                if not isinstance(t, str):
                    continue
                # format_time's fixed width makes string order time order.
                if (since_s is not None and t < since_s) or (until_s is not None and t >= until_s):
                    continue
                if events and entry.get("event") not in events:
                    continue
                if departments and entry.get("department") not in departments:
                    continue
                if platforms and entry.get("platform") not in platforms:
                    continue
                if announcements and entry.get("announcement") not in announcements:
                    continue
                if coordinators and person_id(entry.get("coordinator")) not in coordinators:
                    continue
                yield line, entry
