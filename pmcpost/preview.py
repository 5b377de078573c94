"""What each platform will show, as plain data: the records `preview` renders (pmcpost.output.preview)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pmcpost import xtext
from pmcpost.config import Config
from pmcpost.plan import PlanItem
from pmcpost.render import platform_limit

# X's pay-per-use prices (published February 2026): worth knowing before posting.
X_PRICE_POST = 0.015
X_PRICE_POST_WITH_URL = 0.20

# Past publish_at and not posted yet: these show how late they are.
LATE_STATUSES = ("due", "resume", "retry", "held", "frozen", "unapproved", "error")


def late_minutes(item: PlanItem, now: datetime | None) -> int | None:
    """Whole minutes since ``publish_at`` for a post that is due but not out yet (None when not late)."""
    if now is None or item.status not in LATE_STATUSES:
        return None
    minutes = int((now - item.announcement.publish_at).total_seconds() // 60)
    return minutes if minutes >= 1 else None


def preview_record(config: Config, item: PlanItem, now: datetime | None = None) -> dict[str, Any]:
    """One announcement on one platform as plain data (the JSON form); ``now`` is the plan's time, for
    ``late_minutes``."""
    a = item.announcement
    tz = config.organisation.tz
    limit, measure = platform_limit(item.platform)
    parts: list[dict[str, Any]] = []
    media: list[dict[str, str]] = []
    warnings: list[str] = []
    if item.message is not None:
        for part in item.message.parts:
            parts.append(
                {
                    "text": part.text,
                    "length": measure(part.text),
                    "limit": limit,
                    "language": part.language,
                    # Facebook attaches the link instead of printing it: without this the preview hides it.
                    "link": part.link,
                }
            )
            media.extend({"path": m.path.relative_to(config.root).as_posix(), "alt": m.alt} for m in part.media)
        warnings.extend(item.message.warnings)
    record: dict[str, Any] = {
        "id": a.id,
        "path": a.path,
        "platform": item.platform,
        "status": item.status,
        "reason": item.reason,
        "kind": a.kind,
        "publish_at": a.publish_at.astimezone(tz).isoformat(),
        "expires_at": a.expires_at.astimezone(tz).isoformat() if a.expires_at else None,
        "late_minutes": late_minutes(item, now),
        "coordinator": config.person_ref(a.coordinator),
        "approved_by": config.person_ref(a.approved_by),
        "parts": parts,
        "media": media,
        "warnings": warnings,
        "posted": item.record.urls,
    }
    if item.platform == "twitter" and parts:
        record["estimated_cost_usd"] = round(
            sum(X_PRICE_POST_WITH_URL if xtext.find_urls(p["text"]) else X_PRICE_POST for p in parts), 3
        )
    return record
