"""Bluesky (AT Protocol), described: cheap to import; the adapter is ``pmcpost.platforms.bluesky.BlueskyPlatform``."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from pmcpost.platforms.spec import MediaRules, Option, PlatformSpec, Threading

if TYPE_CHECKING:
    from pmcpost.platforms import Message

TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"

SPEC = PlatformSpec(
    name="bluesky",
    display_name="Bluesky",
    adapter="pmcpost.platforms.bluesky:BlueskyPlatform",
    order=3,
    api_url="https://bsky.social",  # the account's PDS (bsky.social's entryway for accounts hosted there)
    credentials={"handle": "PMCPOST_BLUESKY_HANDLE", "app_password": "PMCPOST_BLUESKY_APP_PASSWORD"},
    options={"layout": Option(choices=("combined", "separate"))},
    # 300 grapheme clusters (and 3,000 UTF-8 bytes, which the splitter and the adapter keep to).
    text_limit=300,
    measure="pmcpost.platforms.fedtext:bluesky_length",
    length_unit="graphemes",
    threads=Threading(
        layout_option="layout", default_layout="combined", split="pmcpost.platforms.fedtext:bluesky_parts"
    ),
    # app.bsky.embed.images: four images, each blob at most 1,000,000 bytes, alt text each.
    media=MediaRules(max_items=4, max_bytes=1_000_000, formats=("image/png", "image/jpeg", "image/webp")),
    post_key="pmcpost.platforms.bluesky_spec:record_key",
    can_look_up=True,  # getRecord on the record key chosen before the create
    rejects_duplicates=False,
    linked_from_website=True,
)


def tid(micros: int, clock_id: int) -> str:
    """A record key in the TID format: 64 bits (top bit 0, 53 bits of microseconds, 10 of clock id) as 13
    characters of base32-sortable."""
    value = ((micros & ((1 << 53) - 1)) << 10) | (clock_id & 0x3FF)
    out = []
    for _ in range(13):
        out.append(TID_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(out))


def record_key(message: Message, index: int) -> str:
    """The record key of part ``index``, chosen before its create and the same in every run: the announcement's
    publication time (plus a hash of its id, so two announcements of one minute differ) and the part's index."""
    a = message.announcement
    digest = int.from_bytes(hashlib.sha256(f"{a.id}\n{message.platform}".encode()).digest()[:8], "big")
    seconds = int(a.publish_at.timestamp())
    micros = seconds * 1_000_000 + (digest % 10_000) * 100 + min(index, 99)
    return tid(micros, digest >> 54)
