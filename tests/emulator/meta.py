"""Local Instagram Graph and Threads APIs: containers (created from public image URLs that the emulator really
fetches), their status, publishing, the account's media newest first, the publishing limit, deletes, and
Graph's error JSON (9007 "media not ready", 2207052 "image URL not reachable", 190/463 an expired token).

Tests make containers stay IN_PROGRESS for a few status reads (``processing``), expire the token, and serve
the repository's "public" images from the emulator itself (``serve``), as the website would.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qs

from .http import Emulator, Reply, Request, SeenPost

INSTAGRAM_TOKEN = "IGQWTestInstagramToken7Hs2Kd9Lq4Wp1Xz6"
THREADS_TOKEN = "THQWTestThreadsToken3Jf8Nb5Rt2Vc7Ym0"
INSTAGRAM_USER = "17841400000000001"
THREADS_USER = "25000000000000001"
_EMOJI_RE = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\ufe0f\u200d]")


def threads_length(text: str) -> int:
    """Threads' documented count: characters, with emoji counted by their UTF-8 bytes."""
    return sum(len(ch.encode("utf-8")) if _EMOJI_RE.match(ch) else 1 for ch in unicodedata.normalize("NFC", text))


@dataclass
class Container:
    id: str
    fields: dict[str, str]
    status: str = "FINISHED"
    reads_left: int = 0  # status reads still answered IN_PROGRESS
    media_id: str = ""


@dataclass
class Media:
    id: str
    text: str
    timestamp: datetime
    reply_to: str | None = None
    images: tuple[str, ...] = ()
    alt_texts: tuple[str, ...] = ()
    deleted: bool = False


class MetaEmulator(Emulator):
    """One account on Instagram's Graph API or on the Threads API (``kind``)."""

    kind = ""
    token = ""
    user_id = ""
    create_edge = ""
    publish_edge = ""
    text_field = ""
    status_field = ""
    quota_edge = ""
    quota_total = 50

    def __init__(self, *, clock: Callable[[], datetime] | None = None) -> None:
        super().__init__()
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        self.containers: dict[str, Container] = {}
        self.media: list[Media] = []
        self.public: dict[str, bytes] = {}  # path under /public/ -> bytes
        self.processing = 0  # new containers stay IN_PROGRESS for this many status reads
        self.token_expired = False
        self.quota_used = 0
        self.not_ready_publishes = 0  # the next publishes answer 9007 "media not ready" even when FINISHED
        self._ids = itertools.count(18000000000000001)

    # -- test controls ---------------------------------------------------------------------------------
    def serve(self, path: str, data: bytes) -> None:
        with self.lock:
            self.public[path] = data

    def image_url_template(self) -> str:
        return self.url + "/public/{path}"

    def environ(self) -> dict[str, str]:
        name = self.kind.upper()
        return {f"PMCPOST_{name}_API_URL": self.url, f"PMCPOST_{name}_ACCESS_TOKEN": self.token}

    def seen_posts(self) -> list[SeenPost]:
        with self.lock:
            return [SeenPost(m.id, m.text, m.reply_to) for m in self.media if not m.deleted]

    # -- the API ---------------------------------------------------------------------------------------
    def handle(self, request: Request) -> Reply:
        if request.path.startswith("/public/"):
            data = self.public.get(request.path[len("/public/") :])
            return Reply(200, data, {"content-type": "image/jpeg"}) if data is not None else Reply(404, b"not found")
        if request.headers.get("authorization") != f"Bearer {self.token}" or request.param("access_token"):
            return self._error(190, "Invalid OAuth access token - Cannot parse access token")
        if self.token_expired:
            return self._error(190, "Error validating access token: Session has expired.", subcode=463)
        parts = request.path.strip("/").split("/")
        if len(parts) < 2 or not re.match(r"^v\d+\.\d+$", parts[0]):
            return self._error(100, "Unknown path components")
        fields = {k: v[0] for k, v in parse_qs(request.body.decode(), keep_blank_values=True).items()}
        if fields.get("image_url") and not self._fetch(fields["image_url"]):  # as Meta does, outside the lock
            return self._error(
                9004, "Media download has failed. The media URI doesn't meet our requirements.", subcode=2207052
            )
        with self.lock:
            return self._route(request.method, parts[1:], fields, request)

    def _route(self, method: str, parts: list[str], fields: Mapping[str, str], request: Request) -> Reply:
        if parts == [self.user_id] and method == "GET":
            return Reply.json(200, {"id": self.user_id, "username": "pmcpune"})
        if parts == [self.user_id, self.create_edge] and method == "POST":
            return self._create(fields)
        if parts == [self.user_id, self.create_edge] and method == "GET":
            data = [self._media_fields(m) for m in reversed(self.media) if not m.deleted]
            return Reply.json(200, {"data": data[: int(request.param("limit") or 25)]})
        if parts == [self.user_id, self.publish_edge] and method == "POST":
            return self._publish(fields.get("creation_id", ""))
        if parts == [self.user_id, self.quota_edge] and method == "GET":
            config = {"quota_total": self.quota_total, "quota_duration": 86400}
            return Reply.json(200, {"data": [{"quota_usage": self.quota_used, "config": config}]})
        if len(parts) == 1 and parts[0] in self.containers and method == "GET":
            c = self.containers[parts[0]]
            if c.status == "IN_PROGRESS":
                c.reads_left -= 1
                if c.reads_left <= 0:
                    c.status = "FINISHED"
                return Reply.json(200, {"id": c.id, self.status_field: "IN_PROGRESS"})
            return Reply.json(200, {"id": c.id, self.status_field: c.status})
        media = next((m for m in self.media if len(parts) == 1 and m.id == parts[0] and not m.deleted), None)
        if media is not None and method == "GET":
            return Reply.json(200, self._media_fields(media))
        if media is not None and method == "DELETE" and self.kind == "threads":
            media.deleted = True
            return Reply.json(200, {"success": True})
        if len(parts) == 1 and method == "DELETE":
            return self._error(100, "Object does not exist", subcode=33)
        return self._error(100, f"Unsupported {method} request")

    def _create(self, fields: Mapping[str, str]) -> Reply:
        text = fields.get(self.text_field, "")
        if self.kind == "threads" and threads_length(text) > 500:
            return self._error(100, "The post text is too long: 500 characters at most (emoji count as their bytes)")
        if self.kind == "instagram" and len(text) > 2200:
            return self._error(100, "The caption is too long")
        url = fields.get("image_url")
        if self.kind == "instagram" and not url and fields.get("media_type") != "CAROUSEL":
            return self._error(100, "The parameter image_url is required.")
        children = [c for c in fields.get("children", "").split(",") if c]
        if any(c not in self.containers for c in children):
            return self._error(100, "Invalid children")
        container = Container(str(next(self._ids)), dict(fields))
        if self.processing:
            container.status, container.reads_left = "IN_PROGRESS", self.processing
        self.containers[container.id] = container
        return Reply.json(200, {"id": container.id})

    def _publish(self, creation_id: str) -> Reply:
        c = self.containers.get(creation_id)
        if c is None:
            return self._error(100, "Invalid creation_id")
        if c.status == "IN_PROGRESS" or self.not_ready_publishes > 0:
            self.not_ready_publishes = max(self.not_ready_publishes - 1, 0)
            return self._error(9007, "Media ID is not available", subcode=2207027)
        if c.status != "FINISHED":
            return self._error(100, f"The container is {c.status} and cannot be published")
        children = [self.containers[i] for i in c.fields.get("children", "").split(",") if i]
        images = [x.fields.get("image_url", "") for x in children] or [c.fields.get("image_url", "")]
        alts = [x.fields.get("alt_text", "") for x in children] or [c.fields.get("alt_text", "")]
        media = Media(
            str(next(self._ids)),
            c.fields.get(self.text_field, ""),
            self.clock(),
            c.fields.get("reply_to_id"),
            tuple(i for i in images if i),
            tuple(alts),
        )
        self.media.append(media)
        c.status, c.media_id = "PUBLISHED", media.id
        self.quota_used += 1
        return Reply.json(200, {"id": media.id})

    @staticmethod
    def _fetch(url: str) -> bool:
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:  # 127.0.0.1 only
                answer.read()
        except (urllib.error.URLError, OSError):
            return False
        return True

    def _media_fields(self, m: Media) -> dict[str, Any]:
        return {
            "id": m.id,
            self.text_field: m.text,
            "timestamp": m.timestamp.strftime("%Y-%m-%dT%H:%M:%S+0000"),
            "permalink": f"https://www.{self.kind}.com/p/{m.id}/",
        }

    def error_reply(self, status: int, headers: Mapping[str, str]) -> Reply:
        code = 2 if status >= 500 else 100
        return Reply.json(
            status,
            {"error": {"message": "An unexpected error has occurred.", "type": "OAuthException", "code": code}},
            headers,
        )

    def _error(self, code: int, message: str, *, subcode: int | None = None) -> Reply:
        error: dict[str, Any] = {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "Aemu"}
        if subcode is not None:
            error["error_subcode"] = subcode
        return Reply.json(400, {"error": error})


class InstagramEmulator(MetaEmulator):
    kind = "instagram"
    token = INSTAGRAM_TOKEN
    user_id = INSTAGRAM_USER
    create_edge = "media"
    publish_edge = "media_publish"
    text_field = "caption"
    status_field = "status_code"
    quota_edge = "content_publishing_limit"


class ThreadsEmulator(MetaEmulator):
    kind = "threads"
    token = THREADS_TOKEN
    user_id = THREADS_USER
    create_edge = "threads"
    publish_edge = "threads_publish"
    text_field = "text"
    status_field = "status"
    quota_edge = "threads_publishing_limit"
    quota_total = 250
