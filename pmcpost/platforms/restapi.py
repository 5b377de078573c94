"""What the Mastodon and Bluesky adapters share: one JSON-over-HTTP call with pmcpost's error rules (a create
whose answer is lost has an unknown outcome; reads and uploads may be retried), and the folder outside the
work tree where adapters keep state between runs (cached sessions and instance limits). Imports requests:
only adapters import it."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import requests

from pmcpost.credentials import scrub
from pmcpost.errors import OutcomeUnknown, PlatformError
from pmcpost.platforms.http import RebasedSession, never_sent
from pmcpost.platforms.state import state_folder


def state_dir(root: Path) -> Path:
    """The state folder of the repository at ``root`` (pmcpost.platforms.state), created when missing."""
    return state_folder(root, create=True)


def write_private(path: Path, data: Mapping[str, Any]) -> None:
    """Write JSON readable by its owner only, replacing the file in one step."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh)
    os.replace(tmp, path)


def read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


@dataclass
class Answer:
    status: int
    body: Any  # parsed JSON, or None
    headers: Mapping[str, str]


class JsonApi:
    """Requests to one API base URL with a timeout; ``name`` says whose API in messages."""

    def __init__(self, name: str, base_url: str, timeout: float) -> None:
        self.name = name
        self.timeout = timeout
        self.session = RebasedSession("", base_url, timeout)  # every path is relative to base_url

    def close(self) -> None:
        self.session.close()

    def call(self, method: str, path: str, what: str, *, creates: bool = False, **kwargs: Any) -> Answer:
        """One request; a lost answer to a create raises OutcomeUnknown, to anything else a retryable error."""
        try:
            response = self.session.request(method, path, **kwargs)
        except requests.Timeout as exc:
            self._no_answer(f"no answer from {self.name} within {self.timeout:g} s while {what}", exc, creates)
        except requests.ConnectionError as exc:
            self._no_answer(f"the connection to {self.name} failed while {what}", exc, creates)
        except requests.RequestException as exc:
            raise PlatformError(f"the request to {self.name} failed while {what}: {type(exc).__name__}") from None
        try:
            body = response.json() if response.content else None
        except ValueError:
            body = None
        if 200 <= response.status_code < 300 and body is None and response.content:
            message = f"{self.name} sent an answer that is not JSON while {what}"
            if creates:
                raise OutcomeUnknown(f"{message}; the post may or may not exist")
            raise PlatformError(message, retryable=True)
        return Answer(response.status_code, body, response.headers)

    def _no_answer(self, message: str, exc: requests.RequestException, creates: bool) -> NoReturn:
        if creates and not never_sent(exc):
            raise OutcomeUnknown(f"{message}; the post may or may not exist") from None
        raise PlatformError(message, retryable=True) from None


def server_trouble(name: str, answer: Answer, what: str, creates: bool, said: str) -> NoReturn:
    """A 5xx: a create's outcome is unknown, anything else may be retried."""
    message = f"{name} failed while {what} (HTTP {answer.status}: {scrub(said)})"
    if creates:
        raise OutcomeUnknown(f"{message}; the post may or may not exist")
    raise PlatformError(message, retryable=True)


def first_text(body: Any, *keys: str) -> str:
    """The first of ``keys`` in a JSON error body that holds text (scrubbed)."""
    if isinstance(body, dict):
        for key in keys:
            value = body.get(key)
            if isinstance(value, str) and value:
                return scrub(value)
    return ""
