"""A Mastodon instance on 127.0.0.1: the REST API calls pmcpost makes, as Mastodon documents them.

GET /api/v2/instance (configuration.statuses.max_characters, characters_reserved_per_url,
max_media_attachments), GET /api/v1/accounts/verify_credentials, POST /api/v2/media (multipart ``file`` and
``description``; 200, or 202 while processing with GET /api/v1/media/:id answering 206 until done),
POST /api/v1/statuses (JSON or form; ``Idempotency-Key`` remembered for an hour: a repeat returns the same
status), DELETE /api/v1/statuses/:id, GET /api/v1/accounts/:id/statuses (newest first, max_id paging, HTML
content). Errors are Mastodon's ``{"error": "..."}`` with 401, 404, 422 and 429 (X-RateLimit-* headers). The
server counts a status as Mastodon does (graphemes, 23 per URL, a mention as its username).
"""

from __future__ import annotations

import email.parser
import email.policy
import html
import itertools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from .http import Emulator, Reply, Request, SeenPost

TOKEN = "mst-SECRET-5e6f7a8b9c0d1e2f"
ACCOUNT_ID = "109348723409812"
USERNAME = "PMCPune"
IDEMPOTENCY_MEMORY = timedelta(hours=1)
URL_RE = re.compile(r"https?://[^\s<>\"]+(?<![.,;:!?)\]'\"])")


@dataclass
class Status:
    id: str
    text: str
    created_at: datetime
    reply_to: str | None = None
    media_ids: tuple[str, ...] = ()
    language: str | None = None
    visibility: str = "public"
    deleted: bool = False


@dataclass
class Attachment:
    id: str
    data: bytes
    filename: str
    mime: str
    description: str | None
    polls_left: int = 0


@dataclass
class Instance:
    max_characters: int = 500
    url_weight: int = 23
    max_media: int = 4


def _length(text: str, url_weight: int) -> int:
    import regex

    text = URL_RE.sub("x" * url_weight, text)
    text = re.sub(r"(?<![\w/@])@(\w+)@[\w.-]+\w", r"@\1", text)
    return len(regex.findall(r"\X", text))


def _html(text: str) -> str:
    """A status's ``content`` as Mastodon renders it: paragraphs, line breaks and linked URLs."""

    def link(m: re.Match[str]) -> str:
        url = m.group(0)
        shown = url.split("://", 1)[1]
        return f'<a href="{html.escape(url)}" rel="nofollow noopener" target="_blank">{html.escape(shown[:30])}</a>'

    paragraphs = []
    for para in text.split("\n\n"):
        pieces = [URL_RE.sub(link, html.escape(line, quote=False)) for line in para.split("\n")]
        paragraphs.append("<p>" + "<br />".join(pieces) + "</p>")
    return "".join(paragraphs)


def _file_part(request: Request) -> tuple[str, str]:
    """The file name and content type of the multipart field ``file``."""
    head = f"Content-Type: {request.headers['content-type']}\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + request.body)
    for part in message.iter_parts():
        if part.get_param("name", header="content-disposition") == "file":
            return str(part.get_filename() or ""), part.get_content_type()
    return "", ""


class MastodonEmulator(Emulator):
    """One account on one instance. ``statuses`` keeps deleted ones, flagged."""

    def __init__(self, *, clock: Callable[[], datetime] | None = None, token: str = TOKEN) -> None:
        super().__init__()
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        self.token = token
        self.instance = Instance()
        self.instance_available = True
        self.media_processing_polls = 0  # 206 answers before an upload is processed
        self.statuses: list[Status] = []
        self.attachments: dict[str, Attachment] = {}
        self.keys: dict[str, tuple[datetime, str]] = {}  # Idempotency-Key -> (when, status id)
        self._ids = itertools.count(113500000000000001)

    # -- for tests/world.py ------------------------------------------------------------------------------
    def environ(self) -> dict[str, str]:
        return {"PMCPOST_MASTODON_API_URL": self.url, "PMCPOST_MASTODON_ACCESS_TOKEN": self.token}

    def seen_posts(self) -> list[SeenPost]:
        with self.lock:
            return [SeenPost(s.id, s.text, s.reply_to) for s in self.statuses if not s.deleted]

    def status(self, status_id: str) -> Status:
        return next(s for s in self.statuses if s.id == status_id)

    def rate_limit(self, path: str = "/api/v1/statuses", *, reset_at: datetime, times: int = 1) -> None:
        stamp = reset_at.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
        headers = {"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": stamp}
        self.fail(path, 429, times=times, headers=headers)

    # -- the API -----------------------------------------------------------------------------------------
    def error_reply(self, status: int, headers: Mapping[str, str]) -> Reply:
        words = {
            401: "The access token is invalid",
            404: "Record not found",
            422: "Validation failed",
            429: "Too many requests",
            500: "We're sorry, but something went wrong on our end.",
            503: "Service Unavailable",
        }
        return Reply.json(status, {"error": words.get(status, "Error")}, headers)

    def handle(self, request: Request) -> Reply:
        method, path = request.method, request.path
        if (method, path) == ("GET", "/api/v2/instance"):
            return self._instance()
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return Reply.json(401, {"error": "The access token is invalid"})
        with self.lock:
            if (method, path) == ("GET", "/api/v1/accounts/verify_credentials"):
                return Reply.json(
                    200, {"id": ACCOUNT_ID, "username": USERNAME, "acct": USERNAME, "display_name": "PMC"}
                )
            if (method, path) == ("POST", "/api/v2/media"):
                return self._upload(request)
            if method == "GET" and (m := re.fullmatch(r"/api/v1/media/(\d+)", path)):
                return self._media(m.group(1))
            if (method, path) == ("POST", "/api/v1/statuses"):
                return self._create(request)
            if method == "DELETE" and (m := re.fullmatch(r"/api/v1/statuses/(\d+)", path)):
                return self._delete(m.group(1))
            if method == "GET" and (m := re.fullmatch(r"/api/v1/accounts/(\d+)/statuses", path)):
                return self._account_statuses(request, m.group(1))
        return Reply.json(404, {"error": "Record not found"})

    def _instance(self) -> Reply:
        if not self.instance_available:
            return Reply.json(503, {"error": "Service Unavailable"})
        config = {
            "statuses": {
                "max_characters": self.instance.max_characters,
                "max_media_attachments": self.instance.max_media,
                "characters_reserved_per_url": self.instance.url_weight,
            },
            "media_attachments": {"image_size_limit": 16777216, "description_limit": 1500},
        }
        return Reply.json(
            200, {"domain": "127.0.0.1", "title": "Emulated", "version": "4.3.0", "configuration": config}
        )

    def _upload(self, request: Request) -> Reply:
        fields = request.multipart()
        if "file" not in fields:
            return Reply.json(422, {"error": "Validation failed: File can't be blank"})
        media_id = str(next(self._ids))
        description = fields["description"].decode("utf-8") if "description" in fields else None
        filename, mime = _file_part(request)
        item = Attachment(media_id, fields["file"], filename, mime, description, self.media_processing_polls)
        self.attachments[media_id] = item
        return Reply.json(202 if item.polls_left else 200, self._media_json(item))

    def _media_json(self, item: Attachment) -> dict[str, Any]:
        url = None if item.polls_left else f"{self.url}/system/media/{item.id}.png"
        return {"id": item.id, "type": "image", "url": url, "description": item.description}

    def _media(self, media_id: str) -> Reply:
        item = self.attachments.get(media_id)
        if item is None:
            return Reply.json(404, {"error": "Record not found"})
        if item.polls_left:
            item.polls_left -= 1
            return Reply.json(206, self._media_json(item))
        return Reply.json(200, self._media_json(item))

    def _create(self, request: Request) -> Reply:
        if request.content_type == "application/json":
            data = request.json() or {}
        else:
            form = request.form()
            data = {k.removesuffix("[]"): (v if k.endswith("[]") else v[0]) for k, v in form.items()}
        now = self.clock()
        key = request.headers.get("idempotency-key")
        if key and key in self.keys and now - self.keys[key][0] < IDEMPOTENCY_MEMORY:
            return Reply.json(200, self._status_json(self.status(self.keys[key][1])))
        text = str(data.get("status") or "")
        media_ids = tuple(str(i) for i in data.get("media_ids") or ())
        if not text and not media_ids:
            return Reply.json(422, {"error": "Validation failed: Text can't be blank"})
        if _length(text, self.instance.url_weight) > self.instance.max_characters:
            limit = self.instance.max_characters
            return Reply.json(422, {"error": f"Validation failed: Text character limit of {limit} exceeded"})
        if len(media_ids) > self.instance.max_media or any(i not in self.attachments for i in media_ids):
            return Reply.json(422, {"error": "Validation failed: Media attachments are invalid"})
        reply_to = data.get("in_reply_to_id")
        if reply_to is not None and not any(s.id == str(reply_to) and not s.deleted for s in self.statuses):
            return Reply.json(404, {"error": "Record not found"})
        status = Status(
            str(next(self._ids)),
            text,
            now,
            str(reply_to) if reply_to is not None else None,
            media_ids,
            data.get("language"),
            str(data.get("visibility") or "public"),
        )
        self.statuses.append(status)
        if key:
            self.keys[key] = (now, status.id)
        return Reply.json(200, self._status_json(status))

    def _status_json(self, status: Status) -> dict[str, Any]:
        return {
            "id": status.id,
            "created_at": status.created_at.astimezone(timezone.utc)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "in_reply_to_id": status.reply_to,
            "visibility": status.visibility,
            "language": status.language,
            "url": f"https://social.example/@{USERNAME}/{status.id}",
            "content": _html(status.text),
            "media_attachments": [self._media_json(self.attachments[i]) for i in status.media_ids],
            "account": {"id": ACCOUNT_ID, "acct": USERNAME},
        }

    def _delete(self, status_id: str) -> Reply:
        status = next((s for s in self.statuses if s.id == status_id and not s.deleted), None)
        if status is None:
            return Reply.json(404, {"error": "Record not found"})
        status.deleted = True
        return Reply.json(200, {**self._status_json(status), "text": status.text})

    def _account_statuses(self, request: Request, account_id: str) -> Reply:
        if account_id != ACCOUNT_ID:
            return Reply.json(404, {"error": "Record not found"})
        limit = min(int(request.param("limit") or 20), 40)
        max_id = request.param("max_id")
        live = sorted((s for s in self.statuses if not s.deleted), key=lambda s: int(s.id), reverse=True)
        if max_id:
            live = [s for s in live if int(s.id) < int(max_id)]
        return Reply.json(200, [self._status_json(s) for s in live[:limit]])
