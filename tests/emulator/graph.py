"""A local Graph API for one Facebook Page: the page token, /vNN.0/ paths, feed and photo posts, deletes,
the Page's posts newest first, and Graph's error JSON with its HTTP statuses.

Besides the base emulator's faults (``fail``, ``delay``, ``lose_response``), tests can make the next requests
fail with a Graph error code (``fail_graph``), answer a non-JSON body (``fail_raw``) or expire the token.
"""

from __future__ import annotations

import base64
import itertools
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlencode

import pytest

from .http import Emulator, Fault, Reply, Request, SeenPost

PAGE_ID = "117289331623925"  # the Page id in the repository's config.yaml
PAGE_NAME = "Pune Municipal Corporation"
PAGE_TOKEN = "EAAPmcTestPageToken0Zx9Qw7Rt5Yu3Io1Pa8Sd6Fg4Hj2Kl"
DEFAULT_VERSION = "v25.0"

VERSION_RE = re.compile(r"^v\d+\.\d+$")
BOOLEAN_VALUES = {"true", "false", "1", "0"}
POST_FIELDS = {"id", "message", "created_time", "updated_time", "permalink_url", "is_published", "link"}
FEED_EDGES = {"feed", "posts", "published_posts"}

# What Graph says for each code we emulate, and the HTTP status it comes with.
ERRORS: dict[int, tuple[int, str, str]] = {
    1: (500, "OAuthException", "An unknown error has occurred."),
    2: (500, "OAuthException", "An unexpected error has occurred. Please retry your request later."),
    4: (403, "OAuthException", "(#4) Application request limit reached"),
    10: (403, "OAuthException", "(#10) This endpoint requires the 'pages_read_engagement' permission"),
    17: (400, "OAuthException", "(#17) User request limit reached"),
    32: (403, "OAuthException", "(#32) Page request limit reached"),
    100: (400, "GraphMethodException", "(#100) Invalid parameter"),
    104: (400, "OAuthException", "An access token is required to request this resource."),
    190: (400, "OAuthException", "Invalid OAuth access token - Cannot parse access token"),
    200: (403, "OAuthException", "(#200) The user hasn't authorized the application to perform this action"),
    368: (400, "OAuthException", "The action attempted has been deemed abusive or is otherwise disallowed"),
    506: (400, "OAuthException", "(#506) Duplicate status message"),
    613: (400, "OAuthException", "(#613) Calls to this api have exceeded the rate limit."),
}
EXPIRED_MESSAGE = (
    "Error validating access token: Session has expired on Tuesday, 01-Dec-26 04:00:00 PST. "
    "The current time is Tuesday, 01-Dec-26 05:00:00 PST."
)


@dataclass
class GraphFault(Fault):
    """A Graph error (``code``) or a non-JSON body (``raw_body``) for the next ``times`` matching requests."""

    code: int = 0
    subcode: int | None = None
    message: str | None = None
    raw_body: bytes | None = None
    raw_type: str = "text/html; charset=utf-8"


@dataclass
class Post:
    """A post on the Page as the emulator holds it."""

    id: str
    message: str
    created_time: datetime
    link: str | None = None
    published: bool = True
    photo_id: str | None = None
    photo: bytes | None = None
    photo_filename: str | None = None
    photo_type: str | None = None
    alt_text: str | None = None
    deleted: bool = False
    form: dict[str, str] = field(default_factory=dict)  # every field the create request sent (not the file)

    def fields(self, page_id: str) -> dict[str, Any]:
        number = self.id.split("_", 1)[1]
        return {
            "id": self.id,
            "message": self.message,
            "created_time": self.created_time.strftime("%Y-%m-%dT%H:%M:%S+0000"),
            "updated_time": self.created_time.strftime("%Y-%m-%dT%H:%M:%S+0000"),
            "permalink_url": f"https://www.facebook.com/{page_id}/posts/{number}",
            "is_published": self.published,
            "link": self.link,
        }


class GraphError(Exception):
    def __init__(self, code: int, message: str | None = None, *, subcode: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.subcode = subcode
        self.message = message


class GraphEmulator(Emulator):
    """The Graph API as one Page token sees it."""

    def __init__(
        self,
        page_id: str = PAGE_ID,
        page_name: str = PAGE_NAME,
        token: str = PAGE_TOKEN,
        *,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__()
        self.clock = clock or _now
        self.page_id = page_id
        self.page_name = page_name
        self.token = token
        self.token_expired = False
        self.posts: list[Post] = []  # oldest first, deleted ones included
        self.graph_faults: list[GraphFault] = []
        self._post_numbers = itertools.count(880_000_000_000_001)
        self._photo_numbers = itertools.count(990_000_000_000_001)

    # -- what tests program ----------------------------------------------------------------------------
    def fail_graph(
        self,
        code: int,
        *,
        status: int | None = None,
        subcode: int | None = None,
        message: str | None = None,
        times: int = 1,
        path: str = "*",
        method: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Answer the next ``times`` matching requests with Graph error ``code`` (its usual HTTP status)."""
        with self.lock:
            self.graph_faults.append(
                GraphFault(
                    path,
                    method,
                    times,
                    status=status or ERRORS.get(code, (400, "", ""))[0],
                    headers=dict(headers or {}),
                    code=code,
                    subcode=subcode,
                    message=message,
                )
            )

    def fail_raw(
        self,
        status: int,
        body: bytes,
        *,
        content_type: str = "text/html; charset=utf-8",
        times: int = 1,
        path: str = "*",
        method: str | None = None,
    ) -> None:
        """Answer the next ``times`` matching requests with a non-JSON body, as a proxy or load balancer does."""
        with self.lock:
            self.graph_faults.append(
                GraphFault(path, method, times, status=status, raw_body=body, raw_type=content_type)
            )

    def add_post(self, message: str, *, created_time: datetime | None = None) -> Post:
        """Put a post on the Page directly, as if made earlier (by us or by hand)."""
        with self.lock:
            post = Post(f"{self.page_id}_{next(self._post_numbers)}", message, created_time or self.clock())
            self.posts.append(post)
            return post

    def expire_token(self) -> None:
        """From now on the page token is expired (190, subcode 463)."""
        self.token_expired = True

    # -- what tests inspect ----------------------------------------------------------------------------
    def environ(self) -> dict[str, str]:
        return {"PMCPOST_FACEBOOK_API_URL": self.url, "PMCPOST_FACEBOOK_PAGE_TOKEN": self.token}

    def seen_posts(self) -> list[SeenPost]:
        return [SeenPost(p.id, p.message) for p in self.live_posts()]

    def shows(self, post: SeenPost, text: str) -> bool:
        # A photo post carries the link in its caption, after the text.
        return post.text.startswith(text)

    def live_posts(self) -> list[Post]:
        with self.lock:
            return [p for p in self.posts if not p.deleted]

    def versions_used(self) -> list[str | None]:
        """The API version in each request's path, in order (None for an unversioned path)."""
        with self.lock:
            return [_split_version(r.path)[0] for r in self.requests]

    def token_in_urls(self) -> bool:
        """Whether any request carried the token in its URL (where proxies and access logs keep it)."""
        with self.lock:
            return any(self.token in r.url or r.param("access_token") for r in self.requests)

    # -- serving ---------------------------------------------------------------------------------------
    def error_reply(self, status: int, headers: Mapping[str, str]) -> Reply:
        """The base emulator's injected statuses, shaped as Graph shapes them."""
        code = 2 if status >= 500 else 4 if status == 403 else 100
        return self._error(code, status=status, headers=headers)

    def handle(self, request: Request) -> Reply:
        version, parts = _split_version(request.path)
        fault = self.take_from(self.graph_faults, request.method, request.path)
        if fault is not None and fault.raw_body is not None:
            return Reply(fault.status or 500, fault.raw_body, {"content-type": fault.raw_type})
        if fault is not None:
            return self._error(
                fault.code, status=fault.status, subcode=fault.subcode, message=fault.message, headers=fault.headers
            )
        try:
            fields = _fields(request)
            self._authenticate(request, fields)
            data = self._route(request.method, parts, fields)
        except GraphError as exc:
            return self._error(exc.code, subcode=exc.subcode, message=exc.message)
        return Reply.json(200, data, {"facebook-api-version": version or DEFAULT_VERSION, **_usage_headers()})

    def _error(
        self,
        code: int,
        *,
        status: int | None = None,
        subcode: int | None = None,
        message: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        usual_status, error_type, usual_message = ERRORS.get(code, (400, "OAuthException", f"(#{code}) Error"))
        error: dict[str, Any] = {
            "message": message or usual_message,
            "type": error_type,
            "code": code,
            "fbtrace_id": "AbCdEfGhIjK",
        }
        if subcode is not None:
            error["error_subcode"] = subcode
        return Reply.json(status or usual_status, {"error": error}, {**_usage_headers(), **(headers or {})})

    def _authenticate(self, request: Request, fields: Mapping[str, str]) -> None:
        supplied = request.param("access_token") or fields.get("access_token")
        auth = request.headers.get("authorization", "")
        scheme, _, value = auth.partition(" ")
        if scheme.lower() in ("bearer", "oauth") and value:
            supplied = value.strip()
        if not supplied:
            raise GraphError(104)
        if supplied != self.token:
            raise GraphError(190)
        if self.token_expired:
            raise GraphError(190, EXPIRED_MESSAGE, subcode=463)

    def _route(self, method: str, parts: list[str], fields: Mapping[str, str]) -> dict[str, Any]:
        for name in ("published",):
            if name in fields and fields[name].lower() not in BOOLEAN_VALUES:
                raise GraphError(100, f"(#100) Param {name} must be a boolean")
        with self.lock:
            if method == "GET" and parts == ["me"]:
                return _select({"id": self.page_id, "name": self.page_name}, fields.get("fields"), {"id", "name"})
            if method == "GET" and len(parts) == 2 and parts[0] == self.page_id and parts[1] in FEED_EDGES:
                return self._feed(fields)
            if method == "POST" and parts == [self.page_id, "feed"]:
                return self._create_feed_post(fields)
            if method == "POST" and parts == [self.page_id, "photos"]:
                return self._create_photo_post(fields)
            if len(parts) == 1 and method in ("GET", "DELETE"):
                post = self._find(parts[0])
                if post is None:
                    verb = "get" if method == "GET" else "delete"
                    raise GraphError(
                        100,
                        f"Unsupported {verb} request. Object with ID '{parts[0]}' does not exist, cannot be loaded "
                        "due to missing permissions, or does not support this operation.",
                        subcode=33,
                    )
                if method == "DELETE":
                    post.deleted = True
                    return {"success": True}
                return _select(post.fields(self.page_id), fields.get("fields"), POST_FIELDS)
        raise GraphError(100, f"(#100) Unknown path components: /{'/'.join(parts)}")

    def _feed(self, fields: Mapping[str, str]) -> dict[str, Any]:
        posts = [p for p in reversed(self.posts) if not p.deleted and p.published]
        if "since" in fields:
            since = _parse_when(fields["since"])
            posts = [p for p in posts if p.created_time >= since]
        limit = min(int(fields.get("limit") or 25), 100)
        start = int(base64.b64decode(fields["after"]).decode()) if fields.get("after") else 0
        page = posts[start : start + limit]
        data = [_select(p.fields(self.page_id), fields.get("fields"), POST_FIELDS) for p in page]
        result: dict[str, Any] = {"data": data}
        if page:
            after = base64.b64encode(str(start + len(page)).encode()).decode()
            result["paging"] = {"cursors": {"before": base64.b64encode(str(start).encode()).decode(), "after": after}}
            if start + len(page) < len(posts):
                query = {k: v for k, v in fields.items() if k != "access_token"} | {"after": after}
                result["paging"]["next"] = f"https://graph.facebook.com/{self.page_id}/feed?{urlencode(query)}"
        return result

    def _create_feed_post(self, fields: Mapping[str, str]) -> dict[str, Any]:
        message = fields.get("message", "")
        link = fields.get("link")
        if not message and not link:
            raise GraphError(100, "(#100) Missing message or attachment")
        for post in self.posts:
            if not post.deleted and post.photo is None and post.message == message and post.link == link:
                raise GraphError(506)
        post = Post(
            id=f"{self.page_id}_{next(self._post_numbers)}",
            message=message,
            created_time=self.clock(),
            link=link,
            published=fields.get("published", "true").lower() in ("true", "1"),
            form=dict(fields),
        )
        self.posts.append(post)
        return {"id": post.id}

    def _create_photo_post(self, fields: Mapping[str, str]) -> dict[str, Any]:
        upload = getattr(fields, "files", {}).get("source")
        if upload is None and not fields.get("url"):
            raise GraphError(324, "(#324) Requires upload file")
        photo_id = str(next(self._photo_numbers))
        post = Post(
            id=f"{self.page_id}_{next(self._post_numbers)}",
            message=fields.get("message") or fields.get("caption") or "",
            created_time=self.clock(),
            published=fields.get("published", "true").lower() in ("true", "1"),
            photo_id=photo_id,
            photo=upload[0] if upload else b"",
            photo_filename=upload[1] if upload else fields.get("url"),
            photo_type=upload[2] if upload else None,
            alt_text=fields.get("alt_text_custom"),
            form=dict(fields),
        )
        self.posts.append(post)
        return {"id": photo_id, "post_id": post.id}

    def _find(self, object_id: str) -> Post | None:
        for post in self.posts:
            if not post.deleted and object_id in (post.id, post.photo_id):
                return post
        return None


class _Fields(dict[str, str]):
    """A request's parameters (query and body), with uploaded files kept apart: name -> (bytes, name, type)."""

    files: dict[str, tuple[bytes, str, str]]


def _fields(request: Request) -> _Fields:
    out = _Fields({k: v[0] for k, v in request.query.items()})
    out.files = {}
    out.update({k: v[0] for k, v in request.form().items()})
    if request.content_type == "multipart/form-data":
        import email.parser
        import email.policy

        head = f"Content-Type: {request.headers['content-type']}\r\n\r\n".encode()
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + request.body)
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            if not isinstance(name, str) or not isinstance(payload, bytes):
                continue
            filename = part.get_filename()
            if filename is not None:
                out.files[name] = (payload, filename, part.get_content_type())
            else:
                out[name] = payload.decode("utf-8")
    return out


def _split_version(path: str) -> tuple[str | None, list[str]]:
    parts = [p for p in path.split("/") if p]
    if parts and VERSION_RE.match(parts[0]):
        return parts[0], parts[1:]
    return None, parts


def _select(obj: Mapping[str, Any], wanted: str | None, known: set[str]) -> dict[str, Any]:
    """Graph returns only the fields asked for (a default few otherwise) and refuses unknown ones."""
    default = ",".join(n for n in ("id", "name", "message", "created_time") if n in known)
    names = [n.strip() for n in (wanted or default).split(",") if n.strip()]
    for name in names:
        if name not in known:
            raise GraphError(100, f"(#100) Tried accessing nonexisting field ({name})")
    return {n: obj[n] for n in names if n in obj and obj[n] is not None}


def _parse_when(value: str) -> datetime:
    if value.lstrip("-").isdigit():
        return datetime.fromtimestamp(int(value), tz=timezone.utc)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise GraphError(100, f"(#100) Invalid since: {value}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


def _usage_headers() -> dict[str, str]:
    return {"x-app-usage": '{"call_count":1,"total_cputime":1,"total_time":1}', "x-fb-trace-id": "AbCdEfGhIjK"}


@pytest.fixture
def graph_api() -> Iterator[GraphEmulator]:
    """A running Graph API emulator for the Page in config.yaml, with PAGE_TOKEN as its valid token."""
    with GraphEmulator() as emulator:
        yield emulator
