"""Mastodon, described: cheap to import; the adapter is ``pmcpost.platforms.mastodon.MastodonPlatform``."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from pmcpost.platforms.spec import MediaRules, Option, PlatformSpec, Threading
from pmcpost.platforms.state import state_folder

if TYPE_CHECKING:
    from pmcpost.config import Config, PlatformConfig
    from pmcpost.platforms import Message

LIMITS_FILE = "mastodon-instance.json"  # in .git/pmcpost/ (pmcpost.platforms.restapi.state_dir)

SPEC = PlatformSpec(
    name="mastodon",
    display_name="Mastodon",
    adapter="pmcpost.platforms.mastodon:MastodonPlatform",
    order=2,
    # Any instance: config.yaml must name the Corporation's own (this placeholder answers nothing).
    api_url="https://mastodon.invalid",
    credentials={"access_token": "PMCPOST_MASTODON_ACCESS_TOKEN"},
    options={
        "account": Option(description="the account's username on the instance, checked by doctor"),
        "layout": Option(choices=("combined", "separate")),
        "visibility": Option(choices=("public", "unlisted")),
    },
    # The instance says its own limit (GET /api/v2/instance); 500 is Mastodon's default and what validate uses
    # until a post has read the instance (pmcpost.platforms.mastodon.cached_limits).
    text_limit=500,
    measure="pmcpost.platforms.fedtext:mastodon_length",
    threads=Threading(
        layout_option="layout", default_layout="combined", split="pmcpost.platforms.fedtext:mastodon_parts"
    ),
    # Four attachments by default; an image up to 16 MB; description = alt text (1,500 characters).
    media=MediaRules(max_items=4, max_bytes=16 * 1024 * 1024, alt_text=True),
    limit_from="pmcpost.platforms.mastodon_spec:instance_limit",
    post_key="pmcpost.platforms.mastodon_spec:idempotency_key",
    can_look_up=True,  # the account's statuses (GET /api/v1/accounts/:id/statuses), and Idempotency-Key
    rejects_duplicates=False,
    linked_from_website=True,
)


def cached_instance(root: Path, api_url: str) -> dict[str, int | float]:
    """The instance's limits as the last post or doctor read them (``{}`` when never read), from
    ``.git/pmcpost/``: validate and preview need no network and create no file."""
    try:
        data = json.loads((state_folder(root) / LIMITS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    usable = isinstance(data, dict) and isinstance(data.get("max_characters"), int)
    return data if usable and data.get("api_url") == api_url.rstrip("/") else {}


def instance_limit(config: Config, settings: PlatformConfig) -> tuple[int, str]:
    """The instance's character limit, cached, or Mastodon's default (PlatformSpec.limit_from)."""
    return instance_limit_at(config.root, settings.api_url)


def instance_limit_at(root: Path, api_url: str) -> tuple[int, str]:
    data = cached_instance(root, api_url)
    if not data:
        return SPEC.text_limit, "Mastodon's default; the instance's own is read at the first post"
    when = datetime.fromtimestamp(float(data.get("fetched_at", 0)), timezone.utc)
    return int(data["max_characters"]), f"read from the instance on {when:%Y-%m-%d %H:%M} UTC"


def idempotency_key(message: Message, index: int) -> str:
    """The same for every attempt at the same post, different for every other post."""
    a = message.announcement
    text = hashlib.sha256(message.parts[index].text.encode("utf-8")).hexdigest()
    return hashlib.sha256(f"pmcpost\n{a.id}\n{message.platform}\n{index}\n{text}".encode()).hexdigest()[:40]
