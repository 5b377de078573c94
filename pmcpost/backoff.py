"""Backing off a failing platform across runs: 15 minutes, 30, 1 hour, ... at most 6 hours between attempts.

Every ``failed`` entry the publisher writes carries its step (``backoff_step``) and the time before which no run
tries again (``retry_after``); the fold keeps the newest of each per announcement and platform, and per platform,
and a post that goes out clears them. Runs inside the pause plan nothing there, so they write nothing: the log
gets one entry per step, not one per run.
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from typing import Any

from pmcpost.audit import format_time, parse_time
from pmcpost.words import plural

FIRST = timedelta(minutes=15)
LONGEST = timedelta(hours=6)


def delay(step: int) -> timedelta:
    """The pause after the ``step``-th failure in a row (1: 15 minutes, doubling, capped at 6 hours)."""
    if step >= 6:  # 15 min * 2**5 = 8 h: capped from here on (and no huge powers)
        return LONGEST
    pause: timedelta = FIRST * (2 ** max(step - 1, 0))
    return min(pause, LONGEST)


def fields(previous_step: int, now: datetime) -> dict[str, Any]:
    """The fields of a ``failed`` entry written at ``now`` after ``previous_step`` failures in a row."""
    step = previous_step + 1
    return {"backoff_step": step, "retry_after": format_time(now + delay(step))}


def waiting(retry_after: str | None, now: datetime) -> bool:
    return retry_after is not None and parse_time(retry_after) > now


def hold_reason(platform: str, step: int, retry_after: str, error: str | None, tz: tzinfo) -> str:
    """Why a run leaves ``platform`` alone: the failures in a row, the last error, the next attempt."""
    when = parse_time(retry_after).astimezone(tz)
    zone = "IST" if str(tz) == "Asia/Kolkata" else when.strftime("%Z")
    runs = plural(step, "run") + (" in a row" if step > 1 else "")
    said = f" (last error: {error})" if error else ""
    return (
        f"{platform} failed in {runs}{said}; backing off: the next attempt is at the first run after "
        f"{when:%Y-%m-%d %H:%M} {zone}"
    )
