"""AuditLog.kept_open: a publish run's entries written through one open month file, the same chain and files
as entry by entry, across a change of month, and nothing left open after."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

from pmcpost.audit import AuditLog
from pmcpost.audit_verify import verify_chain

START = datetime(2026, 11, 30, 23, 58, tzinfo=timezone.utc)


def entries(log: AuditLog, count: int, first: int = 0) -> None:
    for n in range(first, first + count):
        log.append({"event": "intent", "announcement": f"roads/2026-11-30-n{n}", "platform": "x", "part": 0})


def open_files() -> set[str]:
    found = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            found.add(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:  # the listing's own descriptor, closed by now
            continue
    return found


def ticking() -> Callable[[], datetime]:
    moment = [START]

    def clock() -> datetime:
        moment[0] += timedelta(seconds=30)
        return moment[0]

    return clock


def test_kept_open_writes_the_same_log_as_entry_by_entry_across_a_month_and_closes_it(tmp_path: Path) -> None:
    kept, plain = tmp_path / "kept" / "audit", tmp_path / "plain" / "audit"
    log = AuditLog(kept, clock=ticking())
    with log.kept_open():
        entries(log, 6)  # 23:58:30 to 00:01:00: three in November, three in December
        assert str(kept / "2026-12.jsonl") in open_files()
    entries(log, 1, first=6)  # after: opened and closed again, as ever
    reference = AuditLog(plain, clock=ticking())
    entries(reference, 7)

    for name in ("2026-11.jsonl", "2026-12.jsonl"):
        assert (kept / name).read_bytes() == (plain / name).read_bytes()
    assert not {f for f in open_files() if f.startswith(str(tmp_path))}
    result = verify_chain(kept)
    assert (result.ok, result.entries) == (True, 7)
