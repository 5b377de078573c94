"""X (Twitter), described: cheap to import; the adapter is ``pmcpost.platforms.twitter.TwitterPlatform``."""

from __future__ import annotations

from pmcpost.platforms.spec import MediaRules, Option, PlatformSpec, Pricing, Threading

SPEC = PlatformSpec(
    name="twitter",
    display_name="X",
    adapter="pmcpost.platforms.twitter:TwitterPlatform",
    order=0,
    api_url="https://api.twitter.com",
    credentials={
        "consumer_key": "PMCPOST_TWITTER_CONSUMER_KEY",
        "consumer_secret": "PMCPOST_TWITTER_CONSUMER_SECRET",
        "access_token": "PMCPOST_TWITTER_ACCESS_TOKEN",
        "access_token_secret": "PMCPOST_TWITTER_ACCESS_TOKEN_SECRET",
    },
    options={
        "account": Option(description="the account's handle, checked by doctor"),
        "layout": Option(choices=("combined", "separate")),
        "upload_url": Option(description="the media upload address, when it differs from api_url"),
    },
    # twitter-text v3: NFC, 1 or 2 per code point, 2 per emoji, 23 per URL (pmcpost.xtext).
    text_limit=280,
    measure="pmcpost.xtext:weighted_length",
    threads=Threading(
        layout_option="layout",
        default_layout="combined",
        warn_above_parts=25,
        split="pmcpost.xtext:thread_parts",
        measured_split="pmcpost.xtext:measured_thread_parts",
    ),
    # Four images per post, up to 5 MB each; alt text per image (POST /2/media/metadata).
    media=MediaRules(max_items=4, max_bytes=5 * 1024 * 1024, alt_text=True),
    can_look_up=True,  # the account's recent posts (when its API tier may read them)
    rejects_duplicates=True,  # "You are not allowed to create a Tweet with duplicate content."
    linked_from_website=True,
    # Pay-per-use prices published in February 2026.
    pricing=Pricing(label="X pay-per-use estimate", per_post=0.015, per_post_with_link=0.20),
)
