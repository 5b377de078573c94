"""A tiny notice-board API on 127.0.0.1, for the throwaway platform of tests/test_new_platform.py.

Bearer-token JSON: GET /v1/me, POST /v1/notices {"text"} -> 201 {"id", "url"}, GET /v1/notices?since=ISO,
DELETE /v1/notices/ID -> 204. A notice longer than 500 characters is refused with 422.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import datetime, timezone

from .http import Emulator, Reply, Request, SeenPost

TOKEN = "nb-SECRET-3c4d5e6f7a8b"
LIMIT = 500


@dataclass
class Notice:
    id: str
    text: str
    created_at: datetime
    deleted: bool = False


class NoticeBoardEmulator(Emulator):
    """The notice board of one account."""

    def __init__(self, token: str = TOKEN) -> None:
        super().__init__()
        self.token = token
        self.notices: list[Notice] = []
        self._ids = itertools.count(1)

    # -- for tests/world.py ------------------------------------------------------------------------------
    def environ(self) -> dict[str, str]:
        return {"PMCPOST_NOTICEBOARD_API_URL": self.url, "PMCPOST_NOTICEBOARD_TOKEN": self.token}

    def seen_posts(self) -> list[SeenPost]:
        with self.lock:
            return [SeenPost(n.id, n.text) for n in self.notices if not n.deleted]

    # -- the API -----------------------------------------------------------------------------------------
    def handle(self, request: Request) -> Reply:
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return Reply.json(401, {"error": "bad token"})
        with self.lock:
            if (request.method, request.path) == ("GET", "/v1/me"):
                return Reply.json(200, {"name": "PMC notices"})
            if (request.method, request.path) == ("POST", "/v1/notices"):
                text = str((request.json() or {}).get("text", ""))
                if len(text) > LIMIT:
                    return Reply.json(422, {"error": f"a notice has at most {LIMIT} characters"})
                notice = Notice(str(next(self._ids)), text, datetime.now(timezone.utc))
                self.notices.append(notice)
                return Reply.json(201, {"id": notice.id, "url": f"https://notices.example.org/n/{notice.id}"})
            if (request.method, request.path) == ("GET", "/v1/notices"):
                since = datetime.fromisoformat(request.param("since") or "1970-01-01T00:00:00+00:00")
                found = [n for n in self.notices if not n.deleted and n.created_at >= since]
                return Reply.json(200, {"notices": [{"id": n.id, "text": n.text} for n in found]})
            match = re.fullmatch(r"/v1/notices/(\d+)", request.path)
            if request.method == "DELETE" and match:
                gone = next((n for n in self.notices if n.id == match.group(1) and not n.deleted), None)
                if gone is None:
                    return Reply.json(404, {"error": "no such notice"})
                gone.deleted = True
                return Reply(204)
        return Reply.json(404, {"error": f"no route for {request.method} {request.path}"})
