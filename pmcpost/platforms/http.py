"""What the X and Facebook adapters share about HTTP: a session that sends a client library's requests to the
configured API base URL with a default timeout, and telling a request that never left from one that may have
taken effect. Imported only when posting (it imports requests)."""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.sessions import merge_setting
from requests.utils import get_environ_proxies
from urllib3.exceptions import NewConnectionError


class RebasedSession(requests.Session):
    """Sends requests a library addresses to ``library_host`` to ``base_url`` instead, and gives every request
    a timeout (tweepy and facebook-sdk hard-code their hosts, and tweepy sets no timeout)."""

    def __init__(self, library_host: str, base_url: str, timeout: float) -> None:
        super().__init__()
        self.library_host = library_host.rstrip("/")
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        # (scheme, host, no_proxy) -> the proxies and CA bundle the environment gives requests to that host
        self._environment: dict[tuple[str, str, str | None], tuple[dict[str, str], str | None]] = {}

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

    def merge_environment_settings(
        self, url: str | bytes | None, proxies: Any, stream: Any, verify: Any, cert: Any
    ) -> Any:
        """requests' merge, reading the environment (proxies, no_proxy, CA bundle) once per host rather than
        for every request: scanning every environment variable for proxies cost as much as the request itself.
        The environment of a running publish does not change; a new session reads it afresh."""
        if self.trust_env:
            no_proxy = proxies.get("no_proxy") if proxies is not None else None
            text = url.decode() if isinstance(url, bytes) else url or ""
            scheme, host = urlsplit(text)[:2]
            key = (scheme, host, no_proxy)
            found = self._environment.get(key)
            if found is None:
                bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or None
                found = self._environment[key] = (get_environ_proxies(text, no_proxy=no_proxy), bundle)
            env_proxies, bundle = found
            if proxies is not None:
                for k, v in env_proxies.items():
                    proxies.setdefault(k, v)
            if (verify is True or verify is None) and bundle:
                verify = bundle
        return {
            "proxies": merge_setting(proxies, self.proxies),  # type: ignore[no-untyped-call]
            "stream": merge_setting(stream, self.stream),  # type: ignore[no-untyped-call]
            "verify": merge_setting(verify, self.verify),  # type: ignore[no-untyped-call]
            "cert": merge_setting(cert, self.cert),  # type: ignore[no-untyped-call]
        }


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
