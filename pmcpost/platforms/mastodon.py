"""The Mastodon adapter: plain requests to any instance's REST API (docs/decisions.md says why not Mastodon.py).

POST /api/v2/media (``description`` = alt text), POST /api/v1/statuses with an ``Idempotency-Key`` derived from
the post (so a retry after a lost answer within the instance's hour of memory returns the same status),
DELETE /api/v1/statuses/:id, GET /api/v1/accounts/verify_credentials, and for older lost answers the account's
statuses (text and time matched, never "the newest"). The instance's limits (GET /api/v2/instance) are cached
in ``.git/pmcpost/`` for a day, where validate and preview read them without the network.
"""

from __future__ import annotations

import html
import re
import time
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, NoReturn

from pmcpost.credentials import required_credential
from pmcpost.errors import CredentialsError, OutcomeUnknown, PlatformError, RateLimited
from pmcpost.platforms import AccountInfo, Media, Message, RemotePost
from pmcpost.platforms.fedtext import URL_RE, URL_WEIGHT, mastodon_length
from pmcpost.platforms.mastodon_spec import LIMITS_FILE, cached_instance, idempotency_key, instance_limit_at
from pmcpost.platforms.restapi import Answer, JsonApi, first_text, read_json, server_trouble, state_dir, write_private

if TYPE_CHECKING:
    from pmcpost.config import Config, PlatformConfig

LIMITS_MAX_AGE = 24 * 3600.0  # read the instance's limits again after a day
MEDIA_POLLS = 20
STATUS_PAGES = 5  # up to 200 recent statuses searched by find_existing
SCOPES = "write:statuses write:media read:statuses"
_TAG_RE = re.compile(r"<br\s*/?>|</p>\s*<p>|<[^>]+>")


@dataclass(frozen=True)
class InstanceLimits:
    """What the instance allows, and where the figures come from."""

    max_characters: int
    url_weight: int
    max_media: int
    source: str


def cached_limits(root: Path, api_url: str) -> InstanceLimits:
    """The instance's limits as last read by a post or doctor, without the network; the defaults otherwise."""
    limit, source = instance_limit_at(root, api_url)
    data = cached_instance(root, api_url)
    return InstanceLimits(
        limit,
        int(data.get("characters_reserved_per_url", URL_WEIGHT)),
        int(data.get("max_media_attachments", 4)),
        source,
    )


def plain_text(content: str) -> str:
    """A status's HTML ``content`` as text, links masked, for comparing with what we sent."""
    text = html.unescape(_TAG_RE.sub(lambda m: " ", content))
    return comparable(text)


def comparable(text: str) -> str:
    return " ".join(URL_RE.sub("\x00link\x00", unicodedata.normalize("NFC", text)).split())


class MastodonPlatform:
    """Posts to one Mastodon account on the instance ``api_url`` names."""

    name: ClassVar[str] = "mastodon"

    def __init__(
        self,
        settings: PlatformConfig,
        config: Config,
        environ: Mapping[str, str],
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings
        self._clock = clock
        self._sleep = sleep
        self.variable, token = required_credential(
            "mastodon", settings.credentials, environ, "access_token", "the Mastodon access token"
        )
        self.api_url = settings.api_url.rstrip("/")
        self._api = JsonApi("Mastodon", self.api_url, settings.timeout)
        self._api.session.headers["Authorization"] = f"Bearer {token}"
        self._root = config.root
        self._state = state_dir(config.root)
        self._account: str | None = settings.options.get("account")
        self._visibility = str(settings.options.get("visibility") or "public")
        self._me: dict[str, Any] | None = None
        self._limits: InstanceLimits | None = None

    def __repr__(self) -> str:
        return f"MastodonPlatform(api_url={self.api_url!r}, token=${self.variable})"

    # -- the Platform protocol -------------------------------------------------------------------------
    def check_credentials(self) -> AccountInfo:
        me = self._whoami()
        acct = str(me.get("acct", ""))
        if self._account and acct.lower() != self._account.lstrip("@").lower():
            raise CredentialsError(
                f"the Mastodon token in {self.variable} belongs to @{acct}, but platforms.mastodon.account is "
                f"{self._account}"
            )
        limits = self.limits()
        return AccountInfo(
            name=f"@{acct}",
            details={"instance": self.api_url, "limit": f"{limits.max_characters} characters ({limits.source})"},
        )

    def post(self, message: Message, index: int, reply_to: RemotePost | None) -> RemotePost:
        part = message.parts[index]
        what = f"posting part {index + 1} of {len(message.parts)} of {message.announcement.id}"
        limits = self.limits()
        length = mastodon_length(part.text, limits.url_weight)
        if length > limits.max_characters:
            raise PlatformError(
                f"part {index + 1} of {message.announcement.id} is {length} characters; the instance allows "
                f"{limits.max_characters} ({limits.source})"
            )
        if len(part.media) > limits.max_media:
            raise PlatformError(f"{len(part.media)} images; the instance allows {limits.max_media} per status")
        data: dict[str, Any] = {"status": part.text, "visibility": self._visibility}
        if "+" not in part.language:
            data["language"] = part.language
        if reply_to is not None:
            data["in_reply_to_id"] = reply_to.id
        media_ids = [self._upload(m) for m in part.media]
        if media_ids:
            data["media_ids"] = media_ids
        headers = {"Idempotency-Key": idempotency_key(message, index)}
        answer = self._api.call("POST", "/api/v1/statuses", what, creates=True, json=data, headers=headers)
        body = self._check(answer, what, creates=True)
        if not body.get("id"):
            raise OutcomeUnknown(f"Mastodon accepted the status but named no id while {what}")
        return RemotePost(str(body["id"]), str(body.get("url") or f"{self.api_url}/statuses/{body['id']}"))

    def find_existing(self, message: Message, index: int, since: datetime) -> RemotePost | None:
        wanted = comparable(message.parts[index].text)
        account = str(self._whoami()["id"])
        params: dict[str, Any] = {"limit": 40, "exclude_reblogs": "true"}
        for _ in range(STATUS_PAGES):
            answer = self._api.call(
                "GET", f"/api/v1/accounts/{account}/statuses", "reading recent statuses", params=params
            )
            page = self._check(answer, "reading recent statuses")
            statuses = page if isinstance(page, list) else []
            for status in statuses:
                created = _parse_time(status.get("created_at"))
                if created is not None and created >= since and plain_text(str(status.get("content", ""))) == wanted:
                    return RemotePost(str(status["id"]), str(status.get("url") or ""))
            older = [s for s in statuses if (_parse_time(s.get("created_at")) or since) < since]
            if not statuses or older:
                return None
            params["max_id"] = str(statuses[-1]["id"])
        return None

    def delete(self, remote_id: str, reason: str) -> None:
        # Mastodon keeps no public reason; it stays in our audit log.
        what = f"deleting status {remote_id}"
        answer = self._api.call("DELETE", f"/api/v1/statuses/{remote_id}", what)
        if answer.status == 404:
            return  # already gone
        self._check(answer, what)

    def close(self) -> None:
        self._api.close()

    # -- the instance ----------------------------------------------------------------------------------
    def limits(self) -> InstanceLimits:
        """The instance's limits: cached for a day in .git/pmcpost/, read from /api/v2/instance when older."""
        if self._limits is not None:
            return self._limits
        path = self._state / LIMITS_FILE
        cached = read_json(path)
        fresh = (
            cached.get("api_url") == self.api_url
            and self._clock() - float(cached.get("fetched_at", 0)) < LIMITS_MAX_AGE
        )
        if not fresh:
            try:
                answer = self._api.call("GET", "/api/v2/instance", "reading the instance's limits")
                config = (answer.body or {}).get("configuration") or {} if answer.status == 200 else {}
                statuses = config.get("statuses") or {}
                if isinstance(statuses.get("max_characters"), int):
                    write_private(
                        path,
                        {
                            "api_url": self.api_url,
                            "fetched_at": self._clock(),
                            "max_characters": statuses["max_characters"],
                            "characters_reserved_per_url": statuses.get("characters_reserved_per_url", URL_WEIGHT),
                            "max_media_attachments": statuses.get("max_media_attachments", 4),
                        },
                    )
            except (PlatformError, AttributeError, TypeError):
                pass  # the cached or default figures stand; the post itself will say if they were wrong
        self._limits = cached_limits(self._root, self.api_url)
        return self._limits

    # -- plumbing --------------------------------------------------------------------------------------
    def _upload(self, media: Media) -> str:
        what = f"uploading {media.path.name}"
        try:
            data = media.path.read_bytes()
        except OSError as exc:
            raise PlatformError(f"cannot read {media.path}: {exc.strerror}") from None
        answer = self._api.call(
            "POST",
            "/api/v2/media",
            what,
            files={"file": (media.path.name, data, media.mime)},
            data={"description": media.alt} if media.alt else {},
        )
        body = self._check(answer, what)
        media_id = str(body["id"])
        polls = 0
        while answer.status == 202 or not body.get("url"):  # still being processed
            polls += 1
            if polls > MEDIA_POLLS:
                raise PlatformError(f"Mastodon is still processing {media.path.name}; try again later", retryable=True)
            self._sleep(1.0)
            answer = self._api.call("GET", f"/api/v1/media/{media_id}", what)
            if answer.status == 206:
                continue
            body = self._check(answer, what)
        return media_id

    def _whoami(self) -> dict[str, Any]:
        if self._me is None:
            what = "checking the Mastodon account"
            body = self._check(self._api.call("GET", "/api/v1/accounts/verify_credentials", what), what)
            if not body.get("id"):
                raise PlatformError(f"Mastodon named no account while {what}", retryable=True)
            self._me = body
        return self._me

    def _check(self, answer: Answer, what: str, *, creates: bool = False) -> Any:
        """The answer's JSON when it succeeded; Mastodon's {"error": ...} turned into pmcpost's errors."""
        if 200 <= answer.status < 300:
            if answer.body is None:
                self._garbled(what, creates)
            return answer.body
        said = first_text(answer.body, "error", "error_description") or f"HTTP {answer.status}"
        if answer.status == 401:
            raise CredentialsError(
                f"Mastodon rejected the token in {self.variable} while {what} ({said}); create a new one with "
                f"the scopes {SCOPES}"
            )
        if answer.status == 403:
            raise PlatformError(
                f"Mastodon refused {what}: {said}; the token needs the scopes {SCOPES}", stop_platform=True
            )
        if answer.status == 429:
            raise RateLimited(f"Mastodon's rate limit is reached ({what})", _reset_at(answer.headers))
        if answer.status >= 500:
            server_trouble("Mastodon", answer, what, creates, said)
        raise PlatformError(f"Mastodon refused {what}: {said} (HTTP {answer.status})")

    def _garbled(self, what: str, creates: bool) -> NoReturn:
        if creates:
            raise OutcomeUnknown(f"Mastodon sent an empty answer while {what}; the post may or may not exist")
        raise PlatformError(f"Mastodon sent an empty answer while {what}", retryable=True)


def _parse_time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _reset_at(headers: Mapping[str, str]) -> float | None:
    """X-RateLimit-Reset is an ISO 8601 time."""
    when = _parse_time(headers.get("X-RateLimit-Reset") or headers.get("x-ratelimit-reset"))
    return when.timestamp() if when is not None else None
