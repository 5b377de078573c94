"""Posting to Threads through the Threads API's container flow (pmcpost.platforms.meta): text posts, image
posts (a carousel for several images), threads as replies (``reply_to_id``), and deletes."""

from __future__ import annotations

from typing import Any, ClassVar

from pmcpost.platforms import Part, RemotePost
from pmcpost.platforms.meta import ContainerPlatform


class ThreadsPlatform(ContainerPlatform):
    """A Threads profile: a long text becomes a thread, each part its own post and intent."""

    name: ClassVar[str] = "threads"
    display: ClassVar[str] = "Threads"
    default_version: ClassVar[str] = "v1.0"
    create_edge: ClassVar[str] = "threads"
    publish_edge: ClassVar[str] = "threads_publish"
    text_field: ClassVar[str] = "text"
    status_field: ClassVar[str] = "status"
    quota_edge: ClassVar[str] = "threads_publishing_limit"
    post_url: ClassVar[str] = "https://www.threads.net/post/{id}"

    def container_fields(self, part: Part, reply_to: RemotePost | None, image_urls: list[str]) -> dict[str, Any]:
        fields: dict[str, Any] = {"text": part.text, "media_type": "TEXT"}
        if image_urls:
            fields.update(media_type="IMAGE", image_url=image_urls[0], alt_text=part.media[0].alt or None)
        if reply_to is not None:
            fields["reply_to_id"] = reply_to.id
        return fields

    def child_fields(self) -> dict[str, Any]:
        return {"media_type": "IMAGE"}
