"""What the X and Facebook adapters share about HTTP: a session that sends a client library's requests to the
configured API base URL with a default timeout, and telling a request that never left from one that may have
taken effect. Imported only when posting (it imports requests)."""

from __future__ import annotations

from typing import Any

import requests
from urllib3.exceptions import NewConnectionError


class RebasedSession(requests.Session):
    """Sends requests a library addresses to ``library_host`` to ``base_url`` instead, and gives every request
    a timeout (tweepy and facebook-sdk hard-code their hosts, and tweepy sets no timeout)."""

    def __init__(self, library_host: str, base_url: str, timeout: float) -> None:
        super().__init__()
        self.library_host = library_host.rstrip("/")
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def rebase(self, url: str) -> str:
        """``url`` on ``base_url``; other addresses (already absolute on it) pass unchanged."""
        if url.startswith(self.library_host):
            return self.base_url + url[len(self.library_host) :]
        return url

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        url = self.rebase(url.decode() if isinstance(url, bytes) else url)
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        return super().request(method, url, *args, **kwargs)


def never_sent(exc: BaseException) -> bool:
    """Whether a failed request certainly never reached the server (no connection was made), so sending it
    again cannot make a post twice."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    seen: set[int] = set()
    stack: list[object] = [exc]
    while stack:
        item = stack.pop()
        if not isinstance(item, BaseException) or id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, NewConnectionError):
            return True
        stack.extend(item.args)
        stack.extend((getattr(item, "reason", None), item.__cause__, item.__context__))
    return False
