"""An Instagram professional account, described: cheap to import; the adapter is
``pmcpost.platforms.instagram.InstagramPlatform``."""

from __future__ import annotations

from pmcpost.platforms.spec import MediaRules, Option, PlatformSpec

SPEC = PlatformSpec(
    name="instagram",
    display_name="Instagram",
    adapter="pmcpost.platforms.instagram:InstagramPlatform",
    order=2,
    api_url="https://graph.facebook.com",  # Instagram API with Facebook Login: the account linked to the Page
    credentials={"access_token": "PMCPOST_INSTAGRAM_ACCESS_TOKEN"},
    options={
        "user_id": Option(
            description="the numeric id of the Instagram professional account", required_when_enabled=True
        ),
        "username": Option(),
        "api_version": Option(pattern=r"^v\d+\.\d+$", example="v25.0"),
        "image_url": Option(
            description="where the repository's images are served publicly, with {path}, {sha256} or {commit}",
            required_when_enabled=True,
        ),
        "token_expires": Option(pattern=r"^\d{4}-\d{2}-\d{2}$", example="2027-01-30"),
    },
    text_limit=2_200,  # the caption
    measure="pmcpost.xtext:nfc_length",
    max_hashtags=30,
    # Up to 10 images become a carousel, each with its alt text. JPEG only, 4:5 to 1.91:1, 320-1,440 px wide,
    # 8 MB: pmcpost.platforms.instagram_images checks them in validate.
    media=MediaRules(max_items=10, max_bytes=8 * 1024 * 1024, min_width=320, max_width=1_440, image_required=True),
    check_image="pmcpost.platforms.instagram_images:check",
    can_look_up=True,  # the container's status, then the account's media by caption and time
    rejects_duplicates=False,
    linked_from_website=True,
)
