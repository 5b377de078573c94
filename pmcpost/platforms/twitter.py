"""The X (Twitter) adapter: tweepy's Client for posts, X API v2 media upload signed with the same OAuth 1.0a keys.

tweepy hard-codes https://api.twitter.com and sets no timeout, so the client's session is replaced with one
that rebases every URL onto ``api_url`` and applies ``timeout``. ``wait_on_rate_limit`` is never used: it
spins on a 429 without a reset header, and the publisher decides what to do with a rate limit.
"""

from __future__ import annotations

import functools
import html
import logging
import re
import time
import unicodedata
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, NoReturn, TypeVar

import requests
import tweepy
from tweepy.errors import (
    BadRequest,
    Forbidden,
    HTTPException,
    NotFound,
    TooManyRequests,
    TwitterServerError,
    Unauthorized,
)

from pmcpost.credentials import read_credential, scrub
from pmcpost.errors import CredentialsError, DuplicateContent, OutcomeUnknown, PlatformError, RateLimited
from pmcpost.platforms import AccountInfo, Media, Message, RemotePost
from pmcpost.platforms.http import RebasedSession, never_sent

if TYPE_CHECKING:
    from pmcpost.config import Config, PlatformConfig

TWEEPY_HOST = "https://api.twitter.com"
ROLES = ("consumer_key", "consumer_secret", "access_token", "access_token_secret")
DUPLICATE_MARK = "duplicate content"
# Forbidden answers that will repeat for every request, so the rest of the run should leave X alone.
FORBIDDEN_FOR_GOOD = ("client-forbidden", "oauth1-permissions", "unsupported-authentication")
CHUNK_BYTES = 1024 * 1024  # X accepts up to 5 MB per APPEND; 1 MB keeps each request short on slow links
MAX_STATUS_POLLS = 30
MAX_STATUS_WAIT = 10.0  # seconds between polls at most, whatever check_after_secs says
TIMELINE_PAGES = 5  # up to 500 recent posts searched by find_existing
# A link as X wraps it in t.co: with a scheme or a bare domain; ASCII only (a link stops at the first
# non-ASCII character). Both sides of a comparison are masked alike, so over-matching is harmless.
URL_RE = re.compile(r"https?://[\x21-\x7e]+|\b(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}(?:/[\x21-\x7e]*)?")
LINK = "\x00link\x00"

T = TypeVar("T")
# These libraries log each signed request at DEBUG, Authorization header (access token, consumer key) included.
SIGNING_LOGGERS = ("oauthlib", "requests_oauthlib")


def read_credentials(settings: PlatformConfig, environ: Mapping[str, str]) -> dict[str, str]:
    """The four OAuth 1.0a values from the environment variables config names; CredentialsError names any missing."""
    missing_roles = [role for role in ROLES if role not in settings.credentials]
    if missing_roles:
        raise CredentialsError(
            f"platforms.{settings.name}.credentials must name an environment variable for {', '.join(missing_roles)}"
        )
    values: dict[str, str] = {}
    missing: list[str] = []
    for role in ROLES:
        variable = settings.credentials[role]
        value = read_credential(environ, variable)  # its form checked, so it can never reach an HTTP error
        if value:
            values[role] = value
        else:
            missing.append(variable)
    if missing:
        raise CredentialsError(f"X credentials missing: set {', '.join(missing)} in the environment")
    return values


def _quiet_signing_logs() -> None:
    """Keep OAuth signing details out of the logs even when someone turns on DEBUG for everything."""
    for name in SIGNING_LOGGERS:
        logger = logging.getLogger(name)
        if logger.level < logging.WARNING:  # NOTSET too: it would inherit whatever the root allows later
            logger.setLevel(logging.WARNING)


def _same_text(remote: str, local: str, has_media: bool) -> bool:
    """Whether X's copy of a post is our text: X wraps links in t.co, escapes &<> and appends a media link."""

    def norm(text: str) -> str:
        text = unicodedata.normalize("NFC", html.unescape(text))
        return " ".join(URL_RE.sub(LINK, text).split())

    theirs, ours = norm(remote), norm(local)
    return theirs == ours or (has_media and theirs == f"{ours} {LINK}".strip())


def _media_category(mime: str) -> str:
    if mime == "image/gif":
        return "tweet_gif"
    if mime.startswith("video/"):
        return "tweet_video"
    return "tweet_image"


class TwitterPlatform:
    """Posts to X as the account whose OAuth 1.0a user tokens are in the environment."""

    name: ClassVar[str] = "twitter"
    chunk_bytes: int = CHUNK_BYTES

    def __init__(
        self,
        settings: PlatformConfig,
        config: Config,
        environ: Mapping[str, str],
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings
        self._sleep = sleep
        _quiet_signing_logs()
        credentials = read_credentials(settings, environ)
        self._variables = ", ".join(settings.credentials[role] for role in ROLES)
        self._session = RebasedSession(TWEEPY_HOST, settings.api_url, settings.timeout)
        self._client = tweepy.Client(
            consumer_key=credentials["consumer_key"],
            consumer_secret=credentials["consumer_secret"],
            access_token=credentials["access_token"],
            access_token_secret=credentials["access_token_secret"],
            return_type=requests.Response,  # the raw response, for its rate-limit headers
            wait_on_rate_limit=False,
        )
        self._client.session = self._session
        self._auth = tweepy.OAuth1UserHandler(
            credentials["consumer_key"],
            credentials["consumer_secret"],
            credentials["access_token"],
            credentials["access_token_secret"],
        ).apply_auth()
        self._upload_url = str(settings.options.get("upload_url") or settings.api_url).rstrip("/")
        self._account: str | None = settings.options.get("account")
        self._me: dict[str, Any] | None = None
        #: Posts X still allows in its 24-hour window, from the last POST /2/tweets answer (None: unknown).
        self.daily_remaining: int | None = None

    def __repr__(self) -> str:
        return f"TwitterPlatform(api_url={self.settings.api_url!r}, account={self._account!r})"

    # -- the Platform protocol -------------------------------------------------------------------------
    def check_credentials(self) -> AccountInfo:
        me = self._whoami()
        username = str(me.get("username", ""))
        if self._account and username.lower() != self._account.lower():
            raise CredentialsError(
                f"the X credentials in {self._variables} belong to @{username}, "
                f"but platforms.twitter.account is {self._account}"
            )
        details = {"id": str(me.get("id", "")), "name": str(me.get("name", ""))}
        return AccountInfo(name=f"@{username}", details=details)

    def post(self, message: Message, index: int, reply_to: RemotePost | None) -> RemotePost:
        part = message.parts[index]
        what = f"posting part {index + 1} of {len(message.parts)} of {message.announcement.id}"
        media_ids = [self._upload(media) for media in part.media]
        kwargs: dict[str, Any] = {"text": part.text, "user_auth": True}
        if reply_to is not None:
            kwargs["in_reply_to_tweet_id"] = reply_to.id
        if media_ids:
            kwargs["media_ids"] = media_ids
        response = self._call(lambda: self._client.create_tweet(**kwargs), what, idempotent=False)
        self._note_limits(response)
        data = self._json(response, what, idempotent=False).get("data")
        if not isinstance(data, dict) or not data.get("id"):
            # Accepted but unnamed: the post probably exists, so reconcile rather than post again.
            raise OutcomeUnknown(f"X accepted the request but named no post while {what}")
        tweet_id = str(data["id"])
        return RemotePost(tweet_id, self._status_url(tweet_id))

    def delete(self, remote_id: str, reason: str) -> None:
        # X keeps no public record of a deletion, so ``reason`` stays in our audit log only.
        def send() -> requests.Response | None:
            try:
                return self._client.delete_tweet(remote_id, user_auth=True)  # type: ignore[no-any-return]
            except NotFound:
                return None  # already gone, which is what we wanted

        self._call(send, f"deleting post {remote_id}")

    def find_existing(self, message: Message, index: int, since: datetime) -> RemotePost | None:
        part = message.parts[index]
        user_id = str(self._whoami()["id"])
        what = f"reading recent posts of {user_id}"
        token: str | None = None
        for _ in range(TIMELINE_PAGES):
            params: dict[str, Any] = {
                "start_time": since,
                "max_results": 100,
                "tweet_fields": ["created_at", "text"],
                "user_auth": True,
            }
            if token:
                params["pagination_token"] = token
            response = self._call(functools.partial(self._client.get_users_tweets, user_id, **params), what)
            page = self._json(response, what)
            for tweet in page.get("data") or []:
                if _same_text(str(tweet.get("text", "")), part.text, bool(part.media)):
                    tweet_id = str(tweet["id"])
                    return RemotePost(tweet_id, self._status_url(tweet_id))
            token = (page.get("meta") or {}).get("next_token")
            if not token:
                break
        return None

    def close(self) -> None:
        self._session.close()

    def remaining_today(self) -> int | None:
        """Posts X still allows in its 24-hour window, from the last answer to a post (ReportsQuota)."""
        return self.daily_remaining

    # -- media -----------------------------------------------------------------------------------------
    def _upload(self, media: Media) -> str:
        """Upload one image through the v2 chunked flow and set its alt text; returns the media id."""
        what = f"uploading {media.path.name}"
        try:
            data = media.path.read_bytes()
        except OSError as exc:
            raise PlatformError(f"cannot read {media.path}: {exc.strerror}") from None
        init = self._upload_call(
            "POST",
            "/2/media/upload/initialize",
            what,
            json={"media_type": media.mime, "total_bytes": len(data), "media_category": _media_category(media.mime)},
        )
        media_id = str(init["data"]["id"])
        for segment, start in enumerate(range(0, len(data), self.chunk_bytes)):
            self._upload_call(
                "POST",
                f"/2/media/upload/{media_id}/append",
                what,
                data={"segment_index": str(segment)},
                files={"media": (media.path.name, data[start : start + self.chunk_bytes], "application/octet-stream")},
            )
        info = self._upload_call("POST", f"/2/media/upload/{media_id}/finalize", what)["data"].get("processing_info")
        polls = 0
        while info and info.get("state") in ("pending", "in_progress"):
            polls += 1
            if polls > MAX_STATUS_POLLS:
                raise PlatformError(f"X is still processing {media.path.name}; try again later", retryable=True)
            self._sleep(min(float(info.get("check_after_secs") or 1), MAX_STATUS_WAIT))
            status = self._upload_call(
                "GET", "/2/media/upload", what, params={"command": "STATUS", "media_id": media_id}
            )
            info = status["data"].get("processing_info")
        if info and info.get("state") == "failed":
            reason = (info.get("error") or {}).get("message") or "no reason given"
            raise PlatformError(f"X could not process {media.path.name}: {reason}")
        if media.alt:
            self._upload_call(
                "POST",
                "/2/media/metadata",
                f"setting the alt text of {media.path.name}",
                json={"id": media_id, "metadata": {"alt_text": {"text": media.alt}}},
            )
        return media_id

    def _upload_call(self, method: str, path: str, what: str, **kwargs: Any) -> dict[str, Any]:
        """One signed request to the upload endpoints; uploads leave nothing public, so failures may be retried."""

        def send() -> requests.Response:
            response = self._session.request(method, self._upload_url + path, auth=self._auth, **kwargs)
            _raise_for_status(response)
            return response

        return self._json(self._call(send, what, idempotent=True), what)

    # -- plumbing --------------------------------------------------------------------------------------
    def _whoami(self) -> dict[str, Any]:
        if self._me is None:
            what = "checking the X account"
            response = self._call(lambda: self._client.get_me(user_auth=True), what)
            data = self._json(response, what).get("data")
            if not isinstance(data, dict) or "id" not in data:
                raise PlatformError(f"X named no account while {what}", retryable=True)
            self._me = data
        return self._me

    def _status_url(self, tweet_id: str) -> str:
        account = self._account or (self._me or {}).get("username") or "i/web"
        return f"https://x.com/{account}/status/{tweet_id}"

    def _note_limits(self, response: requests.Response) -> None:
        counts = [
            int(value)
            for name in ("x-user-limit-24hour-remaining", "x-app-limit-24hour-remaining")
            if (value := response.headers.get(name, "")).isdigit()
        ]
        if counts:
            self.daily_remaining = min(counts)

    def _json(self, response: requests.Response, what: str, *, idempotent: bool = True) -> dict[str, Any]:
        """The answer's JSON object; a garbled answer to a create leaves its outcome unknown."""
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict):
            return body
        message = f"X sent an answer that is not a JSON object while {what}"
        if idempotent:
            raise PlatformError(message, retryable=True)
        raise OutcomeUnknown(f"{message}; the post may or may not exist")

    def _call(self, send: Callable[[], T], what: str, *, idempotent: bool = True) -> T:
        """Run one request, turning tweepy's and requests' exceptions into pmcpost's."""
        try:
            return send()
        except HTTPException as exc:
            self._translate(exc, what, idempotent)
        except requests.Timeout as exc:
            self._no_answer(f"no answer from X within {self.settings.timeout:g} s while {what}", exc, idempotent)
        except requests.ConnectionError as exc:
            self._no_answer(f"the connection to X failed while {what}", exc, idempotent)
        except requests.RequestException as exc:
            raise PlatformError(f"the request to X failed while {what}: {type(exc).__name__}") from None

    def _no_answer(self, message: str, exc: requests.RequestException, idempotent: bool) -> NoReturn:
        if idempotent or never_sent(exc):
            raise PlatformError(message, retryable=True) from None
        raise OutcomeUnknown(f"{message}; the post may or may not exist") from None

    def _translate(self, exc: HTTPException, what: str, idempotent: bool) -> NoReturn:
        response = exc.response
        if not idempotent and response is not None:
            self._note_limits(response)  # a refused post still says how many X allows today
        # X's own words, scrubbed: a proxy or a broken server may echo a request's headers back.
        said = scrub("; ".join(str(m) for m in exc.api_messages)) or f"HTTP {getattr(response, 'status_code', '?')}"
        if isinstance(exc, Unauthorized):
            raise CredentialsError(
                f"X rejected the credentials in {self._variables} while {what} ({said}); "
                "check the keys and that the app has read and write permission"
            ) from None
        if isinstance(exc, Forbidden):
            if any(DUPLICATE_MARK in str(m).lower() for m in exc.api_messages):
                raise DuplicateContent(f"X refused a duplicate while {what}: {said}") from None
            problem = str(_body(response).get("type", ""))
            stop = any(problem.endswith(kind) for kind in FORBIDDEN_FOR_GOOD)
            raise PlatformError(f"X refused {what}: {said}", stop_platform=stop) from None
        if isinstance(exc, TooManyRequests):
            raise RateLimited(f"X's rate limit is reached ({what})", _reset_at(response)) from None
        if isinstance(exc, BadRequest):
            raise PlatformError(f"X refused the request while {what}: {said}") from None
        if isinstance(exc, TwitterServerError):
            message = f"X failed while {what} ({said})"
            if idempotent:
                raise PlatformError(message, retryable=True) from None
            raise OutcomeUnknown(f"{message}; the post may or may not exist") from None
        raise PlatformError(f"X answered {said} while {what}") from None


def _raise_for_status(response: requests.Response) -> None:
    """tweepy's mapping of statuses to exceptions, for the requests tweepy does not make itself."""
    status = response.status_code
    if 200 <= status < 300:
        return
    if status == 429:
        reset = response.headers.get("x-rate-limit-reset", "")
        raise TooManyRequests(response, reset_time=int(reset) if reset.isdigit() else None)
    classes: dict[int, type[HTTPException]] = {400: BadRequest, 401: Unauthorized, 403: Forbidden, 404: NotFound}
    if status >= 500:
        raise TwitterServerError(response)
    raise classes.get(status, HTTPException)(response)


def _body(response: requests.Response | None) -> dict[str, Any]:
    try:
        body = response.json() if response is not None else {}
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _reset_at(response: requests.Response | None) -> float | None:
    """When posting is possible again: the 24-hour reset when a daily limit is spent, else the window's reset."""
    if response is None:
        return None
    headers = response.headers
    resets = [
        float(headers.get(f"{scope}-reset", ""))
        for scope in ("x-user-limit-24hour", "x-app-limit-24hour")
        if headers.get(f"{scope}-remaining") == "0" and headers.get(f"{scope}-reset", "").isdigit()
    ]
    if resets:
        return max(resets)
    window = headers.get("x-rate-limit-reset", "")
    return float(window) if window.isdigit() else None
