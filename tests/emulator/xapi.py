"""An emulator of the parts of the X API v2 pmcpost uses, checked against X's documented request and reply shapes.

Endpoints: POST /2/tweets, DELETE /2/tweets/:id, GET /2/users/me, GET /2/users/:id/tweets, the v2 chunked
media upload (initialize, append, finalize, status) and POST /2/media/metadata. Every request must carry a
valid OAuth 1.0a HMAC-SHA1 signature for the configured keys, verified with oauthlib as X would.
"""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http import HTTPStatus
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

import pytest
from oauthlib.oauth1.rfc5849 import signature as oauth_signature

from .http import Emulator, Reply, Request, SeenPost

# Test credentials: distinctive, so tests can assert they never leak into messages or reprs.
CONSUMER_KEY = "ck-emulator-1d5c2b"
CONSUMER_SECRET = "cs-SECRET-9f8e7d6c5b4a"
ACCESS_TOKEN = "1790000000000000001-at-emulator-77aa"
ACCESS_TOKEN_SECRET = "ats-SECRET-0a1b2c3d4e5f"

USER_ID = "1790000000000000001"
USERNAME = "PMCPune"
DISPLAY_NAME = "पुणे महानगरपालिका"

DUPLICATE_DETAIL = "You are not allowed to create a Tweet with duplicate content."
# URLs as X wraps them in t.co: with a scheme, or a bare domain such as pmc.gov.in; ASCII only, since a
# link stops at the first non-ASCII character, and without trailing punctuation.
URL_RE = re.compile(
    r"(?:https?://[\x21-\x7e]+|\b(?:[A-Za-z0-9-]+\.)+(?:in|com|org|net|gov|io)(?:/[\x21-\x7e]*)?)(?<![.,;:!?)'\"])"
)


@dataclass
class Tweet:
    """A post the emulator holds; ``text`` is what was sent, ``display_text`` what X would return."""

    id: str
    text: str
    created_at: datetime
    reply_to: str | None = None
    media_ids: tuple[str, ...] = ()
    deleted: bool = False


@dataclass
class Upload:
    """A media upload session and what it received."""

    id: str
    media_type: str
    total_bytes: int
    category: str | None
    segments: dict[int, bytes] = field(default_factory=dict)
    finalized: bool = False
    status_polls: int = 0  # STATUS answers still "in_progress"
    processed: bool = False  # whether X reports processing_info for it (video, GIF, or programmed by a test)
    alt_text: str | None = None

    @property
    def data(self) -> bytes:
        return b"".join(self.segments[i] for i in sorted(self.segments))

    @property
    def key(self) -> str:
        return f"3_{self.id}"


def _problem(status: int, detail: str, title: str | None = None, type_: str = "about:blank") -> dict[str, Any]:
    """X's v2 error body (RFC 7807 problem details)."""
    return {"title": title or HTTPStatus(status).phrase, "detail": detail, "type": type_, "status": status}


def _invalid(message: str, parameter: str, value: Any) -> Reply:
    body = _problem(
        400,
        "One or more parameters to your request was invalid.",
        "Invalid Request",
        "https://api.twitter.com/2/problems/invalid-request",
    )
    body["errors"] = [{"parameters": {parameter: [str(value)]}, "message": message}]
    return Reply.json(400, body)


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


class XApiEmulator(Emulator):
    """The X API on 127.0.0.1. ``posts`` holds every tweet created (deleted ones stay, flagged)."""

    def __init__(
        self,
        *,
        clock: Callable[[], datetime] | None = None,
        daily_limit: int = 17,
        consumer_key: str = CONSUMER_KEY,
        consumer_secret: str = CONSUMER_SECRET,
        access_token: str = ACCESS_TOKEN,
        access_token_secret: str = ACCESS_TOKEN_SECRET,
    ) -> None:
        super().__init__()
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        self.daily_limit = daily_limit
        self.consumer_key = consumer_key
        self.consumer_secret = consumer_secret
        self.access_token = access_token
        self.access_token_secret = access_token_secret
        self.posts: list[Tweet] = []
        self.uploads: dict[str, Upload] = {}
        #: STATUS polls that answer "in_progress" before "succeeded", for uploads started from now on.
        self.processing_polls = 0
        self._ids = itertools.count(1867000000000000001)
        self._links = itertools.count(1)
        self._daily_used = 0

    # -- helpers for tests -----------------------------------------------------------------------------
    def environ(self, **overrides: str) -> dict[str, str]:
        """The environment pmcpost reads: the API address and the four credentials."""
        env = {
            "PMCPOST_TWITTER_API_URL": self.url,
            "PMCPOST_TWITTER_CONSUMER_KEY": self.consumer_key,
            "PMCPOST_TWITTER_CONSUMER_SECRET": self.consumer_secret,
            "PMCPOST_TWITTER_ACCESS_TOKEN": self.access_token,
            "PMCPOST_TWITTER_ACCESS_TOKEN_SECRET": self.access_token_secret,
        }
        env.update(overrides)
        return env

    def live_posts(self) -> list[Tweet]:
        with self.lock:
            return [t for t in self.posts if not t.deleted]

    def seen_posts(self) -> list[SeenPost]:
        return [SeenPost(t.id, t.text, t.reply_to) for t in self.live_posts()]

    def rate_limit(self, path: str = "/2/tweets", *, reset_at: int | None = None, times: int = 1) -> None:
        """Answer 429 to the next requests to ``path``, with x-rate-limit-reset when ``reset_at`` is given."""
        headers = {"x-rate-limit-limit": "100", "x-rate-limit-remaining": "0"}
        if reset_at is not None:
            headers["x-rate-limit-reset"] = str(reset_at)
        self.fail(path, 429, times=times, headers=headers)

    def alt_text_of(self, media_id: str) -> str | None:
        with self.lock:
            return self.uploads[media_id].alt_text

    def media_of(self, tweet: Tweet) -> list[Upload]:
        """The uploads a tweet carries, in order."""
        with self.lock:
            return [self.uploads[mid] for mid in tweet.media_ids]

    def error_reply(self, status: int, headers: Mapping[str, str]) -> Reply:
        return Reply.json(status, _problem(status, HTTPStatus(status).phrase), headers)

    # -- dispatch --------------------------------------------------------------------------------------
    def handle(self, request: Request) -> Reply:
        if not self._signed(request):
            return Reply.json(401, _problem(401, "Unauthorized"))
        routes: list[tuple[str, str, Callable[..., Reply]]] = [
            ("POST", r"/2/tweets", self._create_tweet),
            ("DELETE", r"/2/tweets/(\d+)", self._delete_tweet),
            ("GET", r"/2/users/me", self._me),
            ("GET", r"/2/users/(\d+)/tweets", self._user_tweets),
            ("POST", r"/2/media/upload/initialize", self._initialize),
            ("POST", r"/2/media/upload/(\d+)/append", self._append),
            ("POST", r"/2/media/upload/(\d+)/finalize", self._finalize),
            ("GET", r"/2/media/upload", self._status),
            ("POST", r"/2/media/metadata", self._metadata),
        ]
        for method, pattern, action in routes:
            match = re.fullmatch(pattern, request.path)
            if match and method == request.method:
                with self.lock:
                    return action(request, *match.groups())
        return Reply.json(404, _problem(404, f"No route for {request.method} {request.path}", "Not Found"))

    def _signed(self, request: Request) -> bool:
        """Verify OAuth 1.0a HMAC-SHA1 as the RFC says: query, Authorization header and a urlencoded body."""
        authorization = request.headers.get("authorization", "")
        if not authorization.startswith("OAuth "):
            return False
        form_body = request.body.decode("utf-8") if request.form() else None
        params = oauth_signature.collect_parameters(
            uri_query=urlsplit(request.url).query,
            body=form_body,
            headers={"Authorization": authorization},
            exclude_oauth_signature=False,
        )
        oauth = dict(params)
        if (
            oauth.get("oauth_consumer_key") != self.consumer_key
            or oauth.get("oauth_token") != self.access_token
            or oauth.get("oauth_signature_method") != "HMAC-SHA1"
            or "oauth_signature" not in oauth
        ):
            return False
        signed = SimpleNamespace(
            params=[(k, v) for k, v in params if k != "oauth_signature"],
            uri=request.url,
            http_method=request.method,
            signature=oauth["oauth_signature"],
        )
        return bool(oauth_signature.verify_hmac_sha1(signed, self.consumer_secret, self.access_token_secret))

    # -- tweets ----------------------------------------------------------------------------------------
    def _limit_headers(self) -> dict[str, str]:
        now = self.clock()
        window_reset = int((now + timedelta(minutes=15)).timestamp())
        day_reset = int((now + timedelta(hours=24)).timestamp())
        remaining = str(max(self.daily_limit - self._daily_used, 0))
        return {
            "x-rate-limit-limit": "100",
            "x-rate-limit-remaining": "99",
            "x-rate-limit-reset": str(window_reset),
            "x-user-limit-24hour-limit": str(self.daily_limit),
            "x-user-limit-24hour-remaining": remaining,
            "x-user-limit-24hour-reset": str(day_reset),
            "x-app-limit-24hour-limit": "1500",
            "x-app-limit-24hour-remaining": str(1500 - self._daily_used),
            "x-app-limit-24hour-reset": str(day_reset),
        }

    def _create_tweet(self, request: Request) -> Reply:
        body = request.json() or {}
        text = body.get("text")
        media_ids = tuple((body.get("media") or {}).get("media_ids") or ())
        reply_to = (body.get("reply") or {}).get("in_reply_to_tweet_id")
        if self._daily_used >= self.daily_limit:
            headers = self._limit_headers()
            return Reply.json(429, _problem(429, "Too Many Requests"), headers)
        if not text and not media_ids:
            return _invalid("Tweet text is required when no media is attached.", "text", "")
        for mid in media_ids:
            upload = self.uploads.get(mid)
            if upload is None or not upload.finalized:
                return _invalid(f"Your media IDs are invalid: {mid}", "media.media_ids", mid)
        if reply_to is not None and not any(t.id == reply_to and not t.deleted for t in self.posts):
            return _invalid("The tweet you are replying to does not exist.", "reply.in_reply_to_tweet_id", reply_to)
        if text and any(t.text == text and not t.deleted for t in self.posts):
            return Reply.json(403, _problem(403, DUPLICATE_DETAIL, "Forbidden"))
        tweet = Tweet(str(next(self._ids)), text or "", self.clock(), reply_to, media_ids)
        self.posts.append(tweet)
        self._daily_used += 1
        data = {"id": tweet.id, "text": self._display_text(tweet), "edit_history_tweet_ids": [tweet.id]}
        return Reply.json(201, {"data": data}, self._limit_headers())

    def _display_text(self, tweet: Tweet) -> str:
        """The text as X returns it: links wrapped in t.co, &, < and > escaped, a link to attached media."""
        text = URL_RE.sub(lambda _m: f"https://t.co/emu{next(self._links):07d}", tweet.text)
        text = html.escape(text, quote=False)
        if tweet.media_ids:
            text += f" https://t.co/emu{next(self._links):07d}"
        return text

    def _delete_tweet(self, request: Request, tweet_id: str) -> Reply:
        for tweet in self.posts:
            if tweet.id == tweet_id and not tweet.deleted:
                tweet.deleted = True
                return Reply.json(200, {"data": {"deleted": True}})
        detail = f"Could not find tweet with id: [{tweet_id}]."
        return Reply.json(
            404, _problem(404, detail, "Not Found Error", "https://api.twitter.com/2/problems/resource-not-found")
        )

    def _me(self, request: Request) -> Reply:
        return Reply.json(200, {"data": {"id": USER_ID, "name": DISPLAY_NAME, "username": USERNAME}})

    def _user_tweets(self, request: Request, user_id: str) -> Reply:
        max_results = int(request.param("max_results") or 10)
        if not 5 <= max_results <= 100:
            message = "The `max_results` query parameter value is not between 5 and 100"
            return _invalid(message, "max_results", max_results)
        if user_id != USER_ID:
            return Reply.json(200, {"meta": {"result_count": 0}})
        start = request.param("start_time")
        fields = set((request.param("tweet.fields") or "").split(","))
        tweets = [t for t in self.posts if not t.deleted]
        if start:
            tweets = [t for t in tweets if t.created_at >= _parse_time(start)]
        tweets.sort(key=lambda t: int(t.id), reverse=True)  # newest first, as X serves a timeline
        offset = int(request.param("pagination_token") or 0)
        page = tweets[offset : offset + max_results]
        if not page:
            return Reply.json(200, {"meta": {"result_count": 0}})
        data = []
        for t in page:
            item: dict[str, Any] = {"id": t.id, "text": self._display_text(t), "edit_history_tweet_ids": [t.id]}
            if "created_at" in fields:
                item["created_at"] = _timestamp(t.created_at)
            data.append(item)
        meta: dict[str, Any] = {"result_count": len(page), "newest_id": page[0].id, "oldest_id": page[-1].id}
        if offset + max_results < len(tweets):
            meta["next_token"] = str(offset + max_results)
        return Reply.json(200, {"data": data, "meta": meta})

    # -- media -----------------------------------------------------------------------------------------
    def _initialize(self, request: Request) -> Reply:
        body = request.json() or {}
        media_type = body.get("media_type")
        total = body.get("total_bytes")
        if not isinstance(media_type, str) or not isinstance(total, int) or total <= 0:
            return _invalid("media_type and a positive total_bytes are required", "total_bytes", total)
        upload = Upload(str(next(self._ids)), media_type, total, body.get("media_category"))
        upload.status_polls = self.processing_polls
        upload.processed = bool(self.processing_polls) or upload.category in ("tweet_video", "tweet_gif")
        self.uploads[upload.id] = upload
        data = {"id": upload.id, "media_key": upload.key, "expires_after_secs": 86400}
        return Reply.json(200, {"data": data})

    def _append(self, request: Request, media_id: str) -> Reply:
        upload = self.uploads.get(media_id)
        if upload is None or upload.finalized:
            return _invalid("Invalid media id", "id", media_id)
        fields = request.multipart()
        if "media" not in fields or "segment_index" not in fields:
            return _invalid("media and segment_index are required (multipart/form-data)", "media", "")
        index = int(fields["segment_index"])
        if not 0 <= index <= 999:
            return _invalid("segment_index must be between 0 and 999", "segment_index", index)
        upload.segments[index] = fields["media"]
        expires = int((self.clock() + timedelta(hours=24)).timestamp())
        return Reply.json(200, {"data": {"expires_at": expires}})

    def _upload_data(self, upload: Upload) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": upload.id,
            "media_key": upload.key,
            "size": len(upload.data),
            "expires_after_secs": 86400,
        }
        if upload.status_polls > 0:
            data["processing_info"] = {"state": "in_progress", "check_after_secs": 1, "progress_percent": 50}
        elif upload.processed:
            data["processing_info"] = {"state": "succeeded", "progress_percent": 100}
        return data

    def _finalize(self, request: Request, media_id: str) -> Reply:
        upload = self.uploads.get(media_id)
        if upload is None:
            return _invalid("Invalid media id", "id", media_id)
        if len(upload.data) != upload.total_bytes:
            detail = f"Segments total {len(upload.data)} bytes; initialize said {upload.total_bytes}."
            return Reply.json(400, _problem(400, detail, "Invalid Request"))
        upload.finalized = True
        data = self._upload_data(upload)
        if upload.status_polls > 0:
            data["processing_info"] = {"state": "pending", "check_after_secs": 1}
        return Reply.json(200, {"data": data})

    def _status(self, request: Request) -> Reply:
        if request.param("command") != "STATUS":
            return _invalid("command must be STATUS", "command", request.param("command"))
        upload = self.uploads.get(request.param("media_id") or "")
        if upload is None or not upload.finalized:
            return _invalid("Invalid media id", "media_id", request.param("media_id"))
        data = self._upload_data(upload)
        if upload.status_polls > 0:
            upload.status_polls -= 1
        return Reply.json(200, {"data": data})

    def _metadata(self, request: Request) -> Reply:
        body = request.json() or {}
        upload = self.uploads.get(str(body.get("id")))
        alt = ((body.get("metadata") or {}).get("alt_text") or {}).get("text")
        if upload is None:
            return _invalid("Invalid media id", "id", body.get("id"))
        if not isinstance(alt, str) or not 0 < len(alt) <= 1000:
            return _invalid("alt_text.text must be 1 to 1000 characters", "metadata.alt_text.text", alt)
        upload.alt_text = alt
        return Reply.json(200, {"data": {"id": upload.id, "associated_metadata": {"alt_text": {"text": alt}}}})


@pytest.fixture
def x_api() -> Iterator[XApiEmulator]:
    """A running X API emulator, stopped after the test."""
    with XApiEmulator() as emulator:
        yield emulator
