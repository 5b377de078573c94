"""A small threaded HTTP server for platform emulators: 127.0.0.1, an ephemeral port, a request log, faults.

A subclass implements ``handle(request) -> Reply`` (and may override ``error_reply`` to shape error bodies the
way its platform does). Tests program faults per path: a status for the next N requests, a delay, or a lost
response (the request is handled, so its side effects happen, but the connection is closed unanswered).
"""

from __future__ import annotations

import email.parser
import email.policy
import fnmatch
import json
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    """One request as the emulator received it."""

    method: str
    path: str  # without the query string
    query: dict[str, list[str]]
    headers: dict[str, str]  # names in lower case
    body: bytes
    url: str  # absolute, as the client addressed it (for signature checks)
    status: int | None = None  # what the emulator answered; None when it answered nothing
    reply_headers: dict[str, str] = field(default_factory=dict)

    def param(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def json(self) -> Any:
        """The body parsed as JSON (None when empty)."""
        return json.loads(self.body) if self.body else None

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    def form(self) -> dict[str, list[str]]:
        """The body's fields when it is application/x-www-form-urlencoded."""
        if self.content_type != "application/x-www-form-urlencoded":
            return {}
        return parse_qs(self.body.decode("utf-8"), keep_blank_values=True)

    def multipart(self) -> dict[str, bytes]:
        """The fields of a multipart/form-data body: name -> raw bytes (files and plain fields alike)."""
        if self.content_type != "multipart/form-data":
            return {}
        head = f"Content-Type: {self.headers['content-type']}\r\n\r\n".encode()
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + self.body)
        fields: dict[str, bytes] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            if isinstance(name, str) and isinstance(payload, bytes):
                fields[name] = payload
        return fields


@dataclass
class Reply:
    """What the emulator answers."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, status: int, data: Any, headers: Mapping[str, str] | None = None) -> Reply:
        try:
            body = json.dumps(data, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: sent escaped ("\ud800"), as JSON servers do
            body = json.dumps(data).encode("ascii")
        return cls(status, body, {"content-type": "application/json; charset=utf-8", **(headers or {})})


@dataclass
class Fault:
    """A programmed misbehaviour for the next ``times`` requests matching ``method`` and ``path``."""

    path: str  # exact, or a glob where '*' matches any run of characters ('/2/users/*/tweets')
    method: str | None
    times: int
    status: int | None = None  # answer this status (via error_reply) instead of handling the request
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # wait this long before handling
    drop: bool = False  # handle the request, then close the connection without answering

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method != method:
            return False
        return fnmatch.fnmatchcase(path, self.path)


E = TypeVar("E", bound="Emulator")
F = TypeVar("F", bound=Fault)


@dataclass(frozen=True)
class SeenPost:
    """A live post as an emulator holds it, in the form tests/world.py compares with the ledger."""

    id: str
    text: str  # what the platform shows
    reply_to: str | None = None


class Emulator:
    """Base of the emulators: start() it, point a client at .url, stop() it (or use it as a context manager).

    For tests/world.py a platform's emulator also says what pmcpost must read from the environment to reach it
    (``environ``), which posts it holds (``seen_posts``) and whether one of them is a rendered part (``shows``).
    """

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.faults: list[Fault] = []
        self.lock = threading.RLock()  # handlers run on many threads; subclasses guard their state with it
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- life cycle ------------------------------------------------------------------------------------
    def start(self: E) -> E:
        emulator = self

        class Handler(_Handler):
            pass

        Handler.emulator = emulator
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name=type(self).__name__, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # releases handlers sleeping in a delay fault
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self: E) -> E:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what tests/world.py asks every platform's emulator ------------------------------------------------
    def environ(self) -> dict[str, str]:
        """The environment pmcpost needs to post here: the API address override and the credentials."""
        raise NotImplementedError

    def seen_posts(self) -> list[SeenPost]:
        """The live posts (deleted ones left out), oldest first."""
        raise NotImplementedError

    def shows(self, post: SeenPost, text: str) -> bool:
        """Whether ``post`` is a rendered part whose text is ``text`` (as the platform shows it)."""
        return post.text == text

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the emulator is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    # -- faults ----------------------------------------------------------------------------------------
    def fail(
        self,
        path: str,
        status: int,
        *,
        times: int = 1,
        method: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Answer the next ``times`` requests to ``path`` with ``status`` (body from error_reply)."""
        with self.lock:
            self.faults.append(Fault(path, method, times, status=status, headers=dict(headers or {})))

    def delay(self, path: str, seconds: float, *, times: int = 1, method: str | None = None) -> None:
        """Wait ``seconds`` before handling the next ``times`` requests to ``path``."""
        with self.lock:
            self.faults.append(Fault(path, method, times, delay=seconds))

    def lose_response(self, path: str, *, times: int = 1, method: str | None = None) -> None:
        """Handle the next ``times`` requests to ``path``, then drop the connection without answering."""
        with self.lock:
            self.faults.append(Fault(path, method, times, drop=True))

    def _take_fault(self, method: str, path: str) -> Fault | None:
        return self.take_from(self.faults, method, path)

    def take_from(self, faults: Sequence[F], method: str, path: str) -> F | None:
        """Use up one time of the first fault in ``faults`` that matches this request."""
        with self.lock:
            for fault in faults:
                if fault.times > 0 and fault.matches(method, path):
                    fault.times -= 1
                    return fault
        return None

    # -- the request log -------------------------------------------------------------------------------
    def requests_to(self, path: str, method: str | None = None) -> list[Request]:
        """Logged requests to ``path`` (exact, or a glob with '*'), oldest first."""
        probe = Fault(path, method, 0)
        with self.lock:
            return [r for r in self.requests if probe.matches(r.method, r.path)]

    # -- for subclasses --------------------------------------------------------------------------------
    def handle(self, request: Request) -> Reply:
        """Answer one request; runs on the connection's thread."""
        raise NotImplementedError

    def error_reply(self, status: int, headers: Mapping[str, str]) -> Reply:
        """The body of an injected error status; platforms override this with their own error shape."""
        phrase = HTTPStatus(status).phrase
        return Reply.json(status, {"error": phrase}, headers)

    def _serve(self, request: Request) -> Reply | None:
        with self.lock:
            self.requests.append(request)
        fault = self._take_fault(request.method, request.path)
        if fault is not None and fault.status is not None:
            return self.error_reply(fault.status, fault.headers)
        if fault is not None and fault.delay and self._stopping.wait(fault.delay):
            return None  # stopped while waiting: the client gave up long ago
        reply = self.handle(request)
        if fault is not None and fault.drop:
            return None
        return reply


class _Handler(BaseHTTPRequestHandler):
    # Keep-alive like the real APIs, so clients reuse pooled connections as they do in production.
    protocol_version = "HTTP/1.1"
    # Buffer each answer and send it in one piece: headers and body in separate segments meet the
    # client's delayed ACK and cost 40 ms a request.
    wbufsize = 64 * 1024
    emulator: Emulator

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def do_PATCH(self) -> None:
        self._dispatch()

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output clean; the emulator's request log is the record

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _dispatch(self) -> None:
        split = urlsplit(self.path)
        host = self.headers.get("Host") or "127.0.0.1"
        request = Request(
            method=self.command,
            path=split.path,
            query=parse_qs(split.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=self._read_body(),
            url=f"http://{host}{self.path}",
        )
        try:
            reply = self.emulator._serve(request)
        except Exception as exc:  # a bug in the emulator: answer 500 so the test sees it, not a hang
            reply = Reply.json(500, {"emulator_error": repr(exc)})
        if reply is None:
            self.close_connection = True
            return
        request.status = reply.status
        request.reply_headers = dict(reply.headers)
        try:
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client timed out and left
