"""Is a file someone is writing still on time? `validate` warns when ``publish_at`` has passed (the post goes
out late, at the next publish run) and refuses an ``expires_at`` that has passed (it would never go out).

Only the files named on the command line or changed (``--changed-since``) are checked, and only while the audit
log says the announcement is not done (posted, retracted or recorded as missed) on some platform it targets: a
file that went out and has since expired is history, not a mistake, and must not fail `validate` for ever.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pmcpost.audit import PlatformRecord
from pmcpost.config import Config
from pmcpost.content import Announcement
from pmcpost.diagnostics import Diagnostic
from pmcpost.words import plural


@dataclass(frozen=True)
class Timing:
    """What the check needs of one announcement (small, so worker processes can send it back)."""

    id: str
    path: str  # relative to the repository root
    publish_at: datetime
    expires_at: datetime | None
    platforms: tuple[str, ...]


def past_due(announcements: Iterable[Announcement], now: datetime) -> list[Timing]:
    """The announcements whose ``publish_at`` is not in the future."""
    return [Timing(a.id, a.path, a.publish_at, a.expires_at, a.platforms) for a in announcements if a.publish_at <= now]


def check(config: Config, timings: Sequence[Timing], now: datetime) -> list[Diagnostic]:
    """A warning for each late post, an error for each expired one, unless the ledger says it is done."""
    if not timings:
        return []
    from pmcpost.fold import read_ledger

    state = read_ledger(config)
    tz = config.organisation.tz
    out: list[Diagnostic] = []
    for t in timings:
        enabled = [p for p in t.platforms if p in config.platforms and config.platforms[p].enabled]
        open_on = [p for p in enabled if not _done(state.get(t.id, p))]
        if not open_on:
            continue
        where = _positions(config.root / t.path)
        if t.expires_at is not None and t.expires_at <= now:
            line, col = where.get("expires_at", (0, 0))
            message = (
                f"expires_at {t.expires_at.astimezone(tz):%Y-%m-%d %H:%M %Z} is already past, so this announcement "
                f"would never go out (not posted on {', '.join(open_on)}); correct expires_at or remove the file"
            )
            out.append(Diagnostic(t.path, line, col, "error", message))
            continue
        late = int((now - t.publish_at).total_seconds() // 60)
        if late < 1:
            continue
        line, col = where.get("publish_at", (0, 0))
        message = (
            f"publish_at {t.publish_at.astimezone(tz):%Y-%m-%d %H:%M %Z} is already past: the post goes out late "
            f"({late_words(late)} so far), at the next publish run"
        )
        out.append(Diagnostic(t.path, line, col, "warning", message))
    return out


def late_words(minutes: int) -> str:
    """'45 min', '3 h 5 min', '2 days 3 h'."""
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return plural(days, "day") + (f" {hours} h" if hours else "")
    if hours:
        return f"{hours} h" + (f" {mins} min" if mins else "")
    return f"{mins} min"


def _done(rec: PlatformRecord) -> bool:
    return rec.complete or rec.retracted or rec.missed


def _positions(path: Path) -> dict[str, tuple[int, int]]:
    """Line and column of each top-level value in an announcement file (read again: only a few files get here)."""
    from yaml.nodes import MappingNode, ScalarNode

    from pmcpost import yamlnodes
    from pmcpost.content import MAX_ANNOUNCEMENT_BYTES

    try:
        data = path.read_bytes()
    except OSError:
        return {}
    root = yamlnodes.load(data, path.name, max_bytes=MAX_ANNOUNCEMENT_BYTES).root
    if not isinstance(root, MappingNode):
        return {}
    return {
        key.value: (value.start_mark.line + 1, value.start_mark.column + 1)
        for key, value in root.value
        if isinstance(key, ScalarNode)
    }
