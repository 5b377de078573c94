"""Bluesky (AT Protocol), described: cheap to import; the adapter is ``pmcpost.platforms.bluesky.BlueskyPlatform``."""

from __future__ import annotations

from pmcpost.platforms.spec import MediaRules, Option, PlatformSpec, Threading

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
    can_look_up=True,  # getRecord on the record key chosen before the create
    rejects_duplicates=False,
    linked_from_website=True,
)
