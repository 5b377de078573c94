"""What each platform will show, as plain data: the records `preview` renders (pmcpost.output.preview)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from pmcpost import xtext
from pmcpost.config import Config
from pmcpost.plan import PlanItem
from pmcpost.platforms.registry import configured, description

# A hashtag as posted: '#' and everything up to the next space (Devanagari vowel signs included).
HASHTAG = re.compile(r"#[^\s#]+")
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
    spec = configured(config, item.platform)
    measure = spec.measure_text
    parts: list[dict[str, Any]] = []
    media: list[dict[str, str]] = []
    warnings: list[str] = []
    link = a.for_platform(item.platform).link
    if item.message is not None:
        for part in item.message.parts:
            images = [
                {
                    "path": m.path.relative_to(config.root).as_posix(),
                    # a platform without alt text (Telegram) shows the image bare: say so rather than show one
                    "alt": m.alt if spec.media.alt_text else f"none ({spec.display_name} takes no alt text)",
                }
                for m in part.media
            ]
            parts.append(
                {
                    "text": part.text,
                    "length": measure(part.text),
                    "limit": spec.limit_for(bool(part.media)),
                    "unit": spec.length_unit,  # what length counts (Threads: bytes of UTF-8)
                    "language": part.language,
                    # Facebook attaches the link instead of printing it: without this the preview hides it.
                    "link": part.link,
                    "link_in_text": link is not None and (link in part.text or xtext.encode_url(link) in part.text),
                    "images": images,  # the images attached to this post (on X: the thread's first)
                    "hashtags": HASHTAG.findall(part.text),
                }
            )
            media.extend(images)
        warnings.extend(item.message.warnings)
        if spec.by_hand:
            warnings.append(
                f"{spec.display_name} has no posting API: publish hands this text over to be posted by hand, "
                "and pmcpost record records it"
            )
        limit = config.policy.long_thread_warning
        if len(parts) > limit:
            warnings.append(
                f"a thread of {len(parts)} posts (more than {limit}): readers rarely open beyond the first; "
                "shorten the text, or put the details on the website and link to it"
            )
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
    if spec.limit_source:  # a limit the instance sets (Mastodon): say whether it was read or assumed
        record["limit_source"] = f"{spec.text_limit:,} {spec.length_unit}, {spec.limit_source}"
    # Pay-per-use platforms (X): what posting this costs, worth knowing before posting.
    cost = spec.estimated_cost([p["text"] for p in parts], lambda text: bool(xtext.find_urls(text)))
    if cost is not None:
        record["estimated_cost_usd"] = cost
    return record


def cost_label(record: dict[str, Any]) -> str:
    """What a record's ``estimated_cost_usd`` is called (its platform's price list)."""
    pricing = description(record["platform"]).pricing
    return pricing.label if pricing else "estimated cost"
