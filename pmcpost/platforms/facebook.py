"""Posting to a Facebook Page through facebook-sdk's GraphAPI, with its rough edges filed off.

facebook-sdk 3.1.0 (2018) still speaks the Graph API correctly, but it only knows versions up to v3.1, reads
its host from a module global, sends Python booleans as "True", puts the token in query strings, and raises
one ``GraphAPIError`` without the HTTP status. ``_GraphSession`` (the ``requests.Session`` we hand it) fixes
all of that in one place: it sends every call to the configured host, moves the token into an
``Authorization`` header (so no URL, log line or requests exception ever carries it), spells booleans the way
Meta expects, applies the timeout and keeps the last response so errors can be judged by their HTTP status
and usage headers.
"""

from __future__ import annotations

import json
import logging
import re
import time
import unicodedata
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, NoReturn, cast
from urllib.parse import quote

import facebook
import requests

from pmcpost.credentials import HIDDEN, required_credential, scrub
from pmcpost.errors import (
    ConfigError,
    CredentialsError,
    DuplicateContent,
    OutcomeUnknown,
    PlatformError,
    RateLimited,
)
from pmcpost.platforms import AccountInfo, Message, Part, RemotePost
from pmcpost.platforms.facebook_spec import SPEC
from pmcpost.platforms.http import RebasedSession, never_sent
from pmcpost.safetext import https_only

if TYPE_CHECKING:
    from pmcpost.config import Config, PlatformConfig

log = logging.getLogger(__name__)

DEFAULT_API_VERSION = "v25.0"
MAX_TEXT = SPEC.text_limit  # Facebook's limit for a post's text
POST_URL = "https://www.facebook.com/{id}"
FEED_FIELDS = "id,message,created_time,permalink_url"
FEED_PAGE_SIZE = 100
FEED_MAX_PAGES = 10  # find_existing looks at most this many pages of recent posts

# Graph API error codes (developers.facebook.com/docs/graph-api/guides/error-handling).
TOKEN_CODES = {102, 190}
RATE_LIMIT_CODES = {4, 17, 32, 613, 80001}
TRANSIENT_CODES = {1, 2}
PERMISSION_CODES = {3, 10, *range(200, 300)}
DUPLICATE_CODE = 506
POLICY_BLOCK_CODE = 368
NOT_FOUND_SUBCODE = 33  # "Object with ID ... does not exist"

_TOKEN_IN_TEXT_RE = re.compile(r"(access_token=)[^&\s'\"]+")


class _NotJson(Exception):
    """The Graph API answered with something other than JSON (a proxy's HTML error page, an empty body)."""

    def __init__(self, status: int, content_type: str, snippet: str) -> None:
        super().__init__(f"HTTP {status} {content_type}")
        self.status = status
        self.content_type = content_type
        self.snippet = snippet


class _GraphSession(RebasedSession):
    """The session facebook-sdk sends every request through; see the module docstring for why."""

    def __init__(self, base_url: str, token: str, timeout: float) -> None:
        super().__init__(facebook.FACEBOOK_GRAPH_URL, base_url, timeout)
        self.headers["Authorization"] = f"Bearer {token}"
        self.last_response: requests.Response | None = None

    def __repr__(self) -> str:
        return f"<_GraphSession {self.base_url}>"

    def rebase(self, url: str) -> str:
        # facebook-sdk builds FACEBOOK_GRAPH_URL + path. Rewriting here, per session, rather than assigning
        # the module global keeps two adapters (a test emulator and the real host, or two threads) apart.
        if not url.startswith(self.library_host):
            raise ValueError(f"refusing a Graph API request outside {self.library_host}")
        return super().rebase(url)

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        for key in ("params", "data"):
            if isinstance(kwargs.get(key), Mapping):
                kwargs[key] = _clean_args(kwargs[key])
        self.last_response = None
        response = super().request(method, url, *args, **kwargs)
        self.last_response = response
        log.debug("%s %s -> HTTP %s", method, _path_of(response.url), response.status_code)
        content_type = response.headers.get("content-type", "")
        if "json" not in content_type:
            # facebook-sdk would say "Maintype was not text, image, or querystring" (or fail on a missing
            # header); we never ask for images or query strings, so anything but JSON is an error.
            raise _NotJson(response.status_code, content_type or "no content type", response.text[:200])
        try:
            response.json()
        except ValueError:
            raise _NotJson(response.status_code, "malformed JSON", response.text[:200]) from None
        return response


def _clean_args(args: Mapping[str, Any]) -> dict[str, Any]:
    """Drop the token (it travels in the Authorization header) and spell booleans as Meta expects."""
    out: dict[str, Any] = {}
    for key, value in args.items():
        if key == "access_token":
            continue
        out[key] = ("true" if value else "false") if isinstance(value, bool) else value
    return out


def _path_of(url: str) -> str:
    return url.split("?", 1)[0]


def normalise_text(text: str) -> str:
    """The form in which two post texts are compared: NFC, whitespace runs collapsed, ends trimmed."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def post_text(part: Part) -> str:
    """The text Facebook will show for ``part``: a photo cannot carry a link attachment, so the link goes
    into its caption when the text does not already hold it."""
    if part.media and part.link and part.link not in part.text:
        return f"{part.text}\n\n{part.link}"
    return part.text


class FacebookPlatform:
    """A Facebook Page: one post per message (both languages in one text), a photo post when there is media.

    One instance serves one thread: errors are judged from the session's last response. ``clock`` (epoch
    seconds) is only used to turn a rate limit's "minutes to regain access" into ``RateLimited.reset_at``.
    """

    name: ClassVar[str] = "facebook"

    def __init__(
        self,
        settings: PlatformConfig,
        config: Config,
        environ: Mapping[str, str],
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.config = config
        self._clock = clock
        self.token_variable, self._token = required_credential(
            "facebook", settings.credentials, environ, "page_token", "the Facebook Page token"
        )
        page_id = settings.options.get("page_id")
        if not page_id:
            raise ConfigError("platforms.facebook needs page_id, the numeric id of the Page to post to")
        self.page_id = str(page_id)
        self.api_version = str(settings.options.get("api_version") or DEFAULT_API_VERSION)
        self._session = _GraphSession(settings.api_url, self._token, settings.timeout)
        self._graph = facebook.GraphAPI(access_token=self._token, timeout=settings.timeout, session=self._session)
        # The constructor only accepts 2.8-3.1, and Meta serves an expired version as the oldest live one,
        # so pin a current version afterwards: every call reads this attribute.
        self._graph.version = self.api_version

    def __repr__(self) -> str:
        return (
            f"FacebookPlatform(page_id={self.page_id!r}, api_url={self.settings.api_url!r}, "
            f"version={self.api_version!r}, token=${self.token_variable})"
        )

    # -- the Platform protocol -------------------------------------------------------------------------

    def check_credentials(self) -> AccountInfo:
        """GET /me: the token works and belongs to the configured Page."""
        me = self._call("check the Page token", False, self._graph.get_object, "me", fields="id,name")
        me_id = str(me.get("id", ""))
        name = str(me.get("name", ""))
        if me_id != self.page_id:
            raise CredentialsError(
                f"the token in {self.token_variable} belongs to {name or 'an unknown account'} ({me_id}), "
                f"not the configured Page {self.page_id}; create a Page token for that Page"
            )
        return AccountInfo(name=name, details={"id": me_id, "api_version": self.api_version})

    def post(self, message: Message, index: int, reply_to: RemotePost | None) -> RemotePost:
        """Post the message's one part to the Page's feed, as a photo post when it has an image."""
        if reply_to is not None or index != 0 or len(message.parts) != 1:
            raise PlatformError(
                f"a Facebook message is one post, but part {index} of {len(message.parts)} was asked for"
                + (" as a reply" if reply_to is not None else "")
            )
        part = message.parts[0]
        text = post_text(part)
        if len(text) > MAX_TEXT:
            raise PlatformError(f"the Facebook text has {len(text)} characters; Facebook allows {MAX_TEXT}")
        if part.media:
            result = self._post_photo(part, text)
        else:
            args: dict[str, Any] = {"message": text, "published": True}
            if part.link:
                args["link"] = part.link
            result = self._call("create the post", True, self._graph.put_object, self.page_id, "feed", **args)
        # A photo upload answers with the photo's id and the id of the post holding it; we want the post.
        post_id = str(result.get("post_id") or result.get("id") or "")
        if not post_id:
            raise OutcomeUnknown("Facebook accepted the post but its answer held no post id")
        url = _post_url(result.get("permalink_url"), post_id)
        log.info("posted %s to Facebook as %s", message.announcement.id, post_id)
        return RemotePost(id=post_id, url=url)

    def delete(self, remote_id: str, reason: str) -> None:
        """Delete a post; one that no longer exists counts as deleted. Facebook keeps no public reason."""
        try:
            self._call("delete the post", False, self._graph.delete_object, remote_id)
        except _NotFound:
            log.info("Facebook post %s was already gone", remote_id)

    def find_existing(self, message: Message, index: int, since: datetime) -> RemotePost | None:
        """The Page's recent post whose text equals this part's (compared with whitespace normalised)."""
        if index >= len(message.parts):
            return None
        wanted = normalise_text(post_text(message.parts[index]))
        args: dict[str, Any] = {"fields": FEED_FIELDS, "since": int(since.timestamp()), "limit": FEED_PAGE_SIZE}
        for _ in range(FEED_MAX_PAGES):
            page = self._call(
                "read the Page's posts", False, self._graph.get_connections, self.page_id, "posts", **args
            )
            for item in page.get("data") or ():
                if not isinstance(item, Mapping) or normalise_text(str(item.get("message") or "")) != wanted:
                    continue
                created = _parse_time(item.get("created_time"))
                if created is not None and created < since:
                    continue
                post_id = str(item["id"])
                return RemotePost(id=post_id, url=_post_url(item.get("permalink_url"), post_id))
            after = (page.get("paging") or {}).get("cursors", {}).get("after")
            if not after or not (page.get("paging") or {}).get("next"):
                return None
            args["after"] = after
        return None

    def close(self) -> None:
        self._session.close()

    # -- calls and errors ------------------------------------------------------------------------------

    def _post_photo(self, part: Part, text: str) -> dict[str, Any]:
        image = part.media[0]
        try:
            fh = image.path.open("rb")
        except OSError as exc:
            raise PlatformError(f"cannot read the image {image.path.name}: {exc.strerror}") from None
        with fh:
            args: dict[str, Any] = {"message": text, "published": True}
            if image.alt:
                args["alt_text_custom"] = image.alt
            return self._call(
                "upload the photo post",
                True,
                self._graph.put_photo,
                image=(image.path.name, fh, image.mime),
                album_path=f"{self.page_id}/photos",
                **args,
            )

    def _call(self, action: str, creates: bool, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> dict[str, Any]:
        """Run one facebook-sdk call; turn every failure into pmcpost's errors with the token scrubbed."""
        try:
            result = fn(*args, **kwargs)
        except facebook.GraphAPIError as exc:
            self._graph_error(exc, action, creates)
        except _NotJson as exc:
            self._not_json(exc, action, creates)
        except requests.Timeout as exc:
            if isinstance(exc, requests.ConnectTimeout):
                self._fail(f"could not {action}: Facebook did not accept a connection", retryable=True)
            if creates:
                raise OutcomeUnknown(
                    f"Facebook did not answer within {self.settings.timeout:g} s while we tried to {action}; "
                    "the post may or may not exist"
                ) from None
            self._fail(f"could not {action}: Facebook did not answer within {self.settings.timeout:g} s", True)
        except requests.RequestException as exc:
            if never_sent(exc):
                self._fail(f"could not {action}: cannot connect to {self.settings.api_url}", retryable=True)
            if creates:
                raise OutcomeUnknown(
                    f"the connection to Facebook broke while we tried to {action}; the post may or may not exist"
                ) from None
            self._fail(f"could not {action}: the connection to Facebook broke ({self._scrub(str(exc))})", True)
        if not isinstance(result, dict):
            self._fail(f"could not {action}: Facebook's answer was not a JSON object", retryable=not creates)
        return cast("dict[str, Any]", result)

    def _graph_error(self, exc: facebook.GraphAPIError, action: str, creates: bool) -> NoReturn:
        error = exc.result.get("error") if isinstance(exc.result, dict) else None
        error = error if isinstance(error, dict) else {}
        code = _as_int(error.get("code", exc.code))
        subcode = _as_int(error.get("error_subcode"))
        text = self._scrub(str(error.get("message") or exc.message or exc))
        status = self._session.last_response.status_code if self._session.last_response is not None else 0
        detail = f"{text} (code {code}" + (f", subcode {subcode}" if subcode else "") + f", HTTP {status})"
        if code in TOKEN_CODES:
            raise CredentialsError(
                f"the Facebook Page token has expired or is invalid; create a new one and set {self.token_variable}"
            ) from None
        if code in RATE_LIMIT_CODES:
            raise RateLimited(f"Facebook's rate limit is reached: {detail}", reset_at=self._reset_at()) from None
        if code == DUPLICATE_CODE:
            raise DuplicateContent(f"Facebook refused a duplicate post: {detail}") from None
        if subcode == NOT_FOUND_SUBCODE or (code == 100 and "does not exist" in text):
            raise _NotFound(f"Facebook could not {action}: {detail}") from None
        if code in PERMISSION_CODES:
            raise PlatformError(
                f"the token in {self.token_variable} may not {action}: {detail}; "
                "the Page token needs pages_manage_posts and pages_read_engagement",
                stop_platform=True,
            ) from None
        if code == POLICY_BLOCK_CODE:
            raise PlatformError(f"Facebook has temporarily blocked posting: {detail}", stop_platform=True) from None
        if code in TRANSIENT_CODES or status >= 500:
            self._transient(f"Facebook failed to {action}: {detail}", creates)
        self._fail(f"Facebook refused to {action}: {detail}", retryable=False)

    def _not_json(self, exc: _NotJson, action: str, creates: bool) -> NoReturn:
        snippet = " ".join(self._scrub(exc.snippet).split())[:120]
        message = (
            f"Facebook answered HTTP {exc.status} with {exc.content_type} instead of JSON while we tried to "
            f"{action}" + (f": {snippet!r}" if snippet else "")
        )
        if exc.status >= 500 or exc.status in (0, 429):
            self._transient(message, creates)
        self._fail(message, retryable=False)

    def _transient(self, message: str, creates: bool) -> NoReturn:
        # A server error on a create says nothing certain about whether the post was made: let the publisher
        # look before it tries again. Reads and deletes are safe to repeat.
        if creates:
            raise OutcomeUnknown(f"{message}; the post may or may not exist") from None
        self._fail(message, retryable=True)

    def _fail(self, message: str, retryable: bool = False) -> NoReturn:
        raise PlatformError(self._scrub(message), retryable=retryable) from None

    def _scrub(self, text: str) -> str:
        """Remove the token, in every form, from any text that could reach a message or a log."""
        return _TOKEN_IN_TEXT_RE.sub(rf"\1{HIDDEN}", scrub(text, [self._token]))

    def _reset_at(self) -> float | None:
        """When the limit lifts, from x-business-use-case-usage's estimated_time_to_regain_access (minutes);
        x-app-usage gives only percentages, so without the former the time is unknown."""
        response = self._session.last_response
        if response is None:
            return None
        raw = response.headers.get("x-business-use-case-usage")
        if not raw:
            return None
        try:
            usage = json.loads(raw)
        except ValueError:
            return None
        minutes = 0.0
        entries = usage.values() if isinstance(usage, dict) else ()
        for items in entries:
            for item in items if isinstance(items, list) else ():
                if isinstance(item, dict):
                    value = item.get("estimated_time_to_regain_access")
                    if isinstance(value, (int, float)) and not isinstance(value, bool):
                        minutes = max(minutes, float(value))
        return self._clock() + minutes * 60 if minutes > 0 else None


class _NotFound(PlatformError):
    """The object asked for does not exist (for a delete: it is already gone)."""


def _post_url(permalink: object, post_id: str) -> str:
    """Graph's permalink when it is an https address (it reaches the website and the audit log), else ours."""
    return https_only(permalink if isinstance(permalink, str) else None) or POST_URL.format(id=quote(post_id, safe="_"))


def _as_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def _parse_time(value: object) -> datetime | None:
    """Graph's created_time, such as 2026-12-01T12:30:00+0000."""
    if not isinstance(value, str):
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z")
    except ValueError:
        return None
