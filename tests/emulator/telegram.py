"""A local Telegram Bot API for one bot and one channel: ``POST /bot<TOKEN>/<method>`` with JSON, form or
multipart bodies, answers ``{"ok": true, "result": ...}`` and errors as ``{"ok": false, "error_code",
"description", "parameters": {"retry_after"}}`` with the same HTTP status, lengths counted in UTF-16 units.

Methods: getMe, getChat, sendMessage, sendPhoto, sendMediaGroup (2-10 photos, caption on the first),
deleteMessage (only under 48 hours). ``echo_path`` makes its errors repeat the request path, token included,
as a careless proxy would, so tests can prove the token never leaves pmcpost.
"""

from __future__ import annotations

import itertools
import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .http import Emulator, Reply, Request, SeenPost

BOT_TOKEN = "7123456789:AAHpmcTestBotTokenZx9Qw7Rt5Yu3Io1Pa8"
CHANNEL = "@pmcpune"  # the channel in the repository's config.yaml
CHAT_ID = -1001987654321
BOT_ID = 7123456789
PATH_RE = re.compile(r"^/bot([^/]+)/(\w+)$")
DELETE_WINDOW = 48 * 3600


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass
class ChannelMessage:
    id: int
    text: str  # the text, or the caption of a photo or album's first photo
    date: float
    photos: int = 0
    album: list[int] = field(default_factory=list)  # the ids of an album's messages (this is its first)
    reply_to: int | None = None
    deleted: bool = False
    album_head: int | None = None  # for an album's later photos: its first message


class TelegramEmulator(Emulator):
    """The Bot API as one bot sees it, administrator of one channel."""

    def __init__(self, token: str = BOT_TOKEN, *, clock: Any = time.time) -> None:
        super().__init__()
        self.token = token
        self.clock = clock
        self.messages: dict[int, ChannelMessage] = {}
        self._ids = itertools.count(101)
        self.echo_path = False
        self.garble = ""  # added to every error's description, as a broken platform or proxy might garble it
        self.photos_seen: list[bytes] = []

    # -- for tests/world.py ------------------------------------------------------------------------------
    def environ(self) -> dict[str, str]:
        return {"PMCPOST_TELEGRAM_API_URL": self.url, "PMCPOST_TELEGRAM_BOT_TOKEN": self.token}

    def seen_posts(self) -> list[SeenPost]:
        with self.lock:
            out = []
            for m in self.messages.values():
                if m.deleted or m.album_head is not None:
                    continue
                ids = m.album or [m.id]
                reply = None
                if m.reply_to is not None:
                    head = self.messages[m.reply_to]
                    reply = f"{CHAT_ID}:{','.join(str(i) for i in head.album or [head.id])}"
                out.append(SeenPost(f"{CHAT_ID}:{','.join(map(str, ids))}", m.text, reply))
            return out

    # -- the API -----------------------------------------------------------------------------------------
    def error_reply(self, status: int, headers: Mapping[str, str]) -> Reply:
        descriptions = {429: "Too Many Requests: retry after 3", 502: "Bad Gateway", 500: "Internal Server Error"}
        description = descriptions.get(status, "Error") + self.garble
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if status == 429:
            body["parameters"] = {"retry_after": 3}
        return Reply.json(status, body, headers)

    def _error(self, request: Request, status: int, description: str, **parameters: Any) -> Reply:
        if self.echo_path:
            description += f" (while serving {request.path})"
        description += self.garble
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if parameters:
            body["parameters"] = parameters
        return Reply.json(status, body)

    def fields(self, request: Request) -> tuple[dict[str, Any], dict[str, bytes]]:
        """The call's parameters as any client sends them (JSON, form or multipart), and its files."""
        if request.content_type == "application/json":
            return dict(request.json() or {}), {}
        if request.content_type == "multipart/form-data":
            parts = request.multipart()
            files = {k: v for k, v in parts.items() if k.startswith("photo")}
            return {k: v.decode("utf-8") for k, v in parts.items() if k not in files}, files
        return {k: v[0] for k, v in request.form().items()}, {}

    def handle(self, request: Request) -> Reply:
        match = PATH_RE.match(request.path)
        if request.method not in ("GET", "POST") or match is None:
            return Reply.json(404, {"ok": False, "error_code": 404, "description": "Not Found"})
        token, method = match.groups()
        if token != self.token:
            return self._error(request, 401, "Unauthorized")
        args, files = self.fields(request)
        with self.lock:
            if method == "getMe":
                me = {"id": BOT_ID, "is_bot": True, "first_name": "PMC announcements", "username": "pmc_notices_bot"}
                return Reply.json(200, {"ok": True, "result": me})
            if str(args.get("chat_id")) not in (CHANNEL, str(CHAT_ID)):
                return self._error(request, 400, "Bad Request: chat not found")
            if method == "getChat":
                chat = {"id": CHAT_ID, "type": "channel", "title": "Pune Municipal Corporation", "username": "pmcpune"}
                return Reply.json(200, {"ok": True, "result": chat})
            if method == "sendMessage":
                text = str(args.get("text") or "")
                if not text.strip():
                    return self._error(request, 400, "Bad Request: message text is empty")
                if utf16(text) > 4096:
                    return self._error(request, 400, "Bad Request: message is too long")
                return self._sent([self._new(text, 0, args)])
            if method == "sendPhoto":
                caption = str(args.get("caption") or "")
                if utf16(caption) > 1024:
                    return self._error(request, 400, "Bad Request: message caption is too long")
                if "photo" not in files:
                    return self._error(request, 400, "Bad Request: there is no photo in the request")
                self.photos_seen.append(files["photo"])
                return self._sent([self._new(caption, 1, args)])
            if method == "sendMediaGroup":
                return self._album(request, args, files)
            if method == "deleteMessage":
                found = self.messages.get(int(args.get("message_id") or 0))
                if found is None or found.deleted:
                    return self._error(request, 400, "Bad Request: message to delete not found")
                if self.clock() - found.date >= DELETE_WINDOW:
                    return self._error(request, 400, "Bad Request: message can't be deleted")
                found.deleted = True
                return Reply.json(200, {"ok": True, "result": True})
        return Reply.json(404, {"ok": False, "error_code": 404, "description": "Not Found"})

    def _album(self, request: Request, args: dict[str, Any], files: dict[str, bytes]) -> Reply:
        try:
            media = json.loads(str(args.get("media") or "[]"))
        except ValueError:
            return self._error(request, 400, "Bad Request: can't parse media JSON object")
        if not isinstance(media, list) or not 2 <= len(media) <= 10:
            return self._error(request, 400, "Bad Request: wrong number of media in the group (2-10)")
        for item in media:
            name = str(item.get("media", "")).removeprefix("attach://")
            if item.get("type") != "photo" or name not in files:
                return self._error(request, 400, f"Bad Request: file {name!r} not found in the request")
        caption = str(media[0].get("caption") or "")
        if utf16(caption) > 1024:
            return self._error(request, 400, "Bad Request: message caption is too long")
        made = [self._new(caption if i == 0 else "", 1, args) for i in range(len(media))]
        made[0].album = [m.id for m in made]
        for m in made[1:]:
            m.album_head = made[0].id
        self.photos_seen.extend(files[str(item["media"]).removeprefix("attach://")] for item in media)
        return self._sent(made)

    def _new(self, text: str, photos: int, args: Mapping[str, Any]) -> ChannelMessage:
        reply = args.get("reply_parameters")
        if isinstance(reply, str):
            reply = json.loads(reply)
        reply_to = int(reply["message_id"]) if isinstance(reply, dict) else None
        message = ChannelMessage(next(self._ids), text, self.clock(), photos, reply_to=reply_to)
        self.messages[message.id] = message
        return message

    def _sent(self, made: list[ChannelMessage]) -> Reply:
        chat = {"id": CHAT_ID, "type": "channel", "title": "Pune Municipal Corporation", "username": "pmcpune"}
        results = []
        for m in made:
            result: dict[str, Any] = {"message_id": m.id, "date": int(m.date), "chat": chat}
            if m.photos:
                result["photo"] = [{"file_id": f"photo-{m.id}", "width": 800, "height": 600}]
                if m.text:
                    result["caption"] = m.text
            else:
                result["text"] = m.text
            results.append(result)
        return Reply.json(200, {"ok": True, "result": results if len(made) > 1 else results[0]})
