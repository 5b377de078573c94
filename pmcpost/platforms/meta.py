"""What Instagram and Threads share: Meta's two-step container flow over plain HTTP, and its errors.

Both APIs create a *container* (``POST /{user}/media`` or ``/{user}/threads``), let Meta fetch the images from
public URLs, and publish it with a second call (``media_publish`` / ``threads_publish``). The container id is
the handle that makes this exactly-once: the adapter records it (``KeepsSteps``) before publishing, and after a
lost answer reads the container's status instead of creating a new one:

- ``PUBLISHED``: live; its media id is found by matching caption and time in the account's media;
- ``FINISHED``: ready; publish that same container;
- ``IN_PROGRESS``: wait (bounded, with backoff), then publish;
- ``EXPIRED``/``ERROR``: nothing went out; create a new container.

Plain ``requests`` rather than facebook-sdk: the Threads host (graph.threads.net) is not the Graph host
facebook-sdk knows, the calls are few and simple, and one client serves both. The token travels in an
``Authorization`` header, never in a URL. Imported only when posting.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, NoReturn

import requests

from pmcpost.credentials import required_credential, scrub
from pmcpost.errors import ConfigError, CredentialsError, NotReady, OutcomeUnknown, PlatformError, RateLimited
from pmcpost.platforms import AccountInfo, Message, Part, RemotePost
from pmcpost.platforms.http import RebasedSession, never_sent
from pmcpost.safetext import https_only

if TYPE_CHECKING:
    from pmcpost.config import Config, PlatformConfig

log = logging.getLogger(__name__)

# Graph error codes (developers.facebook.com/docs/graph-api/guides/error-handling and the content publishing
# guides' error codes).
TOKEN_CODES = {102, 190}
EXPIRED_SUBCODES = {463}  # "Session has expired"
RATE_LIMIT_CODES = {4, 17, 32, 613, 80001, 80002}
PUBLISH_LIMIT_SUBCODES = {2207042}  # code 9: the account's publishing limit is reached
NOT_READY_CODE = 9007  # "media not ready for publishing": wait for FINISHED
IMAGE_FETCH_SUBCODES = {2207052, 2207003, 2207020}  # Meta could not download the image from its URL
TRANSIENT_CODES = {1, 2}

WAIT_TRIES = 6  # polls of a container's status before giving up for this run (1, 2, 4, 8, 16, 30 s)


@dataclass(frozen=True)
class Container:
    """What ``GET /{container-id}`` says."""

    id: str
    status: str  # IN_PROGRESS, FINISHED, PUBLISHED, ERROR, EXPIRED (or "" when unknown)
    detail: str = ""


class MetaError(PlatformError):
    """A Graph error answer, with its code and subcode for the caller's decisions."""

    def __init__(self, message: str, code: int | None, subcode: int | None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.code = code
        self.subcode = subcode


class MetaApi:
    """One account on a Meta Graph host: GET/POST/DELETE with the token in a header, errors turned into
    pmcpost's, and a bounded wait for a container to be ready. ``sleep`` is passed in (tests record it)."""

    def __init__(
        self,
        *,
        display: str,
        base_url: str,
        version: str,
        token: str,
        token_variable: str,
        timeout: float,
        sleep: Callable[[float], None] = time.sleep,
        status_field: str = "status_code",
    ) -> None:
        self.display = display
        self.base_url = base_url.rstrip("/")
        self.version = version
        self.token_variable = token_variable
        self.timeout = timeout
        self.sleep = sleep
        self.status_field = status_field
        self._token = token
        self._session = RebasedSession(self.base_url, self.base_url, timeout)
        self._session.headers["Authorization"] = f"Bearer {token}"

    def __repr__(self) -> str:
        return f"MetaApi({self.display!r}, {self.base_url!r}, token=${self.token_variable})"

    def close(self) -> None:
        self._session.close()

    # -- calls -----------------------------------------------------------------------------------------
    def get(self, path: str, action: str, **params: Any) -> dict[str, Any]:
        return self._call("GET", path, action, False, params=params)

    def post(self, path: str, action: str, *, creates: bool, **data: Any) -> dict[str, Any]:
        return self._call("POST", path, action, creates, data=data)

    def delete(self, path: str, action: str) -> dict[str, Any]:
        return self._call("DELETE", path, action, False)

    def container(self, container_id: str) -> Container:
        data = self.get(container_id, "read the container's status", fields=f"id,{self.status_field}")
        return Container(container_id, str(data.get(self.status_field) or ""), str(data.get("status") or ""))

    def wait_finished(self, container_id: str) -> Container:
        """Poll until the container is no longer IN_PROGRESS (bounded, exponential backoff)."""
        state = self.container(container_id)
        for attempt in range(WAIT_TRIES):
            if state.status != "IN_PROGRESS":
                return state
            self.sleep(min(2.0**attempt, 30.0))
            state = self.container(container_id)
        return state

    def _call(self, method: str, path: str, action: str, creates: bool, **kwargs: Any) -> dict[str, Any]:
        url = f"{self.base_url}/{self.version}/{path.lstrip('/')}"
        for key in ("params", "data"):
            if key in kwargs:
                kwargs[key] = {k: _spell(v) for k, v in kwargs[key].items() if v is not None}
        try:
            response = self._session.request(method, url, **kwargs)
        except requests.RequestException as exc:
            if never_sent(exc):
                self._fail(f"could not {action}: cannot connect to {self.base_url}", retryable=True)
            if creates:
                raise OutcomeUnknown(
                    f"{self.display} did not answer while we tried to {action}; the post may or may not exist"
                ) from None
            self._fail(f"could not {action}: {self.display} did not answer", retryable=True)
        try:
            body = response.json()
        except ValueError:
            body = None
        log.debug("%s %s -> HTTP %s", method, path, response.status_code)
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            self._error(body["error"], response.status_code, action, creates)
        if not isinstance(body, dict) or response.status_code >= 400:
            message = (
                f"{self.display} answered HTTP {response.status_code} without a usable body while we tried to {action}"
            )
            if response.status_code >= 500 or response.status_code in (0, 429):
                self._transient(message, creates)
            self._fail(message)
        return body

    def _error(self, error: Mapping[str, Any], status: int, action: str, creates: bool) -> NoReturn:
        code = _as_int(error.get("code"))
        subcode = _as_int(error.get("error_subcode"))
        text = self._scrub(str(error.get("error_user_msg") or error.get("message") or "an error"))
        detail = f"{text} (code {code}" + (f", subcode {subcode}" if subcode else "") + f", HTTP {status})"
        if code in TOKEN_CODES:
            if subcode in EXPIRED_SUBCODES or "expired" in text.lower():
                raise CredentialsError(
                    f"the {self.display} token has expired: nothing was posted there; refresh it (README: tokens "
                    f"that expire) and set {self.token_variable} again"
                ) from None
            raise CredentialsError(
                f"the {self.display} token in {self.token_variable} is invalid; create a new one (README: tokens "
                "that expire)"
            ) from None
        if code in RATE_LIMIT_CODES or subcode in PUBLISH_LIMIT_SUBCODES:
            raise RateLimited(f"{self.display}'s limit is reached: {detail}") from None
        if subcode in IMAGE_FETCH_SUBCODES:
            raise NotReady(
                f"{self.display} could not download the image from its public address ({detail}); "
                "the post waits for the next run"
            ) from None
        if code in TRANSIENT_CODES or status >= 500:
            self._transient(f"{self.display} failed to {action}: {detail}", creates)
        raise MetaError(f"{self.display} refused to {action}: {detail}", code, subcode) from None

    def _transient(self, message: str, creates: bool) -> NoReturn:
        if creates:
            raise OutcomeUnknown(f"{message}; the post may or may not exist") from None
        self._fail(message, retryable=True)

    def _fail(self, message: str, retryable: bool = False) -> NoReturn:
        raise PlatformError(self._scrub(message), retryable=retryable) from None

    def _scrub(self, text: str) -> str:
        return scrub(text, [self._token])


def _spell(value: object) -> object:
    return ("true" if value else "false") if isinstance(value, bool) else value


def _as_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


# -- public image URLs -------------------------------------------------------------------------------------


def file_sha256(path: Any) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def check_served(session: requests.Session, url: str, expected_sha256: str, name: str, timeout: float) -> None:
    """Fetch ``url`` as Meta will (no redirects, no credentials) and make sure it serves exactly the file;
    ``NotReady`` otherwise, so the post waits for a later run instead of going out with a wrong image."""
    try:
        response = session.get(url, timeout=timeout, allow_redirects=False)
    except requests.RequestException:
        raise NotReady(
            f"the image {name} is not served yet at {url} (no answer); the post waits for the next run"
        ) from None
    if response.status_code != 200:
        why = f"HTTP {response.status_code}" + (
            " (a redirect, which Meta does not follow)" if response.is_redirect else ""
        )
        raise NotReady(f"the image {name} is not served yet at {url} ({why}); the post waits for the next run")
    if hashlib.sha256(response.content).hexdigest() != expected_sha256:
        raise NotReady(
            f"{url} serves other bytes than {name} (an older version, or another file); "
            "the post waits for the next run, when the site is deployed"
        )


# -- finding a post again ----------------------------------------------------------------------------------


def normalise_text(text: str) -> str:
    """The form in which two captions are compared: NFC, whitespace runs collapsed, ends trimmed."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def parse_time(value: object) -> datetime | None:
    """Graph's timestamp, such as 2026-12-01T12:30:00+0000."""
    if not isinstance(value, str):
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z")
    except ValueError:
        return None


# -- the adapter both platforms share ----------------------------------------------------------------------


class ContainerPlatform:
    """A Meta account posting through containers; ``InstagramPlatform`` and ``ThreadsPlatform`` say what
    differs (endpoints, field names, what a post may be). One instance serves one thread."""

    name: ClassVar[str] = ""
    display: ClassVar[str] = ""
    default_version: ClassVar[str] = ""
    create_edge: ClassVar[str] = ""  # media / threads
    publish_edge: ClassVar[str] = ""  # media_publish / threads_publish
    text_field: ClassVar[str] = ""  # caption / text
    status_field: ClassVar[str] = "status_code"
    quota_edge: ClassVar[str] = ""  # content_publishing_limit / threads_publishing_limit
    post_url: ClassVar[str] = ""

    def __init__(
        self,
        settings: PlatformConfig,
        config: Config,
        environ: Mapping[str, str],
        *,
        sleep: Callable[[float], None] = time.sleep,
        check_timeout: float | None = None,
    ) -> None:
        self.settings = settings
        self.config = config
        self.token_variable, token = required_credential(
            self.name, settings.credentials, environ, "access_token", f"the {self.display} token"
        )
        user_id = settings.options.get("user_id")
        if not user_id:
            raise ConfigError(f"platforms.{self.name} needs user_id, the numeric id of the account to post as")
        self.user_id = str(user_id)
        self.image_url = str(settings.options.get("image_url") or "")
        self.api = MetaApi(
            display=self.display,
            base_url=settings.api_url,
            version=str(settings.options.get("api_version") or self.default_version),
            token=token,
            token_variable=self.token_variable,
            timeout=settings.timeout,
            sleep=sleep,
            status_field=self.status_field,
        )
        self._steps: dict[str, str] = {}
        self._record: Callable[[dict[str, str]], None] = lambda step: None
        self._commit: str | None = None
        self._quota_left: int | None = None
        # Images are fetched without the token (the image host is not Meta); an image checked once in a run
        # is served for the rest of it (Instagram and Threads, or several announcements, share images).
        self._image_session = requests.Session()
        self._served: dict[tuple[str, str], str] = {}  # (url template's answer, sha256) -> url
        self._digests: dict[tuple[Path, int, int], str] = {}  # (image, size, mtime) -> sha256, read once a run

    def __repr__(self) -> str:
        return f"{type(self).__name__}(user_id={self.user_id!r}, token=${self.token_variable})"

    # -- KeepsSteps ------------------------------------------------------------------------------------
    def resume(
        self, steps: Mapping[str, str], record: Callable[[dict[str, str]], None], wait: Callable[[float], None]
    ) -> None:
        self._steps = dict(steps)
        self._record = record
        self.api.sleep = wait

    # -- the Platform protocol -------------------------------------------------------------------------
    def check_credentials(self) -> AccountInfo:
        me = self.api.get(self.user_id, "check the token", fields="id,username")
        details = {"id": str(me.get("id", "")), "api_version": self.api.version}
        expires = self.settings.options.get("token_expires")
        if expires:
            details["token expires"] = str(expires)
        return AccountInfo(name=str(me.get("username") or ""), details=details)

    def post(self, message: Message, index: int, reply_to: RemotePost | None) -> RemotePost:
        part = self.part_of(message, index, reply_to)
        container = self._steps.get("container")
        state = self.api.wait_finished(container) if container else None
        if state is not None and state.status == "PUBLISHED":
            found = self._find(part, None)
            if found is None:
                raise OutcomeUnknown(f"the {self.display} container was published but its post is not listed yet")
            return found
        if state is None or state.status not in ("FINISHED", "IN_PROGRESS"):
            # No container, or an expired or failed one (nothing of it went out): make a new one.
            container = self._create(part, reply_to)
            self._steps = {"container": container}
            self._record(dict(self._steps))  # durable before media_publish: a lost answer resumes with it
            state = self.api.wait_finished(container)
        assert container is not None
        if state.status == "IN_PROGRESS":
            raise NotReady(f"{self.display} is still processing the post; the next run publishes it")
        if state.status != "FINISHED":
            raise PlatformError(f"{self.display} could not prepare the post ({state.status} {state.detail})".strip())
        media_id = self._publish(container)
        return RemotePost(media_id, self._permalink(media_id))

    def find_existing(self, message: Message, index: int, since: datetime) -> RemotePost | None:
        """After a lost answer: the container's status decides; a published one is found by its text and
        time among the account's posts (never by taking the newest)."""
        if index >= len(message.parts):
            return None
        container = self._steps.get("container")
        if container:
            state = self.api.container(container)
            if state.status in ("FINISHED", "IN_PROGRESS", "EXPIRED", "ERROR"):
                return None  # not published: post() publishes it, or makes a new one
        found = self._find(message.parts[index], since)
        if found is None and container:
            raise PlatformError(f"the {self.display} container {container} is published but its post is not listed yet")
        return found

    def delete(self, remote_id: str, reason: str) -> None:
        try:
            self.api.delete(remote_id, "delete the post")
        except MetaError as exc:
            if exc.code == 100 and exc.subcode == 33:
                log.info("%s post %s was already gone", self.display, remote_id)
                return
            raise

    def remaining_today(self) -> int | None:
        """Posts the account may still publish in its 24-hour window (Meta's publishing limit). Asked after
        each post: read once, then counted down locally (each publish uses one), and read again at zero."""
        if self._quota_left is not None and self._quota_left > 1:
            self._quota_left -= 1
            return self._quota_left
        self._quota_left = self._read_quota()
        return self._quota_left

    def _read_quota(self) -> int | None:
        try:
            data = self.api.get(
                f"{self.user_id}/{self.quota_edge}", "read the publishing limit", fields="quota_usage,config"
            )
        except PlatformError:
            return None
        items = data.get("data")
        if not isinstance(items, list) or not items or not isinstance(items[0], Mapping):
            return None
        usage = _as_int(items[0].get("quota_usage"))
        cfg = items[0].get("config")
        total = _as_int(cfg.get("quota_total")) if isinstance(cfg, Mapping) else None
        if usage is None or total is None:
            return None
        return max(total - usage, 0)

    def close(self) -> None:
        self.api.close()
        self._image_session.close()

    # -- for subclasses ----------------------------------------------------------------------------------
    def part_of(self, message: Message, index: int, reply_to: RemotePost | None) -> Part:
        return message.parts[index]

    def container_fields(self, part: Part, reply_to: RemotePost | None, image_urls: list[str]) -> dict[str, Any]:
        raise NotImplementedError

    # -- the steps -----------------------------------------------------------------------------------------
    def image_urls(self, part: Part) -> list[str]:
        """Each image's public address, checked to serve exactly the file (``NotReady`` otherwise)."""
        urls = []
        for media in part.media:
            if not self.image_url:
                raise ConfigError(
                    f"platforms.{self.name} needs image_url, where the repository's images are served publicly"
                )
            if "{commit}" in self.image_url and self._commit is None:
                from pmcpost.gitutil import head_commit

                self._commit = head_commit(self.config.root) or ""
            digest = self._digest(media.path)
            rel = media.path.relative_to(self.config.root).as_posix()
            url = self.image_url.format(path=rel, sha256=digest, commit=self._commit or "")
            if (url, digest) not in self._served:
                check_served(self._image_session, url, digest, media.path.name, self.settings.timeout)
                self._served[(url, digest)] = url
            urls.append(url)
        return urls

    def _digest(self, path: Path) -> str:
        """The image's sha256, hashed once per run (one photo on many posts), again if the file changes."""
        try:
            info = os.stat(path)
        except OSError:
            return file_sha256(path)  # says what is wrong, as before
        key = (path, info.st_size, info.st_mtime_ns)
        if key not in self._digests:
            self._digests[key] = file_sha256(path)
        return self._digests[key]

    def _create(self, part: Part, reply_to: RemotePost | None) -> str:
        urls = self.image_urls(part)
        edge = f"{self.user_id}/{self.create_edge}"
        if len(urls) > 1:
            children = []
            for url, media in zip(urls, part.media, strict=True):
                child = self.api.post(
                    edge,
                    "create a carousel item",
                    creates=False,
                    image_url=url,
                    is_carousel_item=True,
                    alt_text=media.alt or None,
                    **self.child_fields(),
                )
                children.append(str(child.get("id") or ""))
            fields = self.container_fields(part, reply_to, [])
            fields.update(media_type="CAROUSEL", children=",".join(children))
        else:
            fields = self.container_fields(part, reply_to, urls)
        result = self.api.post(edge, "create the container", creates=False, **fields)
        container = str(result.get("id") or "")
        if not container:
            raise PlatformError(f"{self.display} created a container but its answer held no id", retryable=True)
        return container

    def child_fields(self) -> dict[str, Any]:
        return {}

    def _publish(self, container: str) -> str:
        edge = f"{self.user_id}/{self.publish_edge}"
        for attempt in range(WAIT_TRIES):
            try:
                result = self.api.post(edge, "publish the container", creates=True, creation_id=container)
            except MetaError as exc:
                if exc.code != NOT_READY_CODE or attempt == WAIT_TRIES - 1:
                    raise
                self.api.sleep(min(2.0**attempt, 30.0))  # 9007: "media not ready": wait for it
                continue
            media_id = str(result.get("id") or "")
            if not media_id:
                raise OutcomeUnknown(f"{self.display} published the container but its answer held no id")
            return media_id
        raise AssertionError("unreachable")

    def _permalink(self, media_id: str) -> str:
        try:
            data = self.api.get(media_id, "read the post's address", fields="id,permalink")
        except PlatformError:
            return self.post_url.format(id=media_id)
        return https_only(data.get("permalink") if isinstance(data.get("permalink"), str) else None) or (
            self.post_url.format(id=media_id)
        )

    def _find(self, part: Part, since: datetime | None) -> RemotePost | None:
        wanted = normalise_text(self.shown_text(part))
        data = self.api.get(
            f"{self.user_id}/{self.create_edge}",
            "read the account's posts",
            fields=f"id,{self.text_field},timestamp,permalink",
            limit=50,
        )
        for item in data.get("data") or ():
            if not isinstance(item, Mapping) or normalise_text(str(item.get(self.text_field) or "")) != wanted:
                continue
            created = parse_time(item.get("timestamp"))
            if since is not None and created is not None and created < since:
                continue
            media_id = str(item.get("id") or "")
            link = item.get("permalink")
            return RemotePost(
                media_id, https_only(link if isinstance(link, str) else None) or self.post_url.format(id=media_id)
            )
        return None

    def shown_text(self, part: Part) -> str:
        return part.text
