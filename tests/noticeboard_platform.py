"""A throwaway fourth platform, written from docs/adding-a-platform.md alone: its description and its adapter
in one module (the adapter needs only the standard library), registered by tests/test_new_platform.py."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from pmcpost.credentials import read_credential
from pmcpost.errors import CredentialsError, OutcomeUnknown, PlatformError
from pmcpost.platforms import AccountInfo, Message, RemotePost
from pmcpost.platforms.spec import MediaRules, Option, PlatformSpec

if TYPE_CHECKING:
    from pmcpost.config import Config, PlatformConfig

SPEC = PlatformSpec(
    name="noticeboard",
    display_name="the notice board",
    adapter="noticeboard_platform:NoticeBoardPlatform",
    order=5,  # after X and Facebook, before the website
    api_url="https://notices.example.org",
    credentials={"token": "PMCPOST_NOTICEBOARD_TOKEN"},
    options={"board": Option(choices=("city", "ward"), description="which board to post on")},
    text_limit=500,
    measure="builtins:len",
    media=MediaRules(max_items=None, alt_text=False),
    can_look_up=True,
    linked_from_website=True,
)


class NoticeBoardPlatform:
    """Posts each announcement as one notice."""

    name: ClassVar[str] = "noticeboard"

    def __init__(self, settings: PlatformConfig, config: Config, environ: Mapping[str, str]) -> None:
        self.settings = settings
        self.variable = settings.credentials["token"]
        token = read_credential(environ, self.variable)
        if not token:
            raise CredentialsError(f"the notice board token is missing: set {self.variable}")
        self._token = token

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None, *, creates: bool = False) -> Any:
        request = urllib.request.Request(
            self.settings.api_url + path,
            data=json.dumps(body).encode() if body is not None else None,
            method=method,
            headers={"Authorization": f"Bearer {self._token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.settings.timeout) as response:
                data = response.read()
        except urllib.error.HTTPError as exc:
            if exc.code == 401:
                raise CredentialsError(f"the notice board refused the token in {self.variable}") from None
            if exc.code == 404 and method == "DELETE":
                return None  # already gone
            raise PlatformError(f"the notice board answered HTTP {exc.code}", retryable=exc.code >= 500) from None
        except OSError:  # no answer: a create may or may not have been made
            if creates:
                raise OutcomeUnknown("no answer from the notice board; the notice may or may not exist") from None
            raise PlatformError("no answer from the notice board", retryable=True) from None
        return json.loads(data) if data else None

    def check_credentials(self) -> AccountInfo:
        return AccountInfo(name=str(self._call("GET", "/v1/me")["name"]))

    def post(self, message: Message, index: int, reply_to: RemotePost | None) -> RemotePost:
        made = self._call("POST", "/v1/notices", {"text": message.parts[index].text}, creates=True)
        return RemotePost(str(made["id"]), str(made["url"]))

    def find_existing(self, message: Message, index: int, since: datetime) -> RemotePost | None:
        found = self._call("GET", f"/v1/notices?since={urllib.parse.quote(since.isoformat())}")
        for notice in found["notices"]:
            if notice["text"] == message.parts[index].text:
                return RemotePost(str(notice["id"]), f"https://notices.example.org/n/{notice['id']}")
        return None

    def delete(self, remote_id: str, reason: str) -> None:
        self._call("DELETE", f"/v1/notices/{remote_id}")

    def close(self) -> None:
        """Nothing is held open."""


def split_notices(text: str, limit: int) -> list[str]:
    """Cut ``text`` at spaces into notices of at most ``limit`` characters, numbered " [1/3]" (a threading
    variant of the board brings its own splitter: PlatformSpec.threads.split)."""
    reserve = len(" (99/99)")
    chunks: list[str] = []
    for word in text.split():
        if chunks and len(chunks[-1]) + 1 + len(word) <= limit - reserve:
            chunks[-1] += " " + word
        else:
            chunks.append(word)
    if len(chunks) == 1:
        return chunks
    return [f"{chunk} [{i}/{len(chunks)}]" for i, chunk in enumerate(chunks, 1)]
