"""The Bluesky adapter: AT Protocol XRPC over plain requests (docs/decisions.md says why not the atproto SDK).

An app password opens a session (com.atproto.server.createSession, limited to a few hundred a day); the
session's tokens are kept in ``.git/pmcpost/`` (never committed, never printed) and refreshed
(refreshSession) when the access token expires, so runs do not spend createSession. Each post is an
``app.bsky.feed.post`` record created under a record key (a TID) derived from the post before the create:
after a lost answer ``getRecord`` on that key says whether it went out, and a repeated create with it is
refused rather than doubled. Links, mentions and hashtags become facets with UTF-8 byte offsets.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, ClassVar

from pmcpost.credentials import read_credential, remember
from pmcpost.errors import CredentialsError, DuplicateContent, OutcomeUnknown, PlatformError, RateLimited
from pmcpost.platforms import AccountInfo, Media, Message, RemotePost
from pmcpost.platforms.bluesky_spec import record_key
from pmcpost.platforms.fedtext import BLUESKY_BYTES, facets, utf8_bytes
from pmcpost.platforms.restapi import Answer, JsonApi, first_text, read_json, server_trouble, state_dir, write_private

if TYPE_CHECKING:
    from pmcpost.config import Config, PlatformConfig

POST = "app.bsky.feed.post"
SESSION_FILE = "bluesky-session.json"
MAX_BLOB = 1_000_000
EXPIRED = ("ExpiredToken", "InvalidToken")


def _rkey_of(uri: str) -> str:
    return uri.rstrip("/").rsplit("/", 1)[-1]


class BlueskyPlatform:
    """Posts to one Bluesky account through its PDS (``api_url``)."""

    name: ClassVar[str] = "bluesky"

    def __init__(
        self,
        settings: PlatformConfig,
        config: Config,
        environ: Mapping[str, str],
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self._clock = clock
        roles = ("handle", "app_password")
        missing_roles = [r for r in roles if not settings.credentials.get(r)]
        if missing_roles:
            raise CredentialsError(
                f"platforms.bluesky.credentials must name an environment variable for {', '.join(missing_roles)}"
            )
        self.variables = {r: settings.credentials[r] for r in roles}
        values = {r: read_credential(environ, v) for r, v in self.variables.items()}
        missing = [self.variables[r] for r in roles if not values[r]]
        if missing:
            raise CredentialsError(f"Bluesky credentials missing: set {', '.join(missing)} in the environment")
        self.handle = values["handle"].lstrip("@").lower()
        self._password = values["app_password"]
        self.api_url = settings.api_url.rstrip("/")
        self._api = JsonApi("Bluesky", self.api_url, settings.timeout)
        self._session_file = state_dir(config.root) / SESSION_FILE
        self._session: dict[str, Any] | None = None
        self._cids: dict[str, tuple[str, dict[str, Any] | None]] = {}  # uri -> (cid, reply of the record)
        self._dids: dict[str, str | None] = {}

    def __repr__(self) -> str:
        return f"BlueskyPlatform(api_url={self.api_url!r}, handle={self.handle!r})"

    # -- the Platform protocol -------------------------------------------------------------------------
    def check_credentials(self) -> AccountInfo:
        body = self._xrpc("GET", "com.atproto.server.getSession", "checking the Bluesky session")
        return AccountInfo(name=f"@{body.get('handle', self.handle)}", details={"did": str(body.get("did", ""))})

    def post(self, message: Message, index: int, reply_to: RemotePost | None) -> RemotePost:
        part = message.parts[index]
        what = f"posting part {index + 1} of {len(message.parts)} of {message.announcement.id}"
        size = utf8_bytes(part.text)
        if size > BLUESKY_BYTES:
            raise PlatformError(f"part {index + 1} is {size:,} bytes in UTF-8; Bluesky allows {BLUESKY_BYTES:,}")
        did = self._did()
        record: dict[str, Any] = {
            "$type": POST,
            "text": part.text,
            "createdAt": datetime.fromtimestamp(self._clock(), timezone.utc).isoformat().replace("+00:00", "Z"),
            "langs": part.language.split("+"),
        }
        found = facets(part.text, self._resolve)
        if found:
            record["facets"] = found
        if part.media:
            images = [{"alt": m.alt, "image": self._upload(m)} for m in part.media]
            record["embed"] = {"$type": "app.bsky.embed.images", "images": images}
        if reply_to is not None:
            parent_cid, parent_reply = self._strong_ref(reply_to.id)
            parent = {"uri": reply_to.id, "cid": parent_cid}
            root = (parent_reply or {}).get("root") or parent
            record["reply"] = {"root": root, "parent": parent}
        rkey = record_key(message, index)
        payload = {"repo": did, "collection": POST, "rkey": rkey, "record": record}
        body = self._xrpc("POST", "com.atproto.repo.createRecord", what, creates=True, json=payload)
        uri, cid = str(body.get("uri", "")), str(body.get("cid", ""))
        if not uri or not cid:
            raise OutcomeUnknown(f"Bluesky accepted the record but named no uri or cid while {what}")
        self._cids[uri] = (cid, record.get("reply"))
        return RemotePost(uri, self._web_url(rkey))

    def find_existing(self, message: Message, index: int, since: datetime) -> RemotePost | None:
        rkey = record_key(message, index)
        body = self._get_record(rkey)
        if body is None:
            return None
        uri = str(body["uri"])
        value = body.get("value") if isinstance(body.get("value"), dict) else {}
        self._cids[uri] = (str(body.get("cid", "")), (value or {}).get("reply"))
        return RemotePost(uri, self._web_url(rkey))

    def delete(self, remote_id: str, reason: str) -> None:
        # Bluesky keeps no public reason; deleting a record that is gone already succeeds.
        payload = {"repo": self._did(), "collection": POST, "rkey": _rkey_of(remote_id)}
        self._xrpc("POST", "com.atproto.repo.deleteRecord", f"deleting {remote_id}", json=payload)

    def close(self) -> None:
        self._api.close()

    # -- records and blobs -----------------------------------------------------------------------------
    def _get_record(self, rkey: str) -> dict[str, Any] | None:
        params = {"repo": self._did(), "collection": POST, "rkey": rkey}
        try:
            body = self._xrpc("GET", "com.atproto.repo.getRecord", f"looking up record {rkey}", params=params)
        except _NotFound:
            return None
        return body if body.get("uri") else None

    def _strong_ref(self, uri: str) -> tuple[str, dict[str, Any] | None]:
        """The cid of the record at ``uri`` and its own reply refs (to find a thread's root)."""
        if uri not in self._cids:
            body = self._get_record(_rkey_of(uri))
            if body is None:
                raise PlatformError(f"the post to reply to ({uri}) is not on Bluesky any more")
            value = body.get("value") if isinstance(body.get("value"), dict) else {}
            self._cids[uri] = (str(body.get("cid", "")), (value or {}).get("reply"))
        return self._cids[uri]

    def _upload(self, media: Media) -> dict[str, Any]:
        try:
            data = media.path.read_bytes()
        except OSError as exc:
            raise PlatformError(f"cannot read {media.path}: {exc.strerror}") from None
        if len(data) > MAX_BLOB:
            raise PlatformError(f"{media.path.name} is {len(data):,} bytes; Bluesky takes images up to {MAX_BLOB:,}")
        body = self._xrpc(
            "POST",
            "com.atproto.repo.uploadBlob",
            f"uploading {media.path.name}",
            data=data,
            headers={"Content-Type": media.mime},
        )
        blob = body.get("blob")
        if not isinstance(blob, dict):
            raise PlatformError(f"Bluesky named no blob for {media.path.name}", retryable=True)
        return blob

    def _resolve(self, handle: str) -> str | None:
        """A mentioned handle's DID (None when it names no account: the mention stays plain text)."""
        if handle not in self._dids:
            try:
                body = self._xrpc(
                    "GET", "com.atproto.identity.resolveHandle", f"resolving @{handle}", params={"handle": handle}
                )
            except PlatformError:
                body = {}
            did = body.get("did")
            self._dids[handle] = did if isinstance(did, str) else None
        return self._dids[handle]

    def _web_url(self, rkey: str) -> str:
        # By DID: it outlives a change of handle, and the handle, read from a credential variable, is scrubbed
        # from output like every credential.
        return f"https://bsky.app/profile/{self._did()}/post/{rkey}"

    # -- the session -----------------------------------------------------------------------------------
    def _did(self) -> str:
        return str(self._current_session()["did"])

    def _current_session(self) -> dict[str, Any]:
        if self._session is None:
            kept = read_json(self._session_file)
            usable = kept.get("api_url") == self.api_url and kept.get("handle") == self.handle
            if usable and kept.get("accessJwt") and kept.get("did"):
                remember([str(kept["accessJwt"]), str(kept.get("refreshJwt", ""))])
                self._session = kept
            else:
                self._create_session()
        assert self._session is not None
        return self._session

    def _create_session(self) -> None:
        payload = {"identifier": self.handle, "password": self._password}
        answer = self._api.call("POST", "/xrpc/com.atproto.server.createSession", "signing in to Bluesky", json=payload)
        if answer.status in (400, 401):
            raise CredentialsError(
                f"Bluesky refused the handle and app password in {self.variables['handle']} and "
                f"{self.variables['app_password']} ({first_text(answer.body, 'message') or 'no reason given'}); "
                "create an app password under Settings, Privacy and security, App passwords"
            )
        self._keep(self._json(answer, "signing in to Bluesky"))

    def _refresh_session(self) -> None:
        session = self._current_session()
        answer = self._api.call(
            "POST",
            "/xrpc/com.atproto.server.refreshSession",
            "refreshing the Bluesky session",
            headers={"Authorization": f"Bearer {session.get('refreshJwt', '')}"},
        )
        if answer.status in (400, 401):
            self._create_session()  # the refresh token expired too (after about two months) or was revoked
            return
        self._keep(self._json(answer, "refreshing the Bluesky session"))

    def _keep(self, body: dict[str, Any]) -> None:
        if not body.get("accessJwt") or not body.get("did"):
            raise PlatformError("Bluesky opened a session without tokens", retryable=True)
        remember([str(body["accessJwt"]), str(body.get("refreshJwt", ""))])
        self._session = {
            "api_url": self.api_url,
            "handle": self.handle,
            "did": body["did"],
            "accessJwt": body["accessJwt"],
            "refreshJwt": body.get("refreshJwt", ""),
        }
        write_private(self._session_file, self._session)

    # -- XRPC ------------------------------------------------------------------------------------------
    def _xrpc(self, method: str, nsid: str, what: str, *, creates: bool = False, **kwargs: Any) -> dict[str, Any]:
        for attempt in (1, 2):
            session = self._current_session()
            headers = {**kwargs.pop("headers", {}), "Authorization": f"Bearer {session['accessJwt']}"}
            answer = self._api.call(method, f"/xrpc/{nsid}", what, creates=creates, headers=headers, **kwargs)
            kwargs["headers"] = {k: v for k, v in headers.items() if k != "Authorization"}
            if attempt == 1 and answer.status in (400, 401) and first_text(answer.body, "error") in EXPIRED:
                self._refresh_session()
                continue
            return self._json(answer, what, creates=creates)
        raise PlatformError(f"Bluesky refused a fresh session while {what}", stop_platform=True)

    def _json(self, answer: Answer, what: str, *, creates: bool = False) -> dict[str, Any]:
        """The answer's JSON object; XRPC's {"error", "message"} turned into pmcpost's errors."""
        if 200 <= answer.status < 300:
            if not isinstance(answer.body, dict):
                if creates:
                    raise OutcomeUnknown(f"Bluesky sent no JSON object while {what}; the post may or may not exist")
                if answer.body is None:
                    return {}
                raise PlatformError(f"Bluesky sent no JSON object while {what}", retryable=True)
            return answer.body
        error = first_text(answer.body, "error")
        said = first_text(answer.body, "message") or error or f"HTTP {answer.status}"
        if answer.status == 429 or error == "RateLimitExceeded":
            reset = answer.headers.get("ratelimit-reset", "")
            raise RateLimited(f"Bluesky's rate limit is reached ({what})", float(reset) if reset.isdigit() else None)
        if answer.status == 401 or error in EXPIRED or error == "AuthenticationRequired":
            raise CredentialsError(
                f"Bluesky refused the session of {self.variables['handle']} while {what} ({said}); check the app "
                f"password in {self.variables['app_password']}"
            )
        if error == "RecordNotFound" or (answer.status == 400 and "could not locate record" in said.lower()):
            raise _NotFound(said)
        if answer.status >= 500:
            server_trouble("Bluesky", answer, what, creates, said)
        if creates and "exist" in said.lower():
            raise DuplicateContent(f"Bluesky already holds this record key while {what}: {said}")
        raise PlatformError(f"Bluesky refused {what}: {error + ': ' if error else ''}{said} (HTTP {answer.status})")


class _NotFound(PlatformError):
    """getRecord: no record under that key."""
