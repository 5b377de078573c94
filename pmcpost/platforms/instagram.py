"""Posting to an Instagram professional account through the Graph API's container flow (pmcpost.platforms.meta).

A post is one image or a carousel of up to 10, with the caption (both languages) and each image's alt text.
Instagram has no text-only posts and no documented delete: retracting asks the social media cell to delete
the post in the app.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pmcpost.errors import PlatformError
from pmcpost.platforms import Message, Part, RemotePost
from pmcpost.platforms.meta import ContainerPlatform


class InstagramPlatform(ContainerPlatform):
    """An Instagram professional account: one post per message, images required."""

    name: ClassVar[str] = "instagram"
    display: ClassVar[str] = "Instagram"
    default_version: ClassVar[str] = "v25.0"
    create_edge: ClassVar[str] = "media"
    publish_edge: ClassVar[str] = "media_publish"
    text_field: ClassVar[str] = "caption"
    status_field: ClassVar[str] = "status_code"
    quota_edge: ClassVar[str] = "content_publishing_limit"
    post_url: ClassVar[str] = "https://www.instagram.com/"

    def part_of(self, message: Message, index: int, reply_to: RemotePost | None) -> Part:
        if reply_to is not None or index != 0 or len(message.parts) != 1:
            raise PlatformError(
                f"an Instagram message is one post, but part {index} of {len(message.parts)} was asked for"
            )
        part = message.parts[0]
        if not part.media:
            raise PlatformError(
                f"{message.announcement.id} has no image, and an Instagram post needs one; add media to it, "
                "or leave instagram out of its platforms"
            )
        return part

    def container_fields(self, part: Part, reply_to: RemotePost | None, image_urls: list[str]) -> dict[str, Any]:
        fields: dict[str, Any] = {"caption": part.text}
        if image_urls:
            fields["image_url"] = image_urls[0]
            fields["alt_text"] = part.media[0].alt or None
        return fields

    def delete(self, remote_id: str, reason: str) -> None:
        raise PlatformError(
            f"Instagram's API cannot delete a post: delete {remote_id} in the Instagram app (the announcement is "
            "marked retracted everywhere else)"
        )
