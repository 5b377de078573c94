"""A Telegram channel, posted to by a bot through the Bot API, described: cheap to import; the adapter is
``pmcpost.platforms.telegram.TelegramPlatform``."""

from __future__ import annotations

import re

from pmcpost.platforms.spec import MediaRules, Option, PlatformSpec

SPEC = PlatformSpec(
    name="telegram",
    display_name="Telegram",
    adapter="pmcpost.platforms.telegram:TelegramPlatform",
    order=2,
    api_url="https://api.telegram.org",
    credentials={"bot_token": "PMCPOST_TELEGRAM_BOT_TOKEN"},
    options={
        "channel": Option(
            description="the channel to post to: its public @name or its numeric id (-100...)",
            pattern=r"^(@[A-Za-z][A-Za-z0-9_]{3,31}|-100\d{5,})$",
            example="@pmcpune",
            required_when_enabled=True,
        ),
    },
    # Telegram counts UTF-16 code units (the same as code points for Devanagari): 4,096 for a text message,
    # 1,024 for the caption of a photo or an album. One message per announcement, both languages in it:
    # a longer text is refused by validate rather than cut into replies (docs/decisions.md).
    text_limit=4096,
    caption_limit=1024,
    measure="pmcpost.platforms.telegram_spec:utf16_length",
    length_unit="UTF-16 units",
    # sendPhoto for one image, sendMediaGroup for 2-10; photos up to 10 MB; no alt text on Telegram.
    media=MediaRules(
        max_items=10, max_bytes=10 * 1024 * 1024, formats=("image/png", "image/jpeg", "image/webp"), alt_text=False
    ),
    can_look_up=False,  # a bot cannot read a channel's history: `pmcpost record` settles a lost answer
    rejects_duplicates=False,
    linked_from_website=True,
    id_from_url="pmcpost.platforms.telegram_spec:post_id_from_url",
)


def utf16_length(text: str) -> int:
    """The length Telegram checks: UTF-16 code units (an emoji outside the BMP counts 2)."""
    return len(text.encode("utf-16-le")) // 2


_PUBLIC_RE = re.compile(r"^https://t\.me/([A-Za-z][A-Za-z0-9_]{3,31})/(\d+)/?$")
_PRIVATE_RE = re.compile(r"^https://t\.me/c/(\d+)/(\d+)/?$")


def post_id_from_url(url: str) -> str | None:
    """The adapter's post id (``chat:message``) named by a message link: t.me/<name>/<n> or t.me/c/<id>/<n>."""
    public = _PUBLIC_RE.match(url)
    if public:
        return f"@{public.group(1)}:{public.group(2)}"
    private = _PRIVATE_RE.match(url)
    if private:
        return f"-100{private.group(1)}:{private.group(2)}"
    return None
