"""`pmcpost audit show`: who posted what, where and when, streamed from the ledger in constant memory.

Fast on a million entries: month files outside the period are skipped by name, and a line is parsed only
when the bytes every match must contain (``"department":"roads"``, written canonically) are in it.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any, TextIO

from pmcpost.audit import FILE_RE, format_time, log_files, parse_time, person_id
from pmcpost.errors import UsageError
from pmcpost.safetext import visible

DEFAULT_EVENTS = ("posted", "reconciled", "retracted", "failed", "missed")
FORMATS = ("text", "json", "csv")
CSV_COLUMNS = (
    "time",
    "event",
    "department",
    "announcement",
    "platform",
    "part",
    "parts",
    "coordinator",
    "approver",
    "url",
    "remote_id",
    "error",
    "reason",
    "commit",
    "author",
    "actor",
    "run",
)


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


def parse_bound(text: str, tz: tzinfo, *, end: bool) -> datetime:
    """A --since/--until value: a day (local, whole day included) or a date and time as people type it
    (pmcpost.moments; local unless it has an offset). With ``end`` the result is exclusive: the day after a
    date, or just after a date-time."""
    from pmcpost.moments import MomentError, parse_day_or_moment

    try:
        moment = parse_day_or_moment(text, tz)
    except MomentError as exc:
        raise UsageError(str(exc)) from None
    if not isinstance(moment, datetime):
        day = datetime(moment.year, moment.month, moment.day, tzinfo=tz)
        return day + timedelta(days=1) if end else day
    return moment + timedelta(microseconds=1) if end else moment


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


def _remote(entry: Mapping[str, Any]) -> Mapping[str, Any]:
    remote = entry.get("remote")
    return remote if isinstance(remote, Mapping) else {}


def _actor(value: Any) -> str:
    if not isinstance(value, Mapping):
        return ""
    if "user" in value:
        return str(value["user"])
    if "ci" in value:
        return " ".join(str(value[k]) for k in ("ci", "job", "run_id") if value.get(k) is not None)
    return ""


def _local_time(text: str, tz: tzinfo) -> str:
    try:
        moment = parse_time(text)
    except ValueError:
        return text
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z")


def text_line(entry: Mapping[str, Any], tz: tzinfo) -> str:
    """One entry for people: when (local time), what, where, who, and the link or the reason."""
    parts = [_local_time(str(entry.get("time", "")), tz), f"{entry.get('event', '?'):<10}"]
    parts.append(str(entry.get("announcement") or "-"))
    where = str(entry.get("platform") or "")
    if isinstance(entry.get("parts"), int) and entry["parts"] > 1 and isinstance(entry.get("part"), int):
        where += f" {entry['part'] + 1}/{entry['parts']}"
    if where:
        parts.append(where)
    coordinator, approver = person_id(entry.get("coordinator")), person_id(entry.get("approver"))
    if coordinator:
        parts.append(f"by {coordinator}" + (f", approved by {approver}" if approver else ""))
    url = _remote(entry).get("url")
    if url:
        parts.append(str(url))
    for key in ("error", "reason"):
        if entry.get(key):
            parts.append(f"{key}: {entry[key]}")
    return "  ".join(parts)


def csv_row(entry: Mapping[str, Any]) -> list[str]:
    remote = _remote(entry)
    values: dict[str, Any] = {
        **{k: entry.get(k) for k in CSV_COLUMNS},
        "coordinator": person_id(entry.get("coordinator")),
        "approver": person_id(entry.get("approver")),
        "url": remote.get("url"),
        "remote_id": remote.get("id"),
        "actor": _actor(entry.get("actor")),
    }
    return ["" if values[k] is None else str(values[k]) for k in CSV_COLUMNS]


def write_entries(matches: Iterable[tuple[bytes, Mapping[str, Any]]], fmt: str, stream: TextIO, tz: tzinfo) -> int:
    """Write the entries as text, JSON Lines (each entry exactly as stored) or CSV with a header; returns
    how many were written."""
    count = 0
    if fmt == "json":
        for line, _ in matches:
            stream.write(line.decode("utf-8"))
            stream.write("\n")
            count += 1
    elif fmt == "csv":
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for _, entry in matches:
            writer.writerow(csv_row(entry))
            count += 1
    elif fmt == "text":
        for _, entry in matches:
            stream.write(visible(text_line(entry, tz), newlines=False) + "\n")  # the ledger's words, never obeyed
            count += 1
    else:
        raise UsageError(f"unknown format {fmt!r} (choose {', '.join(FORMATS)})")
    return count
