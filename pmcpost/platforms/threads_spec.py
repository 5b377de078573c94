"""A Threads profile, described: cheap to import; the adapter is ``pmcpost.platforms.threads.ThreadsPlatform``."""

from __future__ import annotations

from pmcpost.platforms.spec import MediaRules, Option, PlatformSpec, Threading

SPEC = PlatformSpec(
    name="threads",
    display_name="Threads",
    adapter="pmcpost.platforms.threads:ThreadsPlatform",
    order=3,
    api_url="https://graph.threads.net",
    credentials={"access_token": "PMCPOST_THREADS_ACCESS_TOKEN"},
    options={
        "user_id": Option(description="the numeric id of the Threads profile", required_when_enabled=True),
        "username": Option(),
        "api_version": Option(pattern=r"^v\d+\.\d+$", example="v1.0"),
        "layout": Option(choices=("combined", "separate")),
        "image_url": Option(
            description="where the repository's images are served publicly, with {path}, {sha256} or {commit}"
        ),
        "token_expires": Option(pattern=r"^\d{4}-\d{2}-\d{2}$", example="2027-01-30"),
    },
    # Meta says 500 "characters" but counts some text (emoji) by its UTF-8 bytes. Counting every text by its
    # UTF-8 bytes is never less than Meta's count, so no post pmcpost accepts is refused (a Marathi post holds
    # about 166 letters); pmcpost.metatext says more.
    text_limit=500,
    measure="pmcpost.metatext:utf8_length",
    length_unit="bytes of UTF-8",
    threads=Threading(layout_option="layout", default_layout="combined", split="pmcpost.metatext:thread_parts"),
    media=MediaRules(max_items=10, max_bytes=8 * 1024 * 1024, alt_text=True),
    can_look_up=True,
    rejects_duplicates=False,
    linked_from_website=True,
)
