"""A Bluesky PDS on 127.0.0.1: the XRPC calls pmcpost makes, as the AT Protocol lexicons define them.

com.atproto.server.createSession / refreshSession / getSession (access and refresh JWTs; an access token
expires on demand with 400 ExpiredToken; a refresh token is used once), com.atproto.repo.uploadBlob (raw
bytes), createRecord (with the client's rkey, a TID; a taken rkey is refused), getRecord (400
RecordNotFound), deleteRecord, com.atproto.identity.resolveHandle. Errors are XRPC's
``{"error": "...", "message": "..."}``; a rate limit is 429 RateLimitExceeded with ratelimit-* headers. A post
record is checked like the app.bsky.feed.post lexicon: 300 graphemes, 3,000 bytes, facets whose byte offsets
fall inside the UTF-8 text, at most 4 images each with alt text and a blob of at most 1,000,000 bytes, reply
refs with uri and cid.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from .http import Emulator, Reply, Request, SeenPost

HANDLE = "pmcpune.bsky.social"
DID = "did:plc:pmcpune7emulator0000000"
APP_PASSWORD = "abcd-SECRET-ef12-3456"
POST = "app.bsky.feed.post"
TID_RE = re.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$")
KNOWN_HANDLES = {HANDLE: DID, "pmc.gov.in": "did:plc:pmcgovin0000000000000000"}


@dataclass
class Record:
    rkey: str
    value: dict[str, Any]
    cid: str
    deleted: bool = False

    @property
    def uri(self) -> str:
        return f"at://{DID}/{POST}/{self.rkey}"


def _jwt(kind: str, n: int) -> str:
    head = base64.urlsafe_b64encode(json.dumps({"typ": kind, "alg": "ES256K"}).encode()).decode().rstrip("=")
    body = base64.urlsafe_b64encode(json.dumps({"sub": DID, "n": n}).encode()).decode().rstrip("=")
    return f"{head}.{body}.{kind}-SECRET-{n:04d}"


class BlueskyEmulator(Emulator):
    """One account's PDS. ``records`` keeps deleted ones, flagged."""

    def __init__(self, *, clock: Callable[[], datetime] | None = None, password: str = APP_PASSWORD) -> None:
        super().__init__()
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        self.password = password
        self.records: dict[str, Record] = {}
        self.blobs: dict[str, tuple[bytes, str]] = {}
        self.access: set[str] = set()
        self.refresh: set[str] = set()
        self._n = itertools.count(1)

    # -- for tests/world.py ------------------------------------------------------------------------------
    def environ(self) -> dict[str, str]:
        return {
            "PMCPOST_BLUESKY_API_URL": self.url,
            "PMCPOST_BLUESKY_HANDLE": HANDLE,
            "PMCPOST_BLUESKY_APP_PASSWORD": self.password,
        }

    def seen_posts(self) -> list[SeenPost]:
        with self.lock:
            live = [r for r in self.records.values() if not r.deleted]
            return [
                SeenPost(r.uri, str(r.value["text"]), (r.value.get("reply") or {}).get("parent", {}).get("uri"))
                for r in live
            ]

    def expire_access_tokens(self) -> None:
        """Every access token issued so far now answers ExpiredToken."""
        with self.lock:
            self.access.clear()

    def sessions_created(self) -> int:
        return len(self.requests_to("/xrpc/com.atproto.server.createSession", "POST"))

    # -- the API -----------------------------------------------------------------------------------------
    def error_reply(self, status: int, headers: Mapping[str, str]) -> Reply:
        names = {
            400: "InvalidRequest",
            401: "AuthenticationRequired",
            429: "RateLimitExceeded",
            500: "InternalServerError",
        }
        error = names.get(status, "InternalServerError" if status >= 500 else "InvalidRequest")
        messages = {"RateLimitExceeded": "Rate Limit Exceeded", "InternalServerError": "Internal Server Error"}
        return Reply.json(status, {"error": error, "message": messages.get(error, error)}, headers)

    def rate_limit(self, nsid: str, *, reset: int, times: int = 1) -> None:
        headers = {"ratelimit-limit": "5000", "ratelimit-remaining": "0", "ratelimit-reset": str(reset)}
        self.fail(f"/xrpc/{nsid}", 429, times=times, headers=headers)

    def handle(self, request: Request) -> Reply:
        nsid = request.path.removeprefix("/xrpc/")
        with self.lock:
            if nsid == "com.atproto.server.createSession":
                return self._create_session(request)
            if nsid == "com.atproto.server.refreshSession":
                return self._refresh_session(request)
            if nsid == "com.atproto.identity.resolveHandle":
                did = KNOWN_HANDLES.get(request.param("handle") or "")
                if did is None:
                    return _error(400, "InvalidRequest", "Unable to resolve handle")
                return Reply.json(200, {"did": did})
            problem = self._authorise(request)
            if problem is not None:
                return problem
            if nsid == "com.atproto.server.getSession" and request.method == "GET":
                return Reply.json(200, {"handle": HANDLE, "did": DID, "active": True})
            if nsid == "com.atproto.repo.uploadBlob" and request.method == "POST":
                return self._upload_blob(request)
            if nsid == "com.atproto.repo.createRecord" and request.method == "POST":
                return self._create_record(request.json() or {})
            if nsid == "com.atproto.repo.getRecord" and request.method == "GET":
                return self._get_record(request)
            if nsid == "com.atproto.repo.deleteRecord" and request.method == "POST":
                data = request.json() or {}
                found = self.records.get(str(data.get("rkey")))
                if found is not None:
                    found.deleted = True
                return Reply.json(200, {"commit": {"cid": "bafycommit", "rev": "3l"}})
        return _error(501, "MethodNotImplemented", f"Method Not Implemented: {nsid}")

    def _new_session(self) -> Reply:
        n = next(self._n)
        access, refresh = _jwt("at+jwt", n), _jwt("refresh+jwt", n)
        self.access.add(access)
        self.refresh.add(refresh)
        return Reply.json(
            200, {"accessJwt": access, "refreshJwt": refresh, "handle": HANDLE, "did": DID, "active": True}
        )

    def _create_session(self, request: Request) -> Reply:
        data = request.json() or {}
        if data.get("identifier") not in (HANDLE, DID) or data.get("password") != self.password:
            return _error(401, "AuthenticationRequired", "Invalid identifier or password")
        return self._new_session()

    def _refresh_session(self, request: Request) -> Reply:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        if token not in self.refresh:
            return _error(400, "ExpiredToken", "Token has been revoked")
        self.refresh.discard(token)  # a refresh token is used once
        return self._new_session()

    def _authorise(self, request: Request) -> Reply | None:
        auth = request.headers.get("authorization", "")
        if not auth.startswith("Bearer "):
            return _error(401, "AuthenticationRequired", "Authentication Required")
        token = auth.removeprefix("Bearer ")
        if token not in self.access:
            if token.count(".") == 2 and "at+jwt" in token:
                return _error(400, "ExpiredToken", "Token has expired")
            return _error(401, "InvalidToken", "Malformed token")
        return None

    def _upload_blob(self, request: Request) -> Reply:
        mime = request.content_type
        digest = hashlib.sha256(request.body).hexdigest()
        cid = "bafkrei" + digest[:52]
        self.blobs[cid] = (request.body, mime)
        blob = {"$type": "blob", "ref": {"$link": cid}, "mimeType": mime, "size": len(request.body)}
        return Reply.json(200, {"blob": blob})

    def _create_record(self, data: dict[str, Any]) -> Reply:
        if data.get("repo") not in (DID, HANDLE) or data.get("collection") != POST:
            return _error(400, "InvalidRequest", "Invalid repo or collection")
        rkey = str(data.get("rkey") or "")
        if not TID_RE.match(rkey):
            return _error(400, "InvalidRequest", f"Invalid record key: {rkey}")
        record = data.get("record")
        problem = _invalid_post(record, self.blobs, self.records)
        if problem:
            return _error(400, "InvalidRequest", f"Invalid app.bsky.feed.post record: {problem}")
        if rkey in self.records and not self.records[rkey].deleted:
            return _error(400, "InvalidRequest", f"Record already exists at at://{DID}/{POST}/{rkey}")
        assert isinstance(record, dict)
        cid = "bafyrei" + hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()[:52]
        made = Record(rkey, record, cid)
        self.records[rkey] = made
        return Reply.json(200, {"uri": made.uri, "cid": cid, "validationStatus": "valid"})

    def _get_record(self, request: Request) -> Reply:
        found = self.records.get(request.param("rkey") or "")
        if found is None or found.deleted or request.param("repo") not in (DID, HANDLE):
            return _error(400, "RecordNotFound", f"Could not locate record: at://{DID}/{POST}/{request.param('rkey')}")
        return Reply.json(200, {"uri": found.uri, "cid": found.cid, "value": found.value})


def _error(status: int, error: str, message: str) -> Reply:
    return Reply.json(status, {"error": error, "message": message})


def _invalid_post(record: Any, blobs: Mapping[str, Any], records: Mapping[str, Record]) -> str | None:
    import regex

    if not isinstance(record, dict) or record.get("$type") != POST:
        return "Record/$type must be app.bsky.feed.post"
    text = record.get("text")
    if not isinstance(text, str) or not isinstance(record.get("createdAt"), str):
        return "Record must have the properties text and createdAt"
    data = text.encode("utf-8")
    if len(regex.findall(r"\X", text)) > 300:
        return "Record/text must not be longer than 300 graphemes"
    if len(data) > 3000:
        return "Record/text must not be longer than 3000 characters"
    for facet in record.get("facets") or []:
        index = facet.get("index") or {}
        start, end = index.get("byteStart"), index.get("byteEnd")
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(data)):
            return "Record/facets/index out of range"
        try:
            data[start:end].decode("utf-8")
        except UnicodeDecodeError:
            return "Record/facets/index does not fall on a character boundary"
    embed = record.get("embed")
    if embed is not None:
        images = embed.get("images") if embed.get("$type") == "app.bsky.embed.images" else None
        if not isinstance(images, list) or not 1 <= len(images) <= 4:
            return "Record/embed/images must have 1 to 4 items"
        for image in images:
            if not isinstance(image.get("alt"), str):
                return "Record/embed/images/alt must be a string"
            link = str(((image.get("image") or {}).get("ref") or {}).get("$link"))
            if link not in blobs:
                return "Record/embed/images/image blob not found"
            if len(blobs[link][0]) > 1_000_000:
                return "Record/embed/images/image file too large. 1000000 bytes maximum"
    reply = record.get("reply")
    if reply is not None:
        for which in ("root", "parent"):
            ref = reply.get(which) or {}
            rkey = str(ref.get("uri", "")).rsplit("/", 1)[-1]
            if rkey not in records or records[rkey].cid != ref.get("cid"):
                return f"Record/reply/{which} must be a strong ref to a record"
    return None
