"""A Facebook Page, described: cheap to import; the adapter is ``pmcpost.platforms.facebook.FacebookPlatform``."""

from __future__ import annotations

from pmcpost.platforms.spec import MediaRules, Option, PlatformSpec

SPEC = PlatformSpec(
    name="facebook",
    display_name="Facebook",
    adapter="pmcpost.platforms.facebook:FacebookPlatform",
    order=1,
    api_url="https://graph.facebook.com",
    credentials={"page_token": "PMCPOST_FACEBOOK_PAGE_TOKEN"},
    options={
        "page_id": Option(description="the numeric id of the Page to post to", required_when_enabled=True),
        "page_name": Option(),
        "api_version": Option(pattern=r"^v\d+\.\d+$", example="v25.0"),
    },
    text_limit=63_206,
    measure="pmcpost.xtext:nfc_length",
    attaches_link=True,  # a feed post carries the link as an attachment; a photo post puts it in its caption
    # One photo per post (the first image), alt text through alt_text_custom; Facebook takes larger files.
    media=MediaRules(max_items=None, max_bytes=None, alt_text=True),
    can_look_up=True,  # the Page's recent posts
    rejects_duplicates=False,
    linked_from_website=True,
)
