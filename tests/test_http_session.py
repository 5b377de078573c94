"""The posting session reads proxy settings from the environment as requests does, once per host."""

from __future__ import annotations

import pytest
import requests

from pmcpost.platforms.http import RebasedSession


@pytest.mark.parametrize(
    ("url", "proxies", "verify"),
    [
        ("https://api.example/v1/post", {}, None),
        ("https://api.example/v1/post", {}, False),
        ("http://api.example:8080/", {"no_proxy": "api.example"}, True),
        ("https://internal.example/x", {}, None),
        ("https://api.example/", None, "/etc/ssl/own.pem"),
    ],
)
def test_environment_settings_are_those_requests_gives(
    monkeypatch: pytest.MonkeyPatch, url: str, proxies: dict[str, str] | None, verify: bool | str | None
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.example:3129")
    monkeypatch.setenv("NO_PROXY", "internal.example")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/city-ca.pem")
    ours = RebasedSession("", "https://api.example", 5)
    theirs = requests.Session()
    for _ in range(2):  # the second time from what the session remembered
        given = None if proxies is None else dict(proxies)
        expected = theirs.merge_environment_settings(url, given, None, verify, None)
        got = ours.merge_environment_settings(url, None if proxies is None else dict(proxies), None, verify, None)
        assert got == expected
    assert ours.merge_environment_settings("https://api.example/", {}, None, None, None)["verify"] == (
        "/etc/ssl/city-ca.pem"
    )


def test_the_environment_is_read_once_per_host(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    session = RebasedSession("", "https://api.example", 5)
    session.merge_environment_settings("https://api.example/one", {}, None, None, None)
    monkeypatch.setenv("HTTPS_PROXY", "http://other.example:8080")

    same_host = session.merge_environment_settings("https://api.example/two", {}, None, None, None)
    assert same_host["proxies"] == {"https": "http://proxy.example:3128"}
    # Another host, or a new session, reads the environment as it is now.
    other_host = session.merge_environment_settings("https://upload.example/", {}, None, None, None)
    assert other_host["proxies"] == {"https": "http://other.example:8080"}
    fresh = RebasedSession("", "https://api.example", 5)
    assert fresh.merge_environment_settings("https://api.example/", {}, None, None, None)["proxies"] == {
        "https": "http://other.example:8080"
    }
